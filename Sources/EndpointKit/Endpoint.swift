import Foundation
import HTTPTypes
import Hummingbird
import IntegratorModel
import Logging
import NIOCore

/// A service's work: read the request, build the response. Throw for failures the hub should
/// retry (the endpoint answers 500 with an error notification); put business failures in the
/// response as error notifications with status 200 instead.
public typealias ServiceHandler = @Sendable (EndpointRequest) async throws -> EndpointResponse

/// An endpoint: services by path, guarded by a key, described by a manifest.
///
/// The rules are endpoint_base's: a POST without the right `X-Augury-Token` gets 401
/// `{"text":"unauthorized"}`, a body that is not JSON 406, an unknown path 404; `GET /auth`
/// answers 200, `GET /` redirects to `/endpoint.json`.
public struct Endpoint: Sendable {
    /// The key the hub must send (`ENDPOINT_KEY`); nil or empty accepts any request.
    public var key: String?
    /// The integration prefix of parameter names (`spree`).
    public var prefix: String?
    public var manifest: EndpointManifest
    /// Standard Webhooks secrets (`whsec_…`): when set, a request must carry a valid
    /// `webhook-signature` no more than five minutes old, or it gets 401.
    public var signingSecrets: [String] = []
    private var services: [String: ServiceHandler] = [:]

    public init(key: String?, prefix: String? = nil, manifest: EndpointManifest) {
        self.key = key
        self.prefix = prefix
        self.manifest = manifest
    }

    /// Adds the service at `path` (`/orders/import`).
    public mutating func service(_ path: String, _ handler: @escaping ServiceHandler) {
        services[path] = handler
    }

    public var paths: [String] { services.keys.sorted() }

    /// Answers one POST: the whole behaviour, without HTTP, so it can be tested directly.
    public func respond(
        path: String,
        token: String?,
        body: [UInt8],
        signature: WebhookHeaders = WebhookHeaders(),
        now: Date = Date()
    ) async -> (status: Int, body: JSONValue) {
        if let key, !key.isEmpty, token != key {
            return (401, ["text": "unauthorized"])
        }
        if !signingSecrets.isEmpty {
            do {
                try WebhookSignature.verify(
                    id: signature.id,
                    timestamp: signature.timestamp,
                    signature: signature.signature,
                    body: body,
                    secrets: signingSecrets,
                    now: now
                )
            } catch {
                return (401, ["text": "unauthorized", "error": .string(String(describing: error))])
            }
        }
        guard let handler = services[path] else {
            return (404, ["error": .string("no service at \(path); this endpoint serves \(paths.joined(separator: ", "))")])
        }
        let json: JSONValue
        do {
            json = try JSONValue.parse(body)
        } catch {
            return (406, ["error": .string("the body is not JSON: \(error)")])
        }
        let messageID = json["message_id"]?.stringValue ?? ""
        do {
            let request = try EndpointRequest.decode(json, prefix: prefix)
            let response = try await handler(request)
            return (response.status, response.json)
        } catch EndpointError.badRequest(let why) {
            // A payload the service cannot use will not improve by retrying: answer 200 with an
            // error notification, as the original guides asked of validation problems.
            var response = EndpointResponse(messageID: messageID)
            response.add(value: .string(why), for: "error")
            response.addNotification(.error, subject: "\(path): bad request", description: why)
            return (200, response.json)
        } catch {
            let description = (error as? EndpointError)?.description ?? String(describing: error)
            var response = EndpointResponse(messageID: messageID, status: 500)
            response.add(value: .string(description), for: "error")
            response.addNotification(.error, subject: "\(path) failed", description: description)
            return (500, response.json)
        }
    }

    /// The HTTP routes of the endpoint.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        let endpoint = self
        router.get("/endpoint.json") { _, _ in Self.response(200, endpoint.manifest.json) }
        router.get("/auth") { _, _ in Response(status: .ok) }
        router.get("/") { _, _ in Response(status: .found, headers: [.location: "/endpoint.json"]) }
        router.post("**") { request, context -> Response in
            var request = request
            let buffer = try await request.collectBody(upTo: 16 << 20)
            let token = request.headers[HTTPField.Name("X-Augury-Token")!] ?? request.headers[HTTPField.Name("X_AUGURY_TOKEN")!]
            let signature = WebhookHeaders(
                id: request.headers[HTTPField.Name("webhook-id")!],
                timestamp: request.headers[HTTPField.Name("webhook-timestamp")!],
                signature: request.headers[HTTPField.Name("webhook-signature")!]
            )
            let (status, body) = await endpoint.respond(
                path: request.uri.path,
                token: token,
                body: Array(buffer.readableBytesView),
                signature: signature
            )
            return Self.response(status, body)
        }
        return router
    }

    /// An application serving the endpoint on `host:port`.
    public func application(
        host: String,
        port: Int,
        logger: Logger,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: router(),
            configuration: .init(address: .hostname(host, port: port), serverName: manifest.name),
            onServerRunning: onServerRunning,
            logger: logger
        )
    }

    static func response(_ status: Int, _ body: JSONValue) -> Response {
        Response(
            status: HTTPResponse.Status(code: status),
            headers: [.contentType: "application/json;charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: Array(body.encoded())))
        )
    }
}

/// The Standard Webhooks headers of a request.
public struct WebhookHeaders: Sendable {
    public var id: String?
    public var timestamp: String?
    public var signature: String?

    public init(id: String? = nil, timestamp: String? = nil, signature: String? = nil) {
        self.id = id
        self.timestamp = timestamp
        self.signature = signature
    }
}

/// Helpers for endpoint authors' tests: hub requests as the hub sends them.
public enum EndpointTesting {
    /// A request body in the v5 hub's form, with parameters as a `[{name, value}]` list.
    public static func request(
        _ message: String,
        payload: JSONValue = [:],
        parameters: JSONObject = [:],
        messageID: String = "523fcd00b439573338018fab"
    ) -> JSONValue {
        var fields = payload.objectValue ?? [:]
        fields["parameters"] = .array(parameters.map { .object(["name": .string($0.key), "value": $0.value]) })
        return ["message": .string(message), "message_id": .string(messageID), "payload": .object(fields)]
    }

    /// Sends a request straight to an endpoint's services, as the hub would with the right key.
    public static func send(_ endpoint: Endpoint, path: String, _ body: JSONValue) async -> (status: Int, body: JSONValue) {
        await endpoint.respond(path: path, token: endpoint.key, body: Array(body.encoded()))
    }
}
