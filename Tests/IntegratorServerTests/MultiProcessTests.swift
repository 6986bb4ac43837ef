import Foundation
import IntegratorModel
import IntegratorTestSupport
import NIOHTTP1
import Testing

/// Several `integrator serve` processes on one PostgreSQL database: one is killed with SIGKILL
/// and another restarted while clients push; nothing acknowledged is lost, duplicates stay
/// within the leases the killed process held, and no scheduler tick fires twice.
@Suite(.serialized) struct MultiProcessTests {
    static let adminToken = "multi-admin-token-0123456789"
    static let storeToken = "multi-store-token-0123456789"
    static let concurrency = 16

    @Test(.enabled(if: TestBackend.postgresURL != nil, "needs INTEGRATOR_TEST_POSTGRES"))
    func threeProcessesShareOneDatabaseThroughAKillAndARestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("integrator-multi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (database, removeDatabase) = try await TestBackend.postgres.freshDatabase(in: directory)
        defer { Task { await removeDatabase() } }
        let receiver = Receiver()
        try await receiver.run { endpoint in
            let config = """
                stores:
                  - id: acme
                    token: \(Self.storeToken)
                    mappings:
                      - {name: sink, messages: ["order:new"], url: "\(endpoint)/sink", timeout: 20}
                      - {name: ticks, messages: ["hub:tick"], url: "\(endpoint)/ticks", timeout: 2}
                    schedulers:
                      - {id: tick, message: "hub:tick", interval: 1}
                """
            let configURL = directory.appendingPathComponent("config.yaml")
            try config.write(to: configURL, atomically: true, encoding: .utf8)
            // The sink's 20 s timeout and a lease that outlives an attempt by 20 s more keep a
            // loaded machine's slow answer from counting as a failure to retry (which would
            // deliver twice) and a live process's slow record from being taken by another: only
            // the killed process's leases may come out twice. (CI runs this beside the whole
            // suite; at 10 s and 10 s it once saw 35 duplicates there.)
            let environment = [
                "INTEGRATOR_LEASE_MARGIN": "20", "INTEGRATOR_SCHEDULER_TICK": "0.1",
                "INTEGRATOR_DELIVERY_CONCURRENCY": String(Self.concurrency), "LOG_LEVEL": "warning",
            ]
            func start(_ name: String) async throws -> (ChildProcess, String) {
                let child = try ChildProcess(
                    arguments: ["serve", "--port", "0", "--database", database, "--admin-token", Self.adminToken, "--config", configURL.path],
                    logURL: directory.appendingPathComponent("\(name).log"),
                    environment: environment
                )
                return (child, "http://127.0.0.1:\(try await child.port())")
            }
            var initial: [(ChildProcess, String)] = []
            for name in ["a", "b", "c"] { initial.append(try await start(name)) }
            let children = Locked(initial.map(\.0))
            let bases = Locked(initial.map(\.1))
            let acknowledged = Locked<Set<String>>([])
            let stop = Locked(false)
            let headers = ["X-Hub-Store": "acme", "X-Hub-Access-Token": Self.storeToken]
            let started = Date()

            await withTaskGroup(of: Void.self) { group in
                for client in 0..<24 {
                    group.addTask {
                        var n = 0
                        while !stop.value {
                            n += 1
                            let targets = bases.value
                            let base = targets[(client + n) % targets.count]
                            let body: JSONValue = ["message": "order:new", "payload": ["order": ["number": .string("R\(client)-\(n)")]]]
                            guard let reply = try? await call(.POST, "\(base)/events", json: body, headers: headers) else { continue }
                            if reply.status == 202, let id = reply.body["message_id"]?.stringValue { acknowledged.update { _ = $0.insert(id) } }
                        }
                    }
                }
                group.addTask {
                    // Driven by counts, not time: kill at 600 acknowledged pushes, restart at 1,200,
                    // stop at 2,000 (or after two minutes, whichever comes first).
                    func wait(for count: Int) async {
                        let deadline = ContinuousClock.now + .seconds(120)
                        while acknowledged.value.count < count, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
                    }
                    await wait(for: 600)
                    await children.value[0].kill9AndWait()
                    bases.update { $0.remove(at: 0) }
                    await wait(for: 1200)
                    await children.value[1].terminateAndWait()
                    bases.update { $0.remove(at: 0) }
                    if let (child, base) = try? await start("b2") {
                        children.update { $0[1] = child }
                        bases.update { $0.append(base) }
                    }
                    await wait(for: 2000)
                    stop.update { $0 = true }
                }
            }
            defer { for child in children.value { child.terminate() } }

            let ids = acknowledged.value
            print("multi-process test: \(ids.count) acknowledged pushes across 3 processes, one killed, one restarted")
            #expect(ids.count >= 2000, "the clients stopped early: \(ids.count) pushes acknowledged")
            let delivered = try await eventually(90) {
                ids.isSubset(of: Set(receiver.received(path: "/sink").compactMap { $0.body["message_id"]?.stringValue }))
            }
            let sink = receiver.received(path: "/sink").compactMap { $0.body["message_id"]?.stringValue }
            #expect(delivered, "\(ids.subtracting(sink).count) of \(ids.count) acknowledged pushes were never delivered")
            let duplicates = sink.count - Set(sink).count
            print("multi-process test: \(duplicates) duplicate deliveries")
            // When the bound is broken, say how: each duplicate's deliveries and attempts.
            var explained: [String] = []
            if duplicates > Self.concurrency {
                var seen = Set<String>()
                for id in sink where !seen.insert(id).inserted && explained.count < 5 {
                    let detail = try? await call(
                        .GET,
                        "\(bases.value[0])/api/stores/acme/messages/\(id)",
                        headers: ["Authorization": "Bearer \(Self.adminToken)"]
                    )
                    explained.append("\(id): \(detail?.body ?? .null)")
                }
            }
            #expect(
                duplicates <= Self.concurrency,
                "\(duplicates) duplicate deliveries, more than the \(Self.concurrency) leases the killed process could hold: \(explained)"
            )

            // Ticks: one per interval across all processes, never two for one tick.
            let ticks = receiver.received(path: "/ticks").compactMap { $0.body["message_id"]?.stringValue }
            #expect(Set(ticks).count == ticks.count || ticks.count - Set(ticks).count <= Self.concurrency)
            let base = bases.value[0]
            let tickMessages = try await call(
                .GET,
                "\(base)/api/stores/acme/messages?message=hub:tick&per_page=100",
                headers: ["Authorization": "Bearer \(Self.adminToken)"]
            )
            let times = (tickMessages.body["messages"]?.arrayValue ?? []).compactMap { $0["created_at"]?.stringValue }.sorted()
            let elapsed = Date().timeIntervalSince(started)
            #expect(times.count >= 3)
            #expect(Double(times.count) <= elapsed + 2, "\(times.count) ticks in \(elapsed) s of a 1 s scheduler")
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let dates = times.compactMap { formatter.date(from: $0) }
            for (earlier, later) in zip(dates, dates.dropFirst()) {
                #expect(later.timeIntervalSince(earlier) >= 0.9, "two ticks fired \(later.timeIntervalSince(earlier)) s apart")
            }
        }
    }
}
