import Foundation
import IntegratorModel
import IntegratorStore
import IntegratorTestSupport
import NIOHTTP1
import Testing

/// `integrator serve` stopped and copied as an operator does it: SIGTERM with an attempt
/// hanging, and `integrator backup` while pushes arrive.
@Suite(.serialized) struct ShutdownAndBackupTests {
    static let adminToken = "ops-admin-token-0123456789"
    static let storeToken = "ops-store-token-0123456789"
    var admin: [String: String] { ["Authorization": "Bearer \(Self.adminToken)"] }
    var pusher: [String: String] { ["X-Hub-Store": "acme", "X-Hub-Access-Token": Self.storeToken] }

    func serve(_ database: String, in directory: URL, _ extra: [String] = []) async throws -> (ChildProcess, String) {
        let config = directory.appendingPathComponent("config.yaml")
        try "stores:\n  - id: acme\n    name: Acme\n    token: \(Self.storeToken)\n".write(to: config, atomically: true, encoding: .utf8)
        let child = try ChildProcess(
            arguments: ["serve", "--port", "0", "--database", database, "--admin-token", Self.adminToken, "--config", config.path] + extra,
            logURL: directory.appendingPathComponent("serve-\(UUID().uuidString.prefix(6)).log")
        )
        return (child, "http://127.0.0.1:\(try await child.port())")
    }

