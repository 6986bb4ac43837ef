import Foundation
import HTTPTypes
import IntegratorModel
import IntegratorStore

/// "Why did it route?": a mapping, or every mapping of a store, asked about one message.
extension AdminOperations {
    /// The message a route test is about: `{message, payload}`, or `{message_id}` of a stored
    /// message (its name and payload as stored).
    func routeTestSubject(storeID: String, _ body: JSONValue) async throws -> (name: String, id: String, payload: JSONValue) {
        guard case .object(let fields) = body else {
            throw APIError.invalid("the test is not valid", path: "", problem: "must be an object with message and payload, or message_id")
        }
        if let id = fields["message_id"] {
            guard let text = id.stringValue, !text.isEmpty, text.utf8.count <= 64 else {
                throw APIError.invalid("the test is not valid", path: "message_id", problem: "must be a message id")
            }
            let detail = try await message(storeID: storeID, id: text)
            return (detail.message.name, detail.message.id, detail.message.payload)
        }
        var problems: [Problem] = []
        let name = fields["message"]?.stringValue ?? ""
        if name.isEmpty {
            problems.append(Problem(path: "message", problem: "is required (or give message_id)"))
        } else if let why = MessageName.problem(with: name) {
            problems.append(Problem(path: "message", problem: why))
        }
        let payload = fields["payload"] ?? .object([:])
        if payload.objectValue == nil { problems.append(Problem(path: "payload", problem: "must be an object, not \(payload.typeName)")) }
        for key in fields.keys where !["message", "payload"].contains(key) {
            problems.append(Problem(path: key, problem: "is not a field of a route test; give message and payload, or message_id"))
        }
        if !problems.isEmpty { throw APIError(.unprocessableContent, "the test is not valid", problems: problems) }
        return (MessageName.normalised(name), "test", payload)
    }

    /// Whether one mapping takes the message, and why.
    func explain(storeID: String, mapping name: String, _ body: JSONValue) async throws -> RoutingExplanation {
        guard let compiled = hub.catalog.mapping(storeID: storeID, name: name) else {
            throw APIError.notFound("store '\(storeID)' has no mapping '\(name)'")
        }
        let subject = try await routeTestSubject(storeID: storeID, body)
        return compiled.explain(message: subject.name, id: subject.id, payload: subject.payload)
    }

    /// Every mapping of the store asked about the message.
    func routeTest(storeID: String, _ body: JSONValue) async throws -> [RoutingExplanation] {
        let subject = try await routeTestSubject(storeID: storeID, body)
        return hub.catalog.mappings(storeID: storeID).sorted { $0.mapping.name < $1.mapping.name }.map {
            $0.explain(message: subject.name, id: subject.id, payload: subject.payload)
        }
    }
}
