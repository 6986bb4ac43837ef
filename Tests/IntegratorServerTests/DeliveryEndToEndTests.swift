import Foundation
import IntegratorModel
import IntegratorServer
import IntegratorTestSupport
import NIOHTTP1
import Testing

/// The hub on a real port, endpoints as real HTTP servers: what a shop sees.
@Suite(.serialized) struct DeliveryEndToEndTests {
    @Test(arguments: TestBackend.all) func aPushReachesEveryMatchingMappingWithTheOriginalRequestForm(backend: TestBackend) async throws {
        let receiver = Receiver()
        try await receiver.run { endpoint in
            try await TestHub.run(backend: backend) { hub in
                try await call(.PUT, "\(hub.url)/api/stores/acme/parameters/spree.api_url", json: ["value": "http://store/api/"], headers: hub.admin)
                try await call(.PUT, "\(hub.url)/api/stores/acme/parameters/other.key", json: ["value": "no"], headers: hub.admin)
                try await hub.addMapping([
                    "name": "a", "messages": ["order:new"], "url": .string("\(endpoint)/a"), "token": "tok-a", "parameters": ["spree.*"],
                ])
                try await hub.addMapping([
                    "name": "b", "messages": ["order:new"], "url": .string("\(endpoint)/b"), "token": "tok-b",
                    "filters": [["path": "payload.order.channel", "operator": "eq", "value": "spree"]],
                ])
                try await hub.addMapping([
                    "name": "c", "messages": ["order:new"], "url": .string("\(endpoint)/c"),
                    "filters": [["path": "payload.order.channel", "operator": "eq", "value": "amazon"]],
                ])
                let reply = try await hub.push(["message": "order:new", "payload": ["order": ["number": "R1", "channel": "spree"]]])
                #expect(reply.status == 202)
                let id = try #require(reply.body["message_id"]?.stringValue)
                #expect(reply.body["event_id"]?.stringValue == id)
                #expect(reply.body["result"] == "accepted")
                #expect(try await eventually { receiver.received.count == 2 })
                let a = try #require(receiver.received(path: "/a").first)
                #expect(a.headers["x-augury-token"] == "tok-a")
                #expect(a.headers["content-type"] == "application/json")
                #expect(a.body["message"] == "order:new")
                #expect(a.body["message_id"]?.stringValue == id)
                #expect(a.body["payload"]?["order"]?["number"] == "R1")
                #expect(
                    a.body["payload"]?["parameters"] == [
                        ["name": "store_id", "value": "acme"], ["name": "spree.api_url", "value": "http://store/api/"],
                    ]
                )
                #expect(a.body["store_id"] == "acme")
                #expect(receiver.received(path: "/b").first?.headers["x-augury-token"] == "tok-b")
                #expect(receiver.received(path: "/c").isEmpty)
                #expect(try await eventually { try await hub.message(id)["state"] == "completed" })
            }
        }
    }

    @Test(arguments: TestBackend.all) func aMessageNoMappingTakesIsArchivedAsSkippedWithTheReason(backend: TestBackend) async throws {
        try await TestHub.run(backend: backend) { hub in
            try await hub.addMapping([
                "name": "amazon", "messages": ["order:new"], "url": "http://127.0.0.1:9/x",
                "filters": [["path": "payload.order.channel", "operator": "eq", "value": "amazon"]],
            ])
            let reply = try await hub.push(["message": "order:new", "payload": ["order": ["number": "R2", "channel": "spree"]]])
            let message = try await hub.message(reply.body["message_id"]!.stringValue!)
            #expect(message["state"] == "skipped")
            #expect(message["note"]?.stringValue?.contains("'amazon' filtered it out") == true)
            let skipped = try await hub.messages("state=skipped")
            #expect(skipped["count"] == 1)
        }
    }

    @Test(arguments: TestBackend.all) func identifiersKeepAMessageFromReachingAMappingTwiceAndFindMessages(backend: TestBackend) async throws {
        let receiver = Receiver()
        try await receiver.run { endpoint in
            try await TestHub.run(backend: backend) { hub in
                try await hub.addMapping([
                    "name": "ship", "messages": ["shipment:ready"], "url": .string("\(endpoint)/ship"),
                    "identifiers": ["shipment_number": "payload.shipment.number"],
                ])
                let first = try await hub.push(["message": "shipment:ready", "payload": ["shipment": ["number": "H1"]]])
                let second = try await hub.push(["message": "shipment:ready", "payload": ["shipment": ["number": "H1"]]])
                let other = try await hub.push(["message": "shipment:ready", "payload": ["shipment": ["number": "H2"]]])
                #expect(try await eventually { receiver.received.count == 2 })
                try await Task.sleep(for: .milliseconds(200))
                #expect(receiver.received.count == 2)
                let duplicate = try await hub.message(second.body["message_id"]!.stringValue!)
                #expect(duplicate["state"] == "skipped")
                #expect(duplicate["note"]?.stringValue?.contains(first.body["message_id"]!.stringValue!) == true)
                let found = try await hub.messages("identifier=shipment_number:H2")
                #expect(found["messages"]?.arrayValue?.compactMap { $0["message_id"] } == [other.body["message_id"]!])
            }
        }
    }

    @Test(arguments: TestBackend.all) func aFailedAttemptIsRetriedThenSucceeds(backend: TestBackend) async throws {
        let receiver = Receiver { request, count -> (Int, JSONValue) in
            count == 0 ? (500, ["error": "database down"]) : (200, ["message_id": request.body["message_id"]!])
        }
        try await receiver.run { endpoint in
            try await TestHub.run(backend: backend) { hub in
                try await hub.addMapping([
                    "name": "flaky", "messages": ["order:new"], "url": .string("\(endpoint)/flaky"),
                    "options": ["retry_schedule": [60]],
                ])
                let id = try #require(
                    try await hub.push(["message": "order:new", "payload": ["order": ["number": "R3"]]]).body["message_id"]?.stringValue
                )
                #expect(try await eventually { try await hub.message(id)["state"] == "failing" })
                let failing = try await hub.message(id)
                let delivery = try #require(failing["deliveries"]?.arrayValue?.first)
                #expect(delivery["last_status"] == 500)
                #expect(delivery["last_error"]?.stringValue?.contains("database down") == true)
                // The next attempt is a minute away: move the clock instead of waiting.
                hub.clock.advance(75)
                hub.hub.wakeWorkers()
                #expect(try await eventually { try await hub.message(id)["state"] == "completed" })
                let done = try await hub.message(id)
                let log = try #require(done["deliveries"]?[0]?["attempt_log"]?.arrayValue)
                #expect(log.map { $0["status"] } == [500, 200])
                #expect(receiver.received.count == 2)
            }
        }
    }

    @Test(arguments: TestBackend.all) func retriesNotAllowedParksAndAttemptNowRetries(backend: TestBackend) async throws {
        let receiver = Receiver { request, count -> (Int, JSONValue) in count == 0 ? (503, [:]) : (200, ["message_id": request.body["message_id"]!]) }
        try await receiver.run { endpoint in
            try await TestHub.run(backend: backend) { hub in
                try await hub.addMapping([
                    "name": "strict", "messages": ["order:new"], "url": .string("\(endpoint)/strict"),
                    "options": ["retries_allowed": false],
                ])
                let id = try #require(
                    try await hub.push(["message": "order:new", "payload": ["order": ["number": "R4"]]]).body["message_id"]?.stringValue
                )
                #expect(try await eventually { try await hub.message(id)["state"] == "parked" })
                #expect(try await hub.messages("state=parked")["count"] == 1)
                let queues = try await call(.GET, "\(hub.url)/api/stores/acme/queues", headers: hub.admin).body
                #expect(queues["parked"] == 1)
                let retry = try await call(.PUT, "\(hub.url)/api/stores/acme/messages/\(id)", json: ["attempt_now": true], headers: hub.admin)
                #expect(retry.body["attempt_now"] == 1)
                #expect(try await eventually { try await hub.message(id)["state"] == "completed" })
            }
        }
    }

    @Test(arguments: TestBackend.all) func aReplysMessagesNotificationsAndParametersTakeEffect(backend: TestBackend) async throws {
        let receiver = Receiver { request, _ -> (Int, JSONValue) in
            if request.path == "/poll" {
                return (
                    200,
                    [
                        "message_id": request.body["message_id"]!,
                        "messages": [["message": "order:new", "payload": ["order": ["number": "R10"]]]],
                        "notifications": [["level": "warn", "subject": "address1 was truncated", "description": "from 'x' to 'y'"]],
                        "parameters": [["name": "spree.cursor", "value": "2026-11-24T00:00:00Z"]],
                        "order": ["id": 7],
                    ]
                )
            }
            return (200, ["message_id": request.body["message_id"]!])
        }
        try await receiver.run { endpoint in
            try await TestHub.run(backend: backend) { hub in
                try await hub.addMapping(["name": "poller", "messages": ["hub:poll"], "url": .string("\(endpoint)/poll")])
                try await hub.addMapping(["name": "orders", "messages": ["order:new"], "url": .string("\(endpoint)/orders")])
                try await hub.addMapping(["name": "alerts", "messages": ["notification:warn"], "url": .string("\(endpoint)/alerts")])
                let id = try #require(
                    try await hub.push(["message": "hub:poll", "payload": ["target": "collections.orders"]]).body["message_id"]?.stringValue
                )
                #expect(try await eventually { receiver.received(path: "/orders").count == 1 && receiver.received(path: "/alerts").count == 1 })
                #expect(receiver.received(path: "/orders").first?.body["payload"]?["order"]?["number"] == "R10")
                #expect(receiver.received(path: "/alerts").first?.body["payload"]?["subject"] == "address1 was truncated")
                let parameter = try await call(.GET, "\(hub.url)/api/stores/acme/parameters/spree.cursor", headers: hub.admin)
                #expect(parameter.body["value"] == "2026-11-24T00:00:00Z")
                let detail = try await hub.message(id)
                #expect(detail["children"]?.arrayValue?.count == 2)
                #expect(detail["notifications"]?[0]?["level"] == "warn")
                #expect(detail["notifications"]?[0]?["occurrences"] == 1)
                #expect(detail["result"]?["poller"]?["order"]?["id"] == 7)
                let log = try await call(.GET, "\(hub.url)/api/stores/acme/notifications?level=warn", headers: hub.admin).body
                #expect(log["count"] == 1)
            }
        }
    }

    @Test(arguments: TestBackend.all) func aRepeatedNotificationRaisesOccurrencesAndNon200NotificationsAreKept(backend: TestBackend) async throws {
        let receiver = Receiver { request, count -> (Int, JSONValue) in
            let body: JSONValue = [
                "message_id": request.body["message_id"]!, "notifications": [["level": "error", "subject": "store down", "description": "timeout"]],
            ]
            return (count < 2 ? 500 : 200, body)
        }
        try await receiver.run { endpoint in
            try await TestHub.run(backend: backend) { hub in
                try await hub.addMapping([
                    "name": "down", "messages": ["order:new"], "url": .string("\(endpoint)/down"), "options": ["retry_schedule": [0, 0]],
                ])
                let id = try #require(
                    try await hub.push(["message": "order:new", "payload": ["order": ["number": "R5"]]]).body["message_id"]?.stringValue
                )
                #expect(try await eventually { try await hub.message(id)["state"] == "completed" })
                let detail = try await hub.message(id)
                #expect(detail["notifications"]?.arrayValue?.count == 1)
                #expect(detail["notifications"]?[0]?["occurrences"] == 3)
                // Only the first occurrence became a notification:error message.
                #expect(detail["children"]?.arrayValue?.filter { $0["message"] == "notification:error" }.count == 1)
                let found = try await call(.GET, "\(hub.url)/api/stores/acme/notifications?reference=R5", headers: hub.admin).body
                #expect(found["count"] == 1)
            }
        }
    }

    @Test(arguments: TestBackend.all) func aLoopOfReplyMessagesIsRefused(backend: TestBackend) async throws {
        let receiver = Receiver { request, _ -> (Int, JSONValue) in
            (200, ["message_id": request.body["message_id"]!, "messages": [["message": "ping", "payload": [:]]]])
        }
        try await receiver.run { endpoint in
            try await TestHub.run(backend: backend) {
                $0.maxMessageDepth = 3
            } body: { hub in
                try await hub.addMapping(["name": "echo", "messages": ["ping"], "url": .string("\(endpoint)/echo")])
                _ = try await hub.push(["message": "ping", "payload": [:]])
                #expect(try await eventually { try await hub.messages("message=ping")["count"] == 4 })
                try await Task.sleep(for: .milliseconds(300))
                #expect(try await hub.messages("message=ping")["count"] == 4)
                let errors = try await call(.GET, "\(hub.url)/api/stores/acme/notifications?level=error", headers: hub.admin).body
                #expect(errors["notifications"]?[0]?["subject"] == "messages refused: chain too deep")
            }
        }
    }

    @Test(arguments: TestBackend.all) func delayAndUpdateURLCallBackLater(backend: TestBackend) async throws {
        let receiver = Receiver { request, _ -> (Int, JSONValue) in
            request.path == "/start"
                ? (200, ["message_id": request.body["message_id"]!, "delay": 120, "update_url": "/later"])
                : (200, ["message_id": request.body["message_id"]!])
        }
        try await receiver.run { endpoint in
            try await TestHub.run(backend: backend) { hub in
                try await hub.addMapping(["name": "async", "messages": ["order:new"], "url": .string("\(endpoint)/start")])
                let id = try #require(
                    try await hub.push(["message": "order:new", "payload": ["order": ["number": "R6"]]]).body["message_id"]?.stringValue
                )
                #expect(try await eventually { try await hub.message(id)["state"] == "scheduled" })
                hub.clock.advance(130)
                hub.hub.wakeWorkers()
                #expect(try await eventually { try await hub.message(id)["state"] == "completed" })
                #expect(receiver.received(path: "/later").first?.body["message_id"]?.stringValue == id)
            }
        }
    }

    @Test(arguments: TestBackend.all) func aSchedulerFiresItsMessageAndCatchesUpOnce(backend: TestBackend) async throws {
        let receiver = Receiver()
        try await receiver.run { endpoint in
            try await TestHub.run(backend: backend) { hub in
                try await hub.addMapping(["name": "poller", "messages": ["hub:poll"], "url": .string("\(endpoint)/poll")])
                let created = try await call(
                    .POST,
                    "\(hub.url)/api/stores/acme/schedulers",
                    json: [
                        "id": "orders", "message": "hub:poll", "payload": ["target": "collections.orders"], "interval": 300,
                    ],
                    headers: hub.admin
                )
                #expect(created.status == 201)
                #expect(try await eventually { receiver.received.count == 1 })
                #expect(receiver.received.first?.body["payload"]?["target"] == "collections.orders")
                // Let the first delivery finish: moving the clock would expire its lease.
                #expect(try await eventually { try await hub.messages("state=completed")["count"] == 1 })
                // Ten intervals of downtime fire once, not ten times.
                hub.clock.advance(3000)
                #expect(try await eventually { receiver.received.count == 2 })
                try await Task.sleep(for: .milliseconds(300))
                #expect(receiver.received.count == 2)
            }
        }
    }

    @Test(arguments: TestBackend.all) func editAndResendDeliversTheNewPayload(backend: TestBackend) async throws {
        let receiver = Receiver { request, count -> (Int, JSONValue) in count == 0 ? (500, [:]) : (200, ["message_id": request.body["message_id"]!]) }
        try await receiver.run { endpoint in
            try await TestHub.run(backend: backend) { hub in
                try await hub.addMapping([
                    "name": "m", "messages": ["order:new"], "url": .string("\(endpoint)/m"), "options": ["retries_allowed": false],
                ])
                let id = try #require(
                    try await hub.push(["message": "order:new", "payload": ["order": ["number": "R7"]]]).body["message_id"]?.stringValue
                )
                #expect(try await eventually { try await hub.message(id)["state"] == "parked" })
                let bad = try await call(.PUT, "\(hub.url)/api/stores/acme/messages/\(id)", json: ["payload": ["order": [:]]], headers: hub.admin)
                #expect(bad.status == 422)
                let resent = try await call(
                    .PUT,
                    "\(hub.url)/api/stores/acme/messages/\(id)",
                    json: ["payload": ["order": ["number": "R7-fixed"]]],
                    headers: hub.admin
                )
                #expect(resent.status == 201)
                let copy = try #require(resent.body["message_id"]?.stringValue)
                #expect(try await eventually { try await hub.message(copy)["state"] == "completed" })
                #expect(try await hub.message(id)["state"] == "archived")
                #expect(receiver.received.last?.body["payload"]?["order"]?["number"] == "R7-fixed")
            }
        }
    }
}
