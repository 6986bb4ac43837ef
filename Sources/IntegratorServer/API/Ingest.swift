import Foundation
import HTTPTypes
import Hummingbird
import IntegratorModel
import IntegratorStore
import Logging
import NIOCore

/// One message a client pushed, checked and normalised.
struct IncomingMessage: Sendable {
    var name: String
    var payload: JSONValue
    /// The whole pushed object, for the v5 echo.
    var document: JSONObject
    var origin: MessageOrigin
    /// The payload as the client sent it, when those bytes can be stored as they are
    /// (`PushBody`); otherwise the store writes `payload` out.
    var sentPayload: String?
}

/// A push's body: its JSON, and its payload's own bytes when they can be kept.
struct PushBody {
    var json: JSONValue
    var sentPayload: String?

    /// `payload` of a top-level object, as sent, when it is an object whose bytes read back to
    /// exactly the parsed value (`JSONDocument.keptMember`).
    init(_ document: JSONDocument, bytes: ByteBufferView) {
        json = document.value
        if case .object? = document.value["payload"], let range = document.keptMember("payload"),
            range.lowerBound >= 0, range.upperBound <= bytes.count
        {
            let start = bytes.index(bytes.startIndex, offsetBy: range.lowerBound)
            let end = bytes.index(bytes.startIndex, offsetBy: range.upperBound)
            sentPayload = String(decoding: bytes[start..<end], as: UTF8.self)
        }
    }
}

/// Reading, checking and durably writing pushed messages: shared by every push route.
struct Ingest: Sendable {
    let hub: Hub

    /// Reads the request body within the size and depth limits, or throws 413/400.
    func readJSON(_ request: Request) async throws -> JSONValue {
        let buffer = try await readBody(request)
        hub.memory.bodyRead(size: buffer.readableBytes)
        return try Self.parse(buffer.readableBytesView, depthLimit: hub.configuration.maxJSONDepth)
    }

    /// Reads a push's body as `readJSON` does, keeping its payload's own bytes when it can.
    func readPush(_ request: Request) async throws -> PushBody {
        let buffer = try await readBody(request)
        hub.memory.bodyRead(size: buffer.readableBytes)
        let bytes = buffer.readableBytesView
        return PushBody(try Self.read { try JSONValue.parseDocument(bytes, depthLimit: hub.configuration.maxJSONDepth) }, bytes: bytes)
    }

    /// Parses a body: 400 for what is not JSON (or not UTF-8), 422 naming the path of a number
    /// the hub cannot keep exactly.
    static func parse(_ bytes: some Collection<UInt8>, depthLimit: Int) throws -> JSONValue {
        try read { try JSONValue.parse(bytes, depthLimit: depthLimit) }
    }

    /// Runs a parse, turning what it throws into the API's errors.
    private static func read<Parsed>(_ parse: () throws -> Parsed) throws -> Parsed {
        do {
            return try parse()
        } catch let error as JSONReadError {
            if let path = error.path {
                throw APIError.invalid("a number in the body cannot be kept exactly", path: path, problem: JSONReadError.inexactProblem)
            }
            throw APIError(.badRequest, error.description)
        } catch {
            throw APIError(.badRequest, "the body is not valid JSON")
        }
    }

    /// The whole body within the size limit: 413 over it, 400 when it cannot be read whole.
    func readBody(_ request: Request) async throws -> ByteBuffer {
        let limit = hub.configuration.maxBodySize
        var request = request
        do {
            return try await request.collectBody(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError(.contentTooLarge, "the body is larger than the limit of \(limit) bytes")
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, "the body is larger than the limit of \(limit) bytes")
        } catch {
            throw APIError(.badRequest, "the body could not be read whole: \(error)")
        }
    }

    /// Checks one pushed document, adding its problems under `prefix`.
    static func check(_ json: JSONValue, prefix: String, origin: MessageOrigin, problems: inout [Problem]) -> IncomingMessage? {
        let at = { (path: String) in prefix.isEmpty ? path : "\(prefix).\(path)" }
        guard case .object(let fields) = json else {
            problems.append(Problem(path: prefix.isEmpty ? "" : prefix, problem: "must be an object with message and payload, not \(json.typeName)"))
            return nil
        }
        let start = problems.count
        var name = ""
        switch fields["message"] ?? fields["event"] {
        case .string(let text)?:
            if let why = MessageName.problem(with: text) {
                problems.append(Problem(path: at(fields["message"] != nil ? "message" : "event"), problem: why))
            }
            name = MessageName.normalised(text)
        case nil, .null?:
            problems.append(Problem(path: at("message"), problem: "is required: the message name, such as order:new"))
        case let other?:
            problems.append(Problem(path: at("message"), problem: "must be a string, not \(other.typeName)"))
        }
        let payload = fields["payload"] ?? .object([:])
        if payload.objectValue == nil {
            problems.append(Problem(path: at("payload"), problem: "must be an object, not \(payload.typeName)"))
        } else if !name.isEmpty, problems.count == start {
            for problem in PayloadValidator.problems(message: name, payload: payload) {
                problems.append(Problem(path: at(problem.path), problem: problem.problem))
            }
        }
        let messageOrigin = fields["origin"]?.stringValue.map(MessageOrigin.init(rawValue:)) ?? origin
        guard problems.count == start else { return nil }
        return IncomingMessage(name: name, payload: payload, document: fields, origin: messageOrigin)
    }

