import Foundation
import IntegratorModel
import IntegratorServer
import IntegratorStore
import IntegratorTestSupport
import NIOHTTP1
import Testing

/// What lets a shop leave the hub running for years: retention, the circuit breaker and its
/// alerts, pause and resume, the outbound rate limit, the shutdown grace and backups.
@Suite(.serialized) struct RunForAYearTests {
    static let alertNames: [JSONValue] = ["hub:mapping:failing", "hub:mapping:recovered", "hub:delivery:parked"]

    @Test(arguments: TestBackend.all) func aBreakerOpensHoldsProbesAndClosesWithAlertsRoutedAroundIt(backend: TestBackend) async throws {
        let healthy = Locked(false)
        let receiver = Receiver { request, _ -> (Int, JSONValue) in
            request.path == "/erp" && !healthy.value ? (500, ["error": "the ERP is down"]) : (200, [:])
        }
        try await receiver.run { endpoint in
            try await TestHub.run(backend: backend) { hub in
                // The failing mapping takes the alerts too: an alert about it must never go through it.
                try await hub.addMapping([
                    "name": "erp", "messages": .array(["order:new"] + Self.alertNames), "url": .string("\(endpoint)/erp"),
                    "options": ["breaker_threshold": 3, "breaker_cooldown": 60, "max_in_flight": 1, "retry_schedule": [0, 0, 0, 0, 0, 0, 0, 0]],
                ])
                try await hub.addMapping(["name": "pager", "messages": .array(Self.alertNames), "url": .string("\(endpoint)/pager")])
                for number in 1...4 { _ = try await hub.push(["message": "order:new", "payload": ["order": ["number": .string("R\(number)")]]]) }

                #expect(try await eventually { receiver.received(path: "/pager").count == 1 })
                let failing = try #require(receiver.received(path: "/pager").first)
                #expect(failing.body["message"] == "hub:mapping:failing")
                let payload = failing.body["payload"]
                #expect(payload?["store"] == "acme")
                #expect(payload?["mapping"] == "erp")
                #expect(payload?["message"] == "order:new")
                #expect(payload?["last_error"]?.stringValue?.contains("500") == true)
                #expect(payload?["attempts"]?.numberValue != nil)
                #expect(payload?["message_id"]?.stringValue != nil)
                // Open: the due deliveries wait and spend no attempts.
                try await Task.sleep(for: .milliseconds(400))
                #expect(receiver.received(path: "/erp").count == 3)
                let health = try await call(.GET, "\(hub.url)/api/stores/acme/health", headers: hub.admin).body
                let erp = health["mappings"]?.arrayValue?.first { $0["mapping"] == "erp" }
                #expect(erp?["breaker"] == "open")
                #expect(erp?["failures_last_hour"] == 3)
                let metrics = try await call(.GET, "\(hub.url)/metrics").body.stringValue ?? ""
                #expect(metrics.contains(#"integrator_mapping_breaker_open{store="acme",mapping="erp"} 1"#))

                // The endpoint is back; after the cool-down one probe goes, succeeds, and the rest follow.
                healthy.update { $0 = true }
                hub.clock.advance(61)
                hub.hub.wakeWorkers()
                #expect(try await eventually { try await hub.messages("message=order:new&state=completed")["count"] == 4 })
                #expect(try await eventually { receiver.received(path: "/pager").count == 2 })
                #expect(receiver.received(path: "/pager").last?.body["message"] == "hub:mapping:recovered")
                #expect(receiver.received(path: "/erp").allSatisfy { $0.body["message"] == "order:new" })
                let after = try await call(.GET, "\(hub.url)/metrics").body.stringValue ?? ""
                #expect(after.contains(#"integrator_mapping_breaker_open{store="acme",mapping="erp"} 0"#))
                let alerts = try await hub.messages("message=hub:mapping:failing")
                #expect(alerts["messages"]?[0]?["origin"] == "hub")
            }
        }
    }

