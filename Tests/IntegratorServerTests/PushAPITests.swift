import Foundation
import IntegratorModel
import IntegratorServer
import IntegratorTestSupport
import NIOHTTP1
import Testing

/// The push API's answers to good and bad input; bad input never leaves anything stored.
@Suite(.serialized) struct PushAPITests {
    func storedCount(_ hub: TestHub) async throws -> Int {
        try await hub.messages()["count"]?.numberValue.map(Int.init) ?? -1
    }

    @Test(arguments: TestBackend.all) func anArrayIsAcceptedOneReplyPerMessage(backend: TestBackend) async throws {
        try await TestHub.run(backend: backend) { hub in
            let reply = try await hub.push([
                ["message": "order:new", "payload": ["order": ["number": "R1"]]],
                ["event": "order:cancelled", "payload": ["order": ["number": "R1"]]],
            ])
            #expect(reply.status == 202)
            #expect(reply.body.arrayValue?.count == 2)
            #expect(reply.body[1]?["result"] == "accepted")
            let names = try await hub.messages()["messages"]?.arrayValue?.compactMap { $0["message"]?.stringValue }
            #expect(Set(names ?? []) == ["order:new", "order:canceled"])
        }
    }

    @Test(arguments: TestBackend.all) func theV5StoreRouteAnswers201WithTheEcho(backend: TestBackend) async throws {
        try await TestHub.run(backend: backend) { hub in
            let reply = try await call(
                .POST,
                "\(hub.url)/api/stores/acme/messages",
                json: ["message": "user:new", "payload": ["user": ["email": "a@b.co"]], "origin": "store"],
                headers: ["X-Augury-Token": TestHub.storeToken]
            )
            #expect(reply.status == 201)
            #expect(reply.body["message"] == "user:new")
            #expect(reply.body["payload"]?["user"]?["email"] == "a@b.co")
            #expect(reply.body["message_id"]?.stringValue?.count == 24)
            let stored = try await hub.message(reply.body["message_id"]!.stringValue!)
            #expect(stored["origin"] == "store")
        }
    }

    @Test(arguments: TestBackend.all) func unknownStoreAndWrongTokenGetTheSame401(backend: TestBackend) async throws {
        try await TestHub.run(backend: backend) { hub in
            let body: JSONValue = ["message": "order:new", "payload": ["order": ["number": "R1"]]]
            let wrongToken = try await call(.POST, "\(hub.url)/events", json: body, headers: ["X-Hub-Store": "acme", "X-Hub-Access-Token": "nope"])
            let unknownStore = try await call(
                .POST,
                "\(hub.url)/events",
                json: body,
                headers: ["X-Hub-Store": "ghost", "X-Hub-Access-Token": TestHub.storeToken]
            )
            let none = try await call(.POST, "\(hub.url)/events", json: body)
            #expect(wrongToken.status == 401)
            #expect(unknownStore.status == 401)
            #expect(wrongToken.body == unknownStore.body)
            #expect(none.status == 401)
            #expect(none.body["error"]?.stringValue?.contains("X-Hub-Store") == true)
            #expect(try await storedCount(hub) == 0)
        }
    }

    @Test(arguments: TestBackend.all) func aBodyThatIsNotJSONGets400(backend: TestBackend) async throws {
        try await TestHub.run(backend: backend) { hub in
            for raw in ["{not json", "", "[1,", "\"unterminated"] {
                let reply = try await call(.POST, "\(hub.url)/events", raw: Array(raw.utf8), headers: hub.pusher)
                #expect(reply.status == 400, "\(raw)")
                #expect(reply.body["error"]?.stringValue?.isEmpty == false)
            }
            #expect(try await storedCount(hub) == 0)
        }
    }

    @Test(arguments: TestBackend.all) func aDocumentNestedTooDeepGets400(backend: TestBackend) async throws {
        try await TestHub.run(backend: backend) { hub in
            let deep = #"{"message":"x:y","payload":{"a":"# + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "}}"
            let reply = try await call(.POST, "\(hub.url)/events", raw: Array(deep.utf8), headers: hub.pusher)
            #expect(reply.status == 400)
            #expect(reply.body["error"]?.stringValue?.contains("deeper than 64") == true)
            #expect(try await storedCount(hub) == 0)
        }
    }