    /// How many deliveries deep a push is: the hop header the hub sets on every delivery, so a
    /// mapping pointed at the hub's own push API is a chain like any reply chain. Past the depth
    /// limit the push is refused with 422 naming the header (a refusal of what was sent, not a
    /// fault of the hub's, so not 508).
    func depth(_ request: Request) throws -> Int {
        guard let text = request.headers.value(Self.hopsHeader) else { return 0 }
        guard text.utf8.count <= 6, let hops = Int(text.trimmingCharacters(in: .whitespaces)), hops >= 0 else {
            throw APIError.invalid("the hop count is not valid", path: DeliveryRequest.hopsHeader, problem: "must be a whole number from 0")
        }
        let limit = hub.configuration.maxMessageDepth
        if hops > limit {
            throw APIError(
                .unprocessableContent,
                "this push came through \(hops) deliveries, past the limit of \(limit): "
                    + "a mapping is probably delivering to this hub's own push API in a loop",
                problems: [Problem(path: DeliveryRequest.hopsHeader, problem: "is \(hops); at most \(limit) is accepted")]
            )
        }
        return hops
    }

    static let hopsHeader = HTTPField.Name(DeliveryRequest.hopsHeader)!
    static let idempotencyKeyHeader = HTTPField.Name("Idempotency-Key")!

    /// The idempotency key of a request: the header, or `payload.idempotency_key` of a single message.
    func idempotencyKey(_ request: Request, single: JSONValue?) throws -> String? {
        let key = request.headers.value(Self.idempotencyKeyHeader) ?? single?["payload"]?["idempotency_key"]?.stringValue
        guard let key else { return nil }
        if key.isEmpty || key.utf8.count > 255 {
            throw APIError.invalid("the idempotency key is not usable", path: "Idempotency-Key", problem: "must be 1 to 255 characters")
        }
        return key
    }

    /// Routes and writes the messages durably; the reply is made by `reply` from the new ids
    /// and stored with them, so a repeat of the key gets exactly the same answer.
    func write(
        storeID: String,
        messages: [IncomingMessage],
        key: String?,
        status: HTTPResponse.Status,
        depth: Int = 0,
        reply: ([(id: String, message: IncomingMessage)]) -> JSONValue
    ) async throws -> Response {
        let now = hub.clock.now()
        if let wait = hub.rateLimiter.take(messages.count, storeID: storeID, now: now) {
            let seconds = max(1, Int(min(wait.isFinite ? wait : 86_400, 86_400).rounded(.up)))
            throw APIError(
                .tooManyRequests,
                "store '\(storeID)' is over its limit of \(hub.rateLimiter.rate) messages per second; retry after \(seconds) s",
                headers: [.retryAfter: String(seconds)]
            )
        }
        if let key, let earlier = try await hub.database.idempotentReply(storeID: storeID, key: key, since: now.addingTimeInterval(-24 * 3600)) {
            return replayed(earlier)
        }
        let routed = messages.map { message in
            var routed = hub.router.route(
                storeID: storeID,
                name: message.name,
                payload: message.payload,
                origin: message.origin,
                depth: depth,
                now: now
            )
            routed.sentPayload = message.sentPayload
            return routed
        }
        let body = reply(zip(routed, messages).map { ($0.id, $1) })
        let record = PushRecord(storeID: storeID, idempotencyKey: key, messages: routed, replyStatus: Int(status.code), reply: body, now: now)
        switch try await hub.database.push(record) {
        case .stored:
            for message in routed {
                hub.logger.info(
                    "accepted",
                    metadata: [
                        "message_id": .string(message.id), "store": .string(storeID), "message": .string(message.name),
                        "deliveries": .stringConvertible(message.deliveries.count),
                    ]
                )
            }
            hub.metrics.messagesIngested(routed.count)
            hub.wakeWorkers()
            return Response.json(body, status: status)
        case .replayed(let status, let reply):
            return replayed((status, reply))
        }
    }

    private func replayed(_ earlier: (status: Int, reply: JSONValue)) -> Response {
        var response = Response.json(earlier.reply, status: HTTPResponse.Status(code: earlier.status))
        response.headers[HTTPField.Name("Idempotent-Replayed")!] = "true"
        return response
    }
}
