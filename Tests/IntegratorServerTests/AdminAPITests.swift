import Foundation
import IntegratorModel
import IntegratorServer
import IntegratorTestSupport
import NIOHTTP1
import Testing

/// The admin API: who may do what, and clear errors for bad input.
@Suite(.serialized) struct AdminAPITests {
    @Test(arguments: TestBackend.all) func credentialsAreCheckedPerStore(backend: TestBackend) async throws {
        try await TestHub.run(backend: backend) { hub in
            let other = try await call(.POST, "\(hub.url)/api/stores", json: ["id": "other", "name": "Other"], headers: hub.admin)
            #expect(other.status == 201)
            let otherToken = try #require(other.body["token"]?.stringValue)
            #expect(otherToken.count == 64)
            let own = ["X-Augury-Token": TestHub.storeToken]
            #expect(try await call(.GET, "\(hub.url)/api/stores/acme/mappings", headers: own).status == 200)
            #expect(try await call(.GET, "\(hub.url)/api/stores/other/mappings", headers: own).status == 403)
            #expect(try await call(.GET, "\(hub.url)/api/stores", headers: own).status == 403)
            #expect(try await call(.GET, "\(hub.url)/api/stores/acme/mappings", headers: ["X-Augury-Token": "wrong"]).status == 401)
            #expect(try await call(.GET, "\(hub.url)/api/stores/acme/mappings").status == 401)
            #expect(try await call(.GET, "\(hub.url)/api/stores/ghost/mappings", headers: hub.admin).status == 404)
            #expect(try await call(.GET, "\(hub.url)/api/stores/other/mappings", headers: ["X-Augury-Token": otherToken]).status == 200)
            let stores = try await call(.GET, "\(hub.url)/api/stores", headers: hub.admin).body
            #expect(stores["stores"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["acme", "other"])
            #expect(stores["stores"]?[0]?["token"] == nil)
            let duplicate = try await call(.POST, "\(hub.url)/api/stores", json: ["id": "acme"], headers: hub.admin)
            #expect(duplicate.status == 409)
            let badStore = try await call(.POST, "\(hub.url)/api/stores", json: ["id": "a b", "token": "short"], headers: hub.admin)
            #expect(badStore.status == 422)
            #expect(Set(badStore.body["errors"]?.arrayValue?.compactMap { $0["path"]?.stringValue } ?? []) == ["id", "token"])
        }
    }

    @Test(arguments: TestBackend.all) func mappingsAreValidatedAndRequiredOnesProtected(backend: TestBackend) async throws {
        try await TestHub.run(backend: backend) { hub in
            let bad = try await call(
                .POST,
                "\(hub.url)/api/stores/acme/mappings",
                json: [
                    "name": "m", "messages": ["order:new"], "url": "not a url",
                    "filters": [["path": "payload.order.number", "operator": "match", "value": "(["]],
                ],
                headers: hub.admin
            )
            #expect(bad.status == 422)
            #expect(Set(bad.body["errors"]?.arrayValue?.compactMap { $0["path"]?.stringValue } ?? []) == ["url", "filters.0.value"])
            #expect(try await call(.GET, "\(hub.url)/api/stores/acme/mappings/m", headers: hub.admin).status == 404)

            try await hub.addMapping(["name": "spree.poll", "messages": ["hub:poll"], "url": "http://127.0.0.1:9/p", "required": true])
            let disable = try await call(
                .PUT,
                "\(hub.url)/api/stores/acme/mappings/spree.poll",
                json: [
                    "messages": ["hub:poll"], "url": "http://127.0.0.1:9/p", "required": true, "enabled": false,
                ],
                headers: hub.admin
            )
            #expect(disable.status == 422)
            #expect(try await call(.DELETE, "\(hub.url)/api/stores/acme/mappings/spree.poll", headers: hub.admin).status == 422)
            let update = try await call(
                .PUT,
                "\(hub.url)/api/stores/acme/mappings/spree.poll",
                json: [
                    "messages": ["hub:poll"], "url": "http://127.0.0.1:9/q", "required": true, "timeout": 30,
                ],
                headers: hub.admin
            )
            #expect(update.status == 200)
            #expect(update.body["timeout"] == 30)
            let again = try await call(
                .POST,
                "\(hub.url)/api/stores/acme/mappings",
                json: ["name": "spree.poll", "messages": ["x"], "url": "http://h/x"],
                headers: hub.admin
            )
            #expect(again.status == 422)
        }
    }

