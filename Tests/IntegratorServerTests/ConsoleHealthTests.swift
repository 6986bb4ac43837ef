import Foundation
import IntegratorModel
import IntegratorTestSupport
import NIOHTTP1
import Testing

/// The dashboard's endpoint health: each mapping's breaker, last success and recent failures,
/// Pause and Resume as forms, and the retention in force.
@Suite struct ConsoleHealthTests {
    @Test func theDashboardShowsEachMappingsHealthAndPausesAndResumesIt() async throws {
        let receiver = Receiver { request, _ -> (Int, JSONValue) in request.path == "/down" ? (500, [:]) : (200, [:]) }
        try await receiver.run { endpoint in
            try await TestHub.run { hub in
                try await hub.addMapping(["name": "good-shop", "messages": ["order:new"], "url": .string("\(endpoint)/up")])
                try await hub.addMapping([
                    "name": "down", "messages": ["order:new"], "url": .string("\(endpoint)/down"),
                    "options": ["breaker_threshold": 1, "retries_allowed": false],
                ])
                _ = try await hub.push(["message": "order:new", "payload": ["order": ["number": "R1"]]])
                #expect(try await eventually { receiver.received.count == 2 })
                #expect(
                    try await eventually {
                        let health = try await call(.GET, "\(hub.url)/api/stores/acme/health", headers: hub.admin).body
                        return health["mappings"]?.arrayValue?.first { $0["mapping"] == "down" }?["breaker"] == "open"
                    }
                )
                let visitor = ConsoleTests.Visitor(base: hub.url)
                defer { Task { await visitor.shutdown() } }
                _ = try await visitor.go(.POST, "/console/sign-in", form: ["token": TestHub.adminToken, "next": "/console"])
                let dashboard = try await visitor.go(.GET, "/console/stores/acme")
                #expect(dashboard.status == 200)
                #expect(dashboard.html.contains(#"id="health""#))
                #expect(dashboard.html.contains(#"<tr data-mapping="down">"#))
                #expect(dashboard.html.contains(#"class="badge breaker-open">open</span>"#))
                #expect(dashboard.html.contains(#"class="badge breaker-closed">closed</span>"#))
                #expect(dashboard.html.contains("Finished history is kept for 30d (the hub&#39;s setting") || dashboard.html.contains("kept for 30d"))
                #expect(dashboard.html.contains("/console/stores/acme/mappings/good-shop/pause"))

                // A form without the session's token is refused; with it, the mapping pauses.
                let forged = try await visitor.go(.POST, "/console/stores/acme/mappings/good-shop/pause", form: ["csrf": "nope"])
                #expect(forged.status == 403)
                let paused = try await visitor.go(.POST, "/console/stores/acme/mappings/good-shop/pause")
                #expect(paused.status == 303)
                #expect(try await call(.GET, "\(hub.url)/api/stores/acme/mappings/good-shop", headers: hub.admin).body["paused"] == true)
                let after = try await visitor.go(.GET, paused.location ?? "/console/stores/acme")
                #expect(after.html.contains("good-shop paused"))
                #expect(after.html.contains("/console/stores/acme/mappings/good-shop/resume"))
                let resumed = try await visitor.go(.POST, "/console/stores/acme/mappings/good-shop/resume")
                #expect(resumed.status == 303)
                #expect(try await call(.GET, "\(hub.url)/api/stores/acme/mappings/good-shop", headers: hub.admin).body["paused"] == false)
                #expect(try await visitor.go(.POST, "/console/stores/acme/mappings/nothing/pause").status == 404)
            }
        }
    }
}
