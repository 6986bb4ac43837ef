import Foundation
import HTTPTypes
import Hummingbird
import IntegratorModel
import IntegratorStore
import Logging

/// One message a client pushed, checked and normalised.
struct IncomingMessage: Sendable {
    var name: String
    var payload: JSONValue
    /// The whole pushed object, for the v5 echo.
    var document: [String: JSONValue]
    var origin: String
}

/// Reading, checking and durably writing pushed messages: shared by every push route.
struct Ingest: Sendable {
    let hub: Hub

    /// Reads the request body within the size and depth limits, or throws 413/400.
    func readJSON(_ request: Request) async throws -> JSONValue {
        let buffer = try await readBody(request)
        do {
            return try JSONValue.parse(buffer.readableBytesView, depthLimit: hub.configuration.maxJSONDepth)
        } catch {
            throw APIError(.badRequest, (error as? JSONReadError)?.description ?? "the body is not valid JSON")
        }
    }

    /// The whole body within the size limit, or 413.
    func readBody(_ request: Request) async throws -> ByteBuffer {
        let limit = hub.configuration.maxBodySize
        var request = request
        do {
            return try await request.collectBody(upTo: limit)
        } catch {
            throw APIError(.contentTooLarge, "the body is larger than the limit of \(limit) bytes")
        }
    }

    /// Checks one pushed document, adding its problems under `prefix`.
    func check(_ json: JSONValue, prefix: String, origin: String, problems: inout [Problem]) -> IncomingMessage? {
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
        let messageOrigin = fields["origin"]?.stringValue ?? origin
        guard problems.count == start else { return nil }
        return IncomingMessage(name: name, payload: payload, document: fields, origin: messageOrigin)
    }

    /// The idempotency key of a request: the header, or `payload.idempotency_key` of a single message.
    func idempotencyKey(_ request: Request, single: JSONValue?) throws -> String? {
        let key = request.headers[HTTPField.Name("Idempotency-Key")!] ?? single?["payload"]?["idempotency_key"]?.stringValue
        guard let key else { return nil }
        if key.isEmpty || key.utf8.count > 255 {
            throw APIError.invalid("the idempotency key is not usable", path: "Idempotency-Key", problem: "must be 1 to 255 characters")
        }
        return key
    }

    /// Routes and writes the messages durably; the reply is made by `reply` from the new ids
    /// and stored with them, so a repeat of the key gets exactly the same answer.
    func write(
        storeID: String, messages: [IncomingMessage], key: String?, status: HTTPResponse.Status,
        reply: ([(id: String, message: IncomingMessage)]) -> JSONValue
    ) async throws -> Response {
        let now = hub.clock.now()
        if let wait = hub.rateLimiter.take(messages.count, storeID: storeID, now: now) {
            let seconds = max(1, Int(wait.rounded(.up)))
            throw APIError(
                .tooManyRequests, "store '\(storeID)' is over its limit of \(hub.rateLimiter.rate) messages per second; retry after \(seconds) s",
                headers: [.retryAfter: String(seconds)])
        }
        if let key, let earlier = try await hub.store.idempotentReply(storeID: storeID, key: key, since: now.addingTimeInterval(-24 * 3600)) {
            return replayed(earlier)
        }
        let routed = messages.map { message in
            hub.router.route(storeID: storeID, name: message.name, payload: message.payload, origin: message.origin, now: now)
        }
        let body = reply(zip(routed, messages).map { ($0.id, $1) })
        let record = PushRecord(storeID: storeID, idempotencyKey: key, messages: routed, replyStatus: Int(status.code), reply: body, now: now)
        switch try await hub.store.push(record) {
        case .stored:
            for message in routed {
                hub.logger.info("accepted", metadata: [
                    "message_id": .string(message.id), "store": .string(storeID), "message": .string(message.name),
                    "deliveries": .stringConvertible(message.deliveries.count),
                ])
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