    @Test(arguments: TestBackend.all) func parametersAndSchedulersRoundTrip(backend: TestBackend) async throws {
        try await TestHub.run(backend: backend) { hub in
            let put = try await call(
                .PUT,
                "\(hub.url)/api/stores/acme/parameters/spree.collections_poll.per_page",
                json: ["value": [["orders": 50]]],
                headers: hub.admin
            )
            #expect(put.status == 200)
            let got = try await call(.GET, "\(hub.url)/api/stores/acme/parameters/spree.collections_poll.per_page", headers: hub.admin)
            #expect(got.body["value"] == [["orders": 50]])
            #expect(try await call(.PUT, "\(hub.url)/api/stores/acme/parameters/x", json: ["nothing": 1], headers: hub.admin).status == 422)
            #expect(
                try await call(.DELETE, "\(hub.url)/api/stores/acme/parameters/spree.collections_poll.per_page", headers: hub.admin).status == 204
            )
            #expect(try await call(.GET, "\(hub.url)/api/stores/acme/parameters/spree.collections_poll.per_page", headers: hub.admin).status == 404)

            let badScheduler = try await call(
                .POST,
                "\(hub.url)/api/stores/acme/schedulers",
                json: ["id": "s", "message": "", "interval": 0],
                headers: hub.admin
            )
            #expect(badScheduler.status == 422)
            #expect(Set(badScheduler.body["errors"]?.arrayValue?.compactMap { $0["path"]?.stringValue } ?? []) == ["message", "interval"])
        }
    }

    @Test(arguments: TestBackend.all) func messageQueriesAreValidated(backend: TestBackend) async throws {
        try await TestHub.run(backend: backend) { hub in
            let reply = try await call(.GET, "\(hub.url)/api/stores/acme/messages?state=lost&page=0&since=yesterday&identifier=x", headers: hub.admin)
            #expect(reply.status == 422)
            #expect(Set(reply.body["errors"]?.arrayValue?.compactMap { $0["path"]?.stringValue } ?? []) == ["state", "page", "since", "identifier"])
            #expect(try await call(.GET, "\(hub.url)/api/stores/acme/messages/nope", headers: hub.admin).status == 404)
            let recover = try await call(.POST, "\(hub.url)/api/stores/acme/recover", json: [:], headers: hub.admin)
            #expect(recover.status == 422)
        }
    }

    @Test(arguments: TestBackend.all) func recoverRetriesEveryParkedDeliverySinceATime(backend: TestBackend) async throws {
        let receiver = Receiver { request, count -> (Int, JSONValue) in count < 3 ? (500, [:]) : (200, ["message_id": request.body["message_id"]!]) }
        try await receiver.run { endpoint in
            try await TestHub.run(backend: backend) { hub in
                try await hub.addMapping([
                    "name": "m", "messages": ["order:new"], "url": .string("\(endpoint)/m"), "options": ["retries_allowed": false],
                ])
                for number in ["R1", "R2", "R3"] {
                    _ = try await hub.push(["message": "order:new", "payload": ["order": ["number": .string(number)]]])
                }
                #expect(try await eventually { try await hub.messages("state=parked")["count"] == 3 })
                let reply = try await call(.POST, "\(hub.url)/api/stores/acme/recover", json: ["since": "2000-01-01T00:00:00Z"], headers: hub.admin)
                #expect(reply.body["recovered"] == 3)
                #expect(try await eventually { try await hub.messages("state=completed")["count"] == 3 })
            }
        }
    }

    @Test(arguments: TestBackend.all) func healthAnswers(backend: TestBackend) async throws {
        try await TestHub.run(backend: backend) { hub in
            let reply = try await call(.GET, "\(hub.url)/health")
            #expect(reply.status == 200)
            #expect(reply.body["status"] == "ok")
        }
    }
}
