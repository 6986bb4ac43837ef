import Foundation
import IntegratorModel
import IntegratorTestSupport
import NIOHTTP1
import Testing

/// `integrator demo` run as a new user runs it: one command, and orders flow.
@Suite(.serialized) struct DemoTests {
    @Test func theDemoShowsOrdersFlowingWithinAMinute() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("integrator-demo-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let token = "demo-test-admin-token-0123456789"
        let demo = try ChildProcess(
            arguments: [
                "demo", "--port", "0", "--data", directory.appendingPathComponent("data").path, "--admin-token", token, "--order-every", "1",
                "--poll-every", "1",
            ],
            logURL: directory.appendingPathComponent("demo.log")
        )
        defer { demo.terminate() }
        let port = try await demo.port(within: 60, marker: "Console ")
        let hub = "http://127.0.0.1:\(port)"
        let admin = ["Authorization": "Bearer \(token)"]
        let banner = try String(contentsOf: directory.appendingPathComponent("demo.log"), encoding: .utf8)
        #expect(banner.contains("\(hub)/console"))
        #expect(banner.contains("Admin token   \(token)"))

        func completed(_ name: String) async throws -> Int {
            let list = try await call(.GET, "\(hub)/api/stores/demo/messages?message=\(name)&state=completed", headers: admin)
            return Int(list.body["count"]?.numberValue ?? 0)
        }
        // Orders from the marketplace are imported into the store, come back from the poll as
        // order:new, and have their payments captured; all within a minute of the start.
        let flowing = try await eventually(60) {
            let imported = try await completed("order:import")
            let new = try await completed("order:new")
            let polls = try await completed("hub:poll")
            return imported >= 2 && new >= 2 && polls >= 1
        }
        let log = (try? String(contentsOf: directory.appendingPathComponent("demo.log"), encoding: .utf8)) ?? ""
        #expect(flowing, "orders did not flow: \(log)")
        let captured = try await call(.GET, "\(hub)/api/stores/demo/messages?message=order:payment:captured", headers: admin)
        #expect((captured.body["count"]?.numberValue ?? 0) >= 1)
        let failed = try await call(.GET, "\(hub)/api/stores/demo/messages?state=failing", headers: admin)
        #expect(failed.body["count"] == 0)

        // The console answers with the sign-in page.
        let console = try await call(.GET, "\(hub)/console/sign-in")
        #expect(console.status == 200)

        // Ctrl-C stops all three servers cleanly.
        kill(demo.process.processIdentifier, SIGINT)
        await demo.exited()
        #expect(demo.process.terminationStatus == 0)
    }
}