    func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("integrator-ops-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func anAttemptStillRunningAfterTheGraceIsCutRecordedAsInterruptedAndTakenAgainAtTheNextStart() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = "sqlite:" + directory.appendingPathComponent("hub.sqlite").path
        let stalled = ScriptedEndpoint(.stallBody)
        let receiver = Receiver()
        try await receiver.run { good in
            try await stalled.run { hanging in
                let (child, url) = try await serve(database, in: directory, ["--shutdown-grace", "1"])
                defer { child.terminate() }
                let mapping: JSONValue = ["name": "erp", "messages": ["order:new"], "url": .string("\(hanging)/erp"), "timeout": 600]
                #expect(try await call(.POST, "\(url)/api/stores/acme/mappings", json: mapping, headers: admin).status == 201)
                let pushed = try await call(
                    .POST,
                    "\(url)/events",
                    json: ["message": "order:new", "payload": ["order": ["number": "R1"]]],
                    headers: pusher
                )
                let id = try #require(pushed.body["message_id"]?.stringValue)
                #expect(try await eventually { stalled.requests == 1 })
                // The endpoint moves; the attempt under way still hangs on the old one.
                let moved: JSONValue = ["messages": ["order:new"], "url": .string("\(good)/erp"), "timeout": 600]
                #expect(try await call(.PUT, "\(url)/api/stores/acme/mappings/erp", json: moved, headers: admin).status == 200)
                let stopping = ContinuousClock.now
                await child.terminateAndWait()
                // Without the cut, shutdown would wait for the mapping's 600 s timeout.
                #expect(ContinuousClock.now - stopping < .seconds(60))

                let (again, url2) = try await serve(database, in: directory)
                defer { again.terminate() }
                #expect(try await eventually(20) { receiver.received.count == 1 })
                let message = try await call(.GET, "\(url2)/api/stores/acme/messages/\(id)", headers: admin).body
                #expect(
                    try await eventually {
                        try await call(.GET, "\(url2)/api/stores/acme/messages/\(id)", headers: admin).body["state"] == "completed"
                    }
                )
                let log =
                    try await call(.GET, "\(url2)/api/stores/acme/messages/\(id)", headers: admin).body["deliveries"]?[0]?["attempt_log"]?
                    .arrayValue ?? []
                #expect(log.count == 2, "\(message)")
                #expect(log.first?["error"]?.stringValue?.hasPrefix("interrupted") == true)
                #expect(log.last?["status"] == 200)
            }
        }
    }

    @Test func anAttemptThatFinishesWithinTheGraceIsRecordedWhole() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = "sqlite:" + directory.appendingPathComponent("hub.sqlite").path
        let slow = ScriptedEndpoint(.answerAfter(milliseconds: 800))
        try await slow.run { endpoint in
            let (child, url) = try await serve(database, in: directory, ["--shutdown-grace", "10"])
            defer { child.terminate() }
            let mapping: JSONValue = ["name": "erp", "messages": ["order:new"], "url": .string("\(endpoint)/erp")]
            #expect(try await call(.POST, "\(url)/api/stores/acme/mappings", json: mapping, headers: admin).status == 201)
            let pushed = try await call(
                .POST,
                "\(url)/events",
                json: ["message": "order:new", "payload": ["order": ["number": "R1"]]],
                headers: pusher
            )
            let id = try #require(pushed.body["message_id"]?.stringValue)
            #expect(try await eventually { slow.requests == 1 })
            await child.terminateAndWait()
            let (again, url2) = try await serve(database, in: directory)
            defer { again.terminate() }
            let message = try await call(.GET, "\(url2)/api/stores/acme/messages/\(id)", headers: admin).body
            #expect(message["state"] == "completed")
            #expect(message["deliveries"]?[0]?["attempt_log"]?.arrayValue?.count == 1)
            #expect(slow.requests == 1)
        }
    }

    @Test func aBackupTakenDuringPushesRestoresEveryMessageAcknowledgedBeforeItBegan() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("hub.sqlite").path
        let backup = directory.appendingPathComponent("backup.sqlite").path
        let (child, url) = try await serve("sqlite:" + path, in: directory)
        defer { child.terminate() }
        let acknowledged = Locked<[String]>([])
        let stop = Locked(false)
        let pusher = self.pusher
        let before: [String] = try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var number = 0
                    while !stop.value {
                        number += 1
                        let reply = try await call(
                            .POST,
                            "\(url)/events",
                            json: ["message": "order:new", "payload": ["order": ["number": .string("W\(worker)-\(number)")]]],
                            headers: pusher
                        )
                        if reply.status == 202, let id = reply.body["message_id"]?.stringValue { acknowledged.update { $0.append(id) } }
                    }
                }
            }
            // Driven by counts, not time (a loaded CI machine acknowledged 8 pushes in 700 ms).
            let deadline = ContinuousClock.now + .seconds(30)
            while acknowledged.value.count <= 10, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            let before = acknowledged.value
            let result = try await CLITests.run(["backup", "--database", "sqlite:" + path, "--to", backup], url: url)
            #expect(result.status == 0, "\(result.err)")
            #expect(result.out.contains("backed up"))
            while acknowledged.value.count <= before.count, ContinuousClock.now < deadline + .seconds(30) {
                try await Task.sleep(for: .milliseconds(20))
            }
            stop.update { $0 = true }
            try await group.waitForAll()
            return before
        }
        #expect(before.count > 10)
        #expect(acknowledged.value.count > before.count, "pushes went on during the backup")
        let attributes = try FileManager.default.attributesOfItem(atPath: backup)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        // A second backup to the same file is refused: nothing is overwritten by mistake.
        let again = try await CLITests.run(["backup", "--database", "sqlite:" + path, "--to", backup], url: url)
        #expect(again.status != 0)
        #expect(again.err.contains("already exists"))

        // Restore as the README says: the copy becomes a hub's database.
        let restoredDirectory = directory.appendingPathComponent("restored")
        try FileManager.default.createDirectory(at: restoredDirectory, withIntermediateDirectories: true)
        let restored = restoredDirectory.appendingPathComponent("hub.sqlite").path
        try FileManager.default.copyItem(atPath: backup, toPath: restored)
        let (second, url2) = try await serve("sqlite:" + restored, in: restoredDirectory)
        defer { second.terminate() }
        var missing: [String] = []
        for id in before where try await call(.GET, "\(url2)/api/stores/acme/messages/\(id)", headers: admin).status != 200 {
            missing.append(id)
        }
        #expect(missing.isEmpty, "\(missing.count) acknowledged message(s) missing from the backup")
    }

    @Test func backupRefusesPostgreSQLAndAMissingFileWithAReason() async throws {
        let postgres = try await CLITests.run(["backup", "--database", "postgres://u@127.0.0.1/x", "--to", "/tmp/x"], url: "http://127.0.0.1:9")
        #expect(postgres.status == 2)
        #expect(postgres.err.contains("pg_dump"))
        let missing = try await CLITests.run(
            ["backup", "--database", "sqlite:/nonexistent/\(UUID().uuidString).sqlite", "--to", "/tmp/\(UUID().uuidString)"],
            url: "http://127.0.0.1:9"
        )
        #expect(missing.status == 2)
        #expect(missing.err.contains("no SQLite database"))
    }
}