    @Test(arguments: TestBackend.all) func aBodyOverTheLimitGets413(backend: TestBackend) async throws {
        try await TestHub.run(backend: backend) {
            $0.maxBodySize = 10_000
        } body: { hub in
            let big: JSONValue = [
                "message": "order:new", "payload": ["order": ["number": "R1", "note": .string(String(repeating: "x", count: 20_000))]],
            ]
            let reply = try await hub.push(big)
            #expect(reply.status == 413)
            #expect(reply.body["error"]?.stringValue?.contains("10000 bytes") == true)
            #expect(try await storedCount(hub) == 0)
        }
    }

    @Test(arguments: TestBackend.all) func invalidDocumentsGet422NamingEveryProblemAndStoreNothing(backend: TestBackend) async throws {
        try await TestHub.run(backend: backend) { hub in
            let cases: [(JSONValue, [String])] = [
                (["payload": ["order": ["number": "R1"]]], ["message"]),
                (["message": 5, "payload": [:]], ["message"]),
                (["message": "has spaces", "payload": [:]], ["message"]),
                (["message": "order:new", "payload": "text"], ["payload"]),
                (["message": "order:new", "payload": [:]], ["payload.order"]),
                (
                    ["message": "order:new", "payload": ["order": ["line_items": [["sku": 5, "quantity": "many"]]]]],
                    ["payload.order.number", "payload.order.line_items.0.quantity"]
                ),
                (["message": "shipment:ready", "payload": ["shipment": ["number": ""]]], ["payload.shipment.number"]),
                (["message": "product:new", "payload": ["product": ["name": "x"]]], ["payload.product"]),
                (["message": "user:updated", "payload": ["user": ["email": "nope"]]], ["payload.user.email"]),
                ("just a string", [""]),
            ]
            for (body, paths) in cases {
                let reply = try await hub.push(body)
                #expect(reply.status == 422, "\(body)")
                #expect(reply.body["error"]?.stringValue?.isEmpty == false)
                let reported = Set(reply.body["errors"]?.arrayValue?.compactMap { $0["path"]?.stringValue } ?? [])
                #expect(reported == Set(paths), "\(body): \(reply.body)")
            }
            // One bad message in a batch refuses the whole batch, naming its index.
            let batch = try await hub.push([
                ["message": "order:new", "payload": ["order": ["number": "R1"]]],
                ["message": "order:new", "payload": ["order": [:]]],
            ])
            #expect(batch.status == 422)
            #expect(batch.body["errors"]?[0]?["path"] == "1.payload.order.number")
            #expect(try await storedCount(hub) == 0)
        }
    }

    @Test(arguments: TestBackend.all) func aStoreOverItsRateGets429WithRetryAfter(backend: TestBackend) async throws {
        try await TestHub.run(backend: backend) {
            $0.rateLimit = 1
        } body: { hub in
            let body: JSONValue = ["message": "order:new", "payload": ["order": ["number": "R1"]]]
            var statuses: [Int] = []
            for _ in 0..<2 { statuses.append(try await hub.push(body).status) }
            #expect(statuses == [202, 429])
            let refused = try await hub.push(body)
            #expect(refused.status == 429)
            #expect(Int(refused.headers["retry-after"] ?? "") ?? 0 >= 1)
            #expect(refused.body["error"]?.stringValue?.contains("limit") == true)
            hub.clock.advance(2)
            #expect(try await hub.push(body).status == 202)
            #expect(try await storedCount(hub) == 2)
        }
    }

    @Test(arguments: TestBackend.all) func anIdempotencyKeyReturnsTheFirstReplyAndStoresNothingNew(backend: TestBackend) async throws {
        try await TestHub.run(backend: backend) { hub in
            let body: JSONValue = ["message": "order:new", "payload": ["order": ["number": "R1"]]]
            let first = try await hub.push(body, headers: ["Idempotency-Key": "k-1"])
            let second = try await hub.push(body, headers: ["Idempotency-Key": "k-1"])
            #expect(first.status == 202)
            #expect(second.status == 202)
            #expect(second.body == first.body)
            #expect(second.headers["idempotent-replayed"] == "true")
            let inPayload: JSONValue = ["message": "order:new", "payload": ["order": ["number": "R2"], "idempotency_key": "k-2"]]
            let third = try await hub.push(inPayload)
            let fourth = try await hub.push(inPayload)
            #expect(third.body == fourth.body)
            #expect(try await storedCount(hub) == 2)
        }
    }
}
