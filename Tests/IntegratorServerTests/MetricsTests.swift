import Foundation
import IntegratorModel
import IntegratorTestSupport
import NIOHTTP1
import Testing

/// `/metrics` in Prometheus text: ingest, queue depth per state, delivery latency, failures per mapping.
@Suite struct MetricsTests {
    @Test func metricsCountIngestQueueDepthLatencyAndFailuresPerMapping() async throws {
        let receiver = Receiver { request, count in count == 0 ? (500, [:]) : (200, ["message_id": request.body["message_id"] ?? nil]) }
        try await receiver.run { endpoint in
            try await TestHub.run { hub in
                let mapping: JSONValue = [
                    "name": "erp", "messages": ["order:new"], "url": .string("\(endpoint)/orders"), "options": ["retry_schedule": [0.05]],
                ]
                #expect(try await call(.POST, "\(hub.url)/api/stores/acme/mappings", json: mapping, headers: hub.admin).status == 201)
                for number in ["R1", "R2", "R3"] {
                    let pushed = try await call(
                        .POST,
                        "\(hub.url)/events",
                        json: SampleMessages.message("order:new", number: number)!,
                        headers: hub.pusher
                    )
                    #expect(pushed.status == 202)
                }
                #expect(
                    try await eventually(20) {
                        let queues = try await call(.GET, "\(hub.url)/api/stores/acme/queues", headers: hub.admin).body
                        return queues["completed"] == 3
                    }
                )
                let reply = try await call(.GET, "\(hub.url)/metrics")
                #expect(reply.status == 200)
                #expect(reply.headers["content-type"]?.hasPrefix("text/plain") == true)
                let text = reply.body.stringValue ?? ""
                func value(_ series: String) -> Double? {
                    text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
                }
                #expect(value("integrator_messages_ingested_total") == 3)
                #expect(value(#"integrator_queue_depth{state="completed"}"#) == 3)
                #expect(value(#"integrator_queue_depth{state="failing"}"#) == 0)
                #expect(value(#"integrator_delivery_failures_total{store="acme",mapping="erp"}"#) == 1)
                #expect(value("integrator_deliveries_succeeded_total") == 3)
                #expect(value("integrator_delivery_latency_seconds_count") == 4)
                #expect(text.contains(#"integrator_delivery_latency_seconds_bucket{le="0.005"}"#))
                #expect(text.contains("# TYPE integrator_delivery_latency_seconds histogram"))
            }
        }
    }
}

/// Every log line about a message names it, so an operator can grep one message's story.
@Suite struct LogTests {
    @Test func everyLogLineAboutAMessageCarriesItsMessageID() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("integrator-logs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let token = "log-test-admin-token-0123456789"
        let logURL = directory.appendingPathComponent("hub.log")
        try await Receiver().run { endpoint in
            let hub = try ChildProcess(
                arguments: [
                    "serve", "--port", "0", "--database", "sqlite:" + directory.appendingPathComponent("hub.sqlite").path, "--admin-token", token,
                ],
                logURL: logURL,
                environment: ["LOG_LEVEL": "info"]
            )
            defer { hub.terminate() }
            let base = "http://127.0.0.1:\(try await hub.port())"
            let admin = ["Authorization": "Bearer \(token)"]
            #expect(try await call(.POST, "\(base)/api/stores", json: ["id": "acme", "name": "Acme"], headers: admin).status == 201)
            let mapping: JSONValue = ["name": "erp", "messages": ["order:new"], "url": .string("\(endpoint)/orders")]
            #expect(try await call(.POST, "\(base)/api/stores/acme/mappings", json: mapping, headers: admin).status == 201)
            let pushed = try await call(.POST, "\(base)/api/stores/acme/messages", json: SampleMessages.message("order:new")!, headers: admin)
            let id = try #require(pushed.body["message_id"]?.stringValue)
            #expect(
                try await eventually { try await call(.GET, "\(base)/api/stores/acme/messages/\(id)", headers: admin).body["state"] == "completed" }
            )
            #expect(try await call(.PUT, "\(base)/api/stores/acme/messages/\(id)", json: ["archive": true], headers: admin).status == 200)
            let lines = try String(contentsOf: logURL, encoding: .utf8).split(separator: "\n")
            let aboutIt = lines.filter { $0.contains(" accepted") || $0.contains(" attempt") || $0.contains(" archived") }
            #expect(aboutIt.count >= 3, "log: \(lines)")
            for line in aboutIt { #expect(line.contains("message_id=\(id)"), "no message_id in: \(line)") }
        }
    }
}
