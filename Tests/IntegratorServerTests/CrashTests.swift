import Foundation
import IntegratorModel
import IntegratorTestSupport
import NIOHTTP1
import Synchronization
import Testing

/// A 2xx to a push is a promise: the message and its deliveries are on disk. These tests kill
/// the server with SIGKILL while a client pushes, and check that every acknowledged push
/// survives and is delivered.
@Suite(.serialized) struct CrashTests {
    static let adminToken = "crash-admin-token-0123456789"
    static let storeToken = "crash-store-token-0123456789"

    /// Every acknowledged message is in the store of the restarted hub.
    static func expectStored(_ ids: Set<String>, at base: String) async throws {
        let admin = ["Authorization": "Bearer \(adminToken)"]
        var missing: [String] = []
        for id in ids where try await call(.GET, "\(base)/api/stores/acme/messages/\(id)", headers: admin).status != 200 {
            missing.append(id)
        }
        #expect(missing.isEmpty, "\(missing.count) of \(ids.count) acknowledged messages are not in the store after a restart")
    }

    @Test
    func everyAcknowledgedPushSurvivesSIGKILLAndIsDelivered() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("integrator-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let receiver = Receiver()
        try await receiver.run { endpoint in
            let config = """
                stores:
                  - id: acme
                    name: Acme
                    token: \(Self.storeToken)
                    mappings:
                      - name: sink
                        messages: ["order:new"]
                        url: \(endpoint)/sink
                        token: sink-token
                        timeout: 5
                """
            let configURL = directory.appendingPathComponent("config.yaml")
            try config.write(to: configURL, atomically: true, encoding: .utf8)
            let arguments = [
                "serve", "--port", "0", "--database", "sqlite:" + directory.appendingPathComponent("hub.sqlite").path,
                "--admin-token", Self.adminToken, "--config", configURL.path,
            ]
            let acknowledged = Locked<Set<String>>([])
            var idempotentReply: JSONValue?
            let rounds = 3
            for round in 1...rounds {
                let child = try ChildProcess(arguments: arguments, logURL: directory.appendingPathComponent("serve.log"))
                let port = try await child.port()
                let base = "http://127.0.0.1:\(port)"
                let headers = ["X-Hub-Store": "acme", "X-Hub-Access-Token": Self.storeToken]
                try await Self.expectStored(acknowledged.value, at: base)

                // The same key after a crash and restart gets the first reply.
                let keyed: JSONValue = ["message": "order:new", "payload": ["order": ["number": "KEYED"]]]
                let keyReply = try await call(.POST, "\(base)/events", json: keyed, headers: headers.merging(["Idempotency-Key": "crash-key"]) { $1 })
                #expect(keyReply.status == 202)
                if let idempotentReply { #expect(keyReply.body == idempotentReply) } else { idempotentReply = keyReply.body }
                if let id = keyReply.body["message_id"]?.stringValue { acknowledged.update { _ = $0.insert(id) } }

                // Eight clients push until the server dies under them.
                let stop = Locked(false)
                await withTaskGroup(of: Void.self) { group in
                    for client in 0..<8 {
                        group.addTask {
                            var n = 0
                            while !stop.value {
                                n += 1
                                let body: JSONValue = ["message": "order:new", "payload": ["order": ["number": .string("R\(round)-\(client)-\(n)")]]]
                                guard let reply = try? await call(.POST, "\(base)/events", json: body, headers: headers) else { continue }
                                if reply.status == 202, let id = reply.body["message_id"]?.stringValue {
                                    acknowledged.update { _ = $0.insert(id) }
                                }
                            }
                        }
                    }
                    group.addTask {
                        // Kill mid-stream once this round has had a random 100 to 300 acknowledgements
                        // (or after a minute), so the test proves the same on a slow machine.
                        let target = acknowledged.value.count + Int.random(in: 100...300)
                        let deadline = ContinuousClock.now + .seconds(60)
                        while acknowledged.value.count < target, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
                        await child.kill9AndWait()
                        stop.update { $0 = true }
                    }
                }
            }

            // Restart once more, let the hub drain, and check every acknowledged push.
            let child = try ChildProcess(arguments: arguments, logURL: directory.appendingPathComponent("serve.log"))
            defer { child.terminate() }
            let base = "http://127.0.0.1:\(try await child.port())"
            let ids = acknowledged.value
            print("crash test: \(ids.count) acknowledged pushes over \(rounds) kills")
            #expect(ids.count >= 300, "too few pushes were acknowledged to prove anything: \(ids.count)")
            let delivered = try await eventually(60) {
                let seen = Set(receiver.received.compactMap { $0.body["message_id"]?.stringValue })
                return ids.isSubset(of: seen)
            }
            let seen = Set(receiver.received.compactMap { $0.body["message_id"]?.stringValue })
            #expect(delivered, "\(ids.subtracting(seen).count) of \(ids.count) acknowledged pushes were never delivered")
            let admin = ["Authorization": "Bearer \(Self.adminToken)"]
            try await Self.expectStored(ids, at: base)
            let queues = try await call(.GET, "\(base)/api/stores/acme/queues", headers: admin).body
            #expect(queues["incoming"]?.numberValue ?? 0 >= Double(ids.count))
        }
    }
}
