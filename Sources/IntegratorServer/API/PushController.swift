import Foundation
import HTTPTypes
import Hummingbird
import IntegratorModel
import IntegratorStore

/// The push API: `POST /events` (with `X-Hub-Store` and `X-Hub-Access-Token`), one message or
/// an array of them, answered 202 once every message is on disk.
struct PushController: Sendable {
    let hub: Hub
    let auth: Authenticator
    var ingest: Ingest { Ingest(hub: hub) }

    func addRoutes(to router: MethodRouter) {
        router.post("/events", use: events)
    }

    @Sendable func events(_ request: Request, context: HubRequestContext) async throws -> Response {
        let storeID = try await auth.pushingStore(request)
        let depth = try ingest.depth(request)
        let body = try await ingest.readPush(request)
        let json = body.json
        if let objects = V6Push.objects(json) {
            return try await v6(objects, storeID: storeID, request: request, depth: depth)
        }
        var problems: [Problem] = []
        var messages: [IncomingMessage] = []
        let isBatch: Bool
        if case .array(let items) = json {
            isBatch = true
            if items.isEmpty {
                throw APIError.invalid("the batch is empty", path: "", problem: "send at least one {message, payload}")
            }
            for (index, item) in items.enumerated() {
                if let message = Ingest.check(item, prefix: String(index), origin: .push, problems: &problems) { messages.append(message) }
            }
        } else {
            isBatch = false
            if var message = Ingest.check(json, prefix: "", origin: .push, problems: &problems) {
                message.sentPayload = body.sentPayload
                messages.append(message)
            }
        }
        if !problems.isEmpty {
            throw APIError(
                .unprocessableContent,
                problems.count == 1 ? "the message is not valid" : "\(problems.count) problems in the pushed document",
                problems: problems
            )
        }
        let key = try ingest.idempotencyKey(request, single: isBatch ? nil : json)
        return try await ingest.write(storeID: storeID, messages: messages, key: key, status: .accepted, depth: depth) { accepted in
            let replies: [JSONValue] = accepted.map { id, _ in
                .object(["message_id": .string(id), "event_id": .string(id), "result": "accepted"])
            }
            return isBatch ? .array(replies) : replies[0]
        }
    }

    /// The Wombat v6 / cangaroo form: objects keyed by plural type, each with an `id`. Every
    /// object goes through change detection as a `<type>:persist` message; the reply counts
    /// the objects per type.
    func v6(_ objects: [(type: String, items: [JSONValue])], storeID: String, request: Request, depth: Int) async throws -> Response {
        var problems: [Problem] = []
        var messages: [IncomingMessage] = []
        var counts: JSONObject = [:]
        for (plural, items) in objects {
            if plural.isEmpty || !plural.allSatisfy({ ("a"..."z").contains($0) || $0 == "_" || $0 == "-" }) {
                problems.append(Problem(path: plural, problem: "object types are lowercase plural names such as orders or shipments"))
                continue
            }
            let type = ObjectTypes.singular(plural)
            for (index, item) in items.enumerated() {
                guard case .object = item else {
                    problems.append(Problem(path: "\(plural).\(index)", problem: "must be an object with an id, not \(item.typeName)"))
                    continue
                }
                guard ChangeDetector.identity(type: type, object: item, v6: true) != nil else {
                    problems.append(Problem(path: "\(plural).\(index).id", problem: "is required: the v6 id (an order's number, a product's sku)"))
                    continue
                }
                messages.append(IncomingMessage(name: "\(type):persist", payload: [type: item, "v6": true], document: [:], origin: .push))
            }
            counts[plural] = .int(Int64(items.count))
        }
        if !problems.isEmpty {
            throw APIError(.unprocessableContent, "\(problems.count) problem(s) in the pushed objects", problems: problems)
        }
        let key = try ingest.idempotencyKey(request, single: nil)
        return try await ingest.write(storeID: storeID, messages: messages, key: key, status: .accepted, depth: depth) { _ in .object(counts) }
    }
}

/// Recognises a v6 push: an object with no `message` or `event` whose values (other than
/// `request_id`, `summary` and `parameters`) are all arrays.
enum V6Push {
    static func objects(_ json: JSONValue) -> [(type: String, items: [JSONValue])]? {
        guard case .object(var fields) = json, fields["message"] == nil, fields["event"] == nil else { return nil }
        for key in ["request_id", "summary", "parameters"] { fields[key] = nil }
        guard !fields.isEmpty, fields.values.allSatisfy({ $0.arrayValue != nil }) else { return nil }
        return fields.map { ($0.key, $0.value.arrayValue!) }
    }
}