    @Test(arguments: TestBackend.all) func aParkedDeliveryAlertsAndAnAlertThatFailsAlertsNoFurther(backend: TestBackend) async throws {
        let receiver = Receiver { _, _ -> (Int, JSONValue) in (500, ["error": "no"]) }
        try await receiver.run { endpoint in
            try await TestHub.run(backend: backend) { hub in
                try await hub.addMapping([
                    "name": "strict", "messages": ["order:new"], "url": .string("\(endpoint)/strict"), "options": ["retries_allowed": false],
                ])
                try await hub.addMapping([
                    "name": "pager", "messages": .array(Self.alertNames), "url": .string("\(endpoint)/pager"), "options": ["retries_allowed": false],
                ])
                let id = try #require(
                    try await hub.push(["message": "order:new", "payload": ["order": ["number": "R9"]]]).body["message_id"]?.stringValue
                )
                #expect(try await eventually { receiver.received(path: "/pager").count == 1 })
                let alert = try #require(receiver.received(path: "/pager").first)
                #expect(alert.body["message"] == "hub:delivery:parked")
                #expect(alert.body["payload"]?["message_id"]?.stringValue == id)
                #expect(alert.body["payload"]?["mapping"] == "strict")
                #expect(alert.body["payload"]?["attempts"] == 1)
                // The pager parks the alert too, and that makes no alert of its own.
                #expect(try await eventually { try await hub.messages("message=hub:delivery:parked&state=parked")["count"] == 1 })
                try await Task.sleep(for: .milliseconds(300))
                #expect(try await hub.messages("message=hub:delivery:parked")["count"] == 1)
                #expect(receiver.received(path: "/pager").count == 1)
            }
        }
    }

    @Test func pauseHoldsDeliveriesAndResumeSendsThemInOrderFromTheCLI() async throws {
        let receiver = Receiver()
        try await receiver.run { endpoint in
            try await TestHub.run { hub in
                try await hub.addMapping([
                    "name": "erp", "messages": ["order:new"], "url": .string("\(endpoint)/erp"), "identifiers": ["number": "payload.order.number"],
                    "options": ["max_in_flight": 1],
                ])
                let cli = ["--url", hub.url, "--admin-token", TestHub.adminToken]
                let paused = try await CLITests.run(["mappings", "pause", "--store", "acme", "erp"] + cli, url: hub.url)
                #expect(paused.status == 0, "\(paused.err)")
                #expect(try await call(.GET, "\(hub.url)/api/stores/acme/mappings/erp", headers: hub.admin).body["paused"] == true)
                // Applying a file that says nothing of the pause, from the CLI or at start, keeps it.
                let document = """
                    {"stores": [{"id": "acme", "name": "Acme", "mappings": [{"name": "erp", "messages": ["order:new"], "url": "\(endpoint)/erp",
                      "identifiers": {"number": "payload.order.number"}, "options": {"max_in_flight": 1}}]}]}
                    """
                let applied = try await CLITests.run(["apply", "-f", "-"] + cli, input: document, url: hub.url)
                #expect(applied.status == 0, "\(applied.err)")
                _ = try await hub.hub.apply(try JSONValue.parse(document))
                #expect(try await call(.GET, "\(hub.url)/api/stores/acme/mappings/erp", headers: hub.admin).body["paused"] == true)
                var ids: [String] = []
                for (number, total) in [("R1", 10), ("R2", 20), ("R1", 30), ("R3", 40)] {
                    let reply = try await hub.push([
                        "message": "order:new", "payload": ["order": ["number": .string(number), "total": .int(Int64(total))]],
                    ])
                    ids.append(try #require(reply.body["message_id"]?.stringValue))
                }
                try await Task.sleep(for: .milliseconds(300))
                #expect(receiver.received.isEmpty)
                let queues = try await call(.GET, "\(hub.url)/api/stores/acme/queues", headers: hub.admin).body
                #expect(queues["paused"] == 4)
                let health = try await CLITests.run(["mappings", "list", "--store", "acme"] + cli, url: hub.url)
                #expect(health.out.contains("erp") && health.out.contains("yes"))

                let resumed = try await CLITests.run(["mappings", "resume", "--store", "acme", "erp"] + cli, url: hub.url)
                #expect(resumed.status == 0, "\(resumed.err)")
                #expect(try await eventually { receiver.received.count == 4 })
                #expect(receiver.received.map { $0.body["message_id"]?.stringValue ?? "" } == ids)
                // Disabled is different: nothing is routed at all.
                let unknown = try await CLITests.run(["mappings", "pause", "--store", "acme", "nope"] + cli, url: hub.url)
                #expect(unknown.status != 0)
                #expect(unknown.err.contains("nope"))
            }
        }
    }

    @Test func theRateLimitHoldsOverADrain() async throws {
        let receiver = Receiver()
        try await receiver.run { endpoint in
            try await TestHub.run { hub in
                try await hub.addMapping([
                    "name": "small-shop", "messages": ["order:new"], "url": .string("\(endpoint)/shop"), "paused": true,
                    "options": ["rate_limit": 5],
                ])
                for number in 1...15 { _ = try await hub.push(["message": "order:new", "payload": ["order": ["number": .string("R\(number)")]]]) }
                let started = ContinuousClock.now
                #expect(try await call(.POST, "\(hub.url)/api/stores/acme/mappings/small-shop/resume", headers: hub.admin).status == 200)
                #expect(try await eventually(20) { receiver.received.count == 15 })
                let elapsed = (ContinuousClock.now - started) / .seconds(1)
                // 15 at 5 per second: the third five cannot start before two seconds have passed.
                #expect(elapsed >= 1.9)
                // The receiver has the last request before the hub records its answer.
                #expect(try await eventually { try await hub.messages("state=completed")["count"] == 15 })
            }
        }
    }

    @Test(arguments: TestBackend.all) func retentionRemovesOldFinishedMessagesAndTheAPIShowsIt(backend: TestBackend) async throws {
        let receiver = Receiver()
        try await receiver.run { endpoint in
            try await TestHub.run(backend: backend) {
                $0.retention = try! RetentionPeriod.parse("7d").get()
            } body: { hub in
                let shown = try await call(.GET, "\(hub.url)/api/stores/acme", headers: hub.admin).body
                #expect(shown["retention"] == "7d")
                #expect(shown["retention_source"] == "hub")
                try await hub.addMapping(["name": "erp", "messages": ["order:new"], "url": .string("\(endpoint)/erp")])
                let done = try #require(
                    try await hub.push(["message": "order:new", "payload": ["order": ["number": "R1"]]]).body["message_id"]?.stringValue
                )
                let skipped = try #require(
                    try await hub.push(["message": "nobody:wants", "payload": ["order": ["number": "R2"]]]).body["message_id"]?.stringValue
                )
                #expect(try await eventually { try await hub.message(done)["state"] == "completed" })
                hub.clock.advance(8 * 86_400)
                let pass = try await hub.hub.applyRetention()
                #expect(pass.removed == 2)
                #expect(try await call(.GET, "\(hub.url)/api/stores/acme/messages/\(skipped)", headers: hub.admin).status == 404)
                // A store's own 0 keeps everything whatever the hub says.
                let kept = try #require(
                    try await hub.push(["message": "order:new", "payload": ["order": ["number": "R1"]]]).body["message_id"]?.stringValue
                )
                let update = try await call(.PUT, "\(hub.url)/api/stores/acme", json: ["retention": "0"], headers: hub.admin)
                #expect(update.status == 200)
                #expect(update.body["retention"] == "0")
                #expect(update.body["retention_source"] == "store")
                #expect(try await eventually { try await hub.message(kept)["state"] == "completed" })
                hub.clock.advance(30 * 86_400)
                #expect(try await hub.hub.applyRetention().removed == 0)
                #expect(try await hub.message(kept)["state"] == "completed")
                let bad = try await call(.PUT, "\(hub.url)/api/stores/acme", json: ["retention": "forever"], headers: hub.admin)
                #expect(bad.status == 422)
                #expect(bad.body["errors"]?[0]?["path"] == "retention")
            }
        }
    }
}
