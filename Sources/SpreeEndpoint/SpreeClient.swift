import AsyncHTTPClient
import EndpointKit
import Foundation
import IntegratorModel
import NIOCore
import NIOHTTP1

/// Calls a Spree store's API v1 with the admin key, and sorts its answers into the two kinds
/// of failure the hub must tell apart: the store said no (a business failure, not retried) or
/// the store could not be asked (retried).
struct SpreeClient: Sendable {
    enum Version: String, Sendable {
        case v1_3 = "1.3"
        case v2_0 = "2.0"
    }

    /// The store refused this request for a reason retrying will not fix (404, 422).
    struct Refusal: Error, CustomStringConvertible {
        var status: Int
        var body: JSONValue
        var description: String {
            let detail = body["exception"]?.stringValue ?? body["error"]?.stringValue ?? body.jsonString
            return status == 404 ? "not found in the store" : detail
        }
    }

    let http: HTTPClient
    let baseURL: String
    let apiKey: String
    let version: Version

    /// Reads `spree.api_url`, `spree.api_key` and `spree.api_version` from the request.
    init(http: HTTPClient, request: EndpointRequest) throws {
        let url = try request.require("spree.api_url")
        guard let components = URLComponents(string: url), let scheme = components.scheme, ["http", "https"].contains(scheme), components.host != nil
        else {
            throw EndpointError.failed("spree.api_url must be the store's API URL, such as http://demostore.com/api/, not '\(url)'")
        }
        let versionText = try request.require("spree.api_version")
        guard let version = Version(rawValue: versionText) else {
            throw EndpointError.failed("spree.api_version must be 1.3 or 2.0, not '\(versionText)'")
        }
        self.http = http
        self.baseURL = url.hasSuffix("/") ? url : url + "/"
        self.apiKey = try request.require("spree.api_key")
        self.version = version
    }

    func get(_ path: String, query: [String: String] = [:]) async throws -> JSONValue {
        try await send(.GET, path, query: query, body: nil)
    }

    func put(_ path: String, _ body: JSONValue = [:]) async throws -> JSONValue {
        try await send(.PUT, path, query: [:], body: body)
    }

    func post(_ path: String, _ body: JSONValue) async throws -> JSONValue {
        try await send(.POST, path, query: [:], body: body)
    }

    private func send(_ method: HTTPMethod, _ path: String, query: [String: String], body: JSONValue?) async throws -> JSONValue {
        var components = URLComponents(string: baseURL + path)!
        if !query.isEmpty { components.queryItems = query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) } }
        let url = components.string!
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "X-Spree-Token", value: apiKey)
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: Array(body.encoded())))
        }
        let response: HTTPClientResponse
        var bytes: [UInt8] = []
        do {
            response = try await http.execute(request, timeout: .seconds(60))
            var buffer = try await response.body.collect(upTo: 32 << 20)
            bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch {
            throw EndpointError.failed("the Spree store at \(baseURL) could not be reached: \(error)")
        }
        let json = (try? JSONValue.parse(bytes)) ?? .string(String(decoding: bytes.prefix(500), as: UTF8.self))
        switch response.status.code {
        case 200..<300:
            return json
        case 401:
            throw EndpointError.failed("the Spree store refused the API key (spree.api_key): \(json["error"]?.stringValue ?? "401")")
        case 404, 422:
            throw Refusal(status: Int(response.status.code), body: json)
        default:
            let detail = json["error"]?.stringValue ?? json["exception"]?.stringValue ?? json.jsonString.prefix(300).description
            throw EndpointError.failed("the Spree store answered \(response.status.code) to \(method) \(path): \(detail)")
        }
    }
}
