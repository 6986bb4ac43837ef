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

    func addRoutes(to router: Hummingbird.Router<BasicRequestContext>) {
        router.post("/events", use: events)
    }

    @Sendable func events(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let storeID = try await auth.pushingStore(request)
        let json = try await ingest.readJSON(request)
        var problems: [Problem] = []
        var messages: [IncomingMessage] = []
        let isBatch: Bool
        if case .array(let items) = json {
            isBatch = true
            if items.isEmpty {
                throw APIError.invalid("the batch is empty", path: "", problem: "send at least one {message, payload}")
            }
            for (index, item) in items.enumerated() {
                if let message = ingest.check(item, prefix: String(index), origin: "push", problems: &problems) { messages.append(message) }
            }
        } else {
            isBatch = false
            if let message = ingest.check(json, prefix: "", origin: "push", problems: &problems) { messages.append(message) }
        }
        if !problems.isEmpty {
            throw APIError(.unprocessableContent, problems.count == 1 ? "the message is not valid" : "\(problems.count) problems in the pushed document", problems: problems)
        }
        let key = try ingest.idempotencyKey(request, single: isBatch ? nil : json)
        return try await ingest.write(storeID: storeID, messages: messages, key: key, status: .accepted) { accepted in
            let replies: [JSONValue] = accepted.map { id, _ in
                .object(["message_id": .string(id), "event_id": .string(id), "result": "accepted"])
            }
            return isBatch ? .array(replies) : replies[0]
        }
    }
}
