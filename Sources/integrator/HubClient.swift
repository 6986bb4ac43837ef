import AsyncHTTPClient
import Foundation
import IntegratorModel
import NIOCore
import NIOHTTP1

/// The admin API as the CLI calls it: `--url` (`INTEGRATOR_URL`, default
/// `http://127.0.0.1:8080`) and `--admin-token` (`INTEGRATOR_ADMIN_TOKEN`).
struct HubClient {
    let url: String
    let token: String
    let http: HTTPClient

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(url: String?, token: String?) throws {
        let environment = ProcessInfo.processInfo.environment
        self.url = (url ?? environment["INTEGRATOR_URL"] ?? "http://127.0.0.1:8080").trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard let token = token ?? environment["INTEGRATOR_ADMIN_TOKEN"], !token.isEmpty else {
            throw Failure(description: "no admin token: pass --admin-token or set INTEGRATOR_ADMIN_TOKEN")
        }
        self.token = token
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    func shutdown() async {
        try? await http.shutdown()
    }

    /// Sends a request and returns the status and JSON body.
    func send(_ method: HTTPMethod, _ path: String, _ body: JSONValue? = nil) async throws -> (status: Int, body: JSONValue) {
        var request = HTTPClientRequest(url: url + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: Array(body.encoded())))
        }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .seconds(60))
        } catch {
            throw Failure(description: "cannot reach the hub at \(url): \(error)")
        }
        var buffer = try await response.body.collect(upTo: 64 << 20)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        let json = bytes.isEmpty ? JSONValue.null : ((try? JSONValue.parse(bytes)) ?? .string(String(decoding: bytes, as: UTF8.self)))
        return (Int(response.status.code), json)
    }

    /// `send`, throwing the hub's error (with every problem) on a status other than 2xx.
    func expect(_ method: HTTPMethod, _ path: String, _ body: JSONValue? = nil) async throws -> JSONValue {
        let (status, json) = try await send(method, path, body)
        guard (200..<300).contains(status) else { throw Failure(description: Self.describe(status: status, json)) }
        return json
    }

    static func describe(status: Int, _ json: JSONValue) -> String {
        var lines = ["the hub answered \(status): \(json["error"]?.stringValue ?? json.jsonString)"]
        for problem in json["errors"]?.arrayValue ?? [] {
            lines.append("  \(problem["path"]?.stringValue ?? ""): \(problem["problem"]?.stringValue ?? "")")
        }
        return lines.joined(separator: "\n")
    }

    static func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? segment
    }
}

/// Prints rows as aligned columns, for people; `--json` prints the API's JSON instead.
enum Table {
    static func render(_ headers: [String], _ rows: [[String]]) -> String {
        var widths = headers.map(\.count)
        for row in rows { for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in cell.padding(toLength: widths[index], withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }
        return ([line(headers), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)).joined(separator: "\n")
    }
}
