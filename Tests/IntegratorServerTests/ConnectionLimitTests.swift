import Foundation
import IntegratorModel
import IntegratorTestSupport
import NIOHTTP1
import Testing

/// Idle and slow clients cannot starve real ones: the hub runs under a 1,024-file limit while
/// 1,100 idle and 300 slow-header connections are opened, and still answers.
@Suite(.serialized) struct ConnectionLimitTests {
    static let storeToken = "limit-store-token-0123456789"

    @Test func idleAndSlowConnectionsCannotTakeTheHubOffline() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit") else {
            Issue.record("prlimit (util-linux) is needed for this test")
            return
        }
        // The test itself holds 1,400 sockets.
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        try #require(limit.rlim_cur >= 2048, "the test needs 2,048 open files; it has \(limit.rlim_cur)")

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("integrator-limits-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("config.yaml")
        try "stores:\n  - id: acme\n    name: Acme\n    token: \(Self.storeToken)\n".write(to: config, atomically: true, encoding: .utf8)
        let child = try ChildProcess(
            arguments: [
                "serve", "--port", "0", "--database", "sqlite:" + directory.appendingPathComponent("hub.sqlite").path,
                "--admin-token", "limit-admin-token-0123456789", "--config", config.path, "--idle-timeout", "4", "--header-timeout", "2",
            ],
            logURL: directory.appendingPathComponent("serve.log"), launcher: ["/usr/bin/prlimit", "--nofile=1024"])
        defer { child.terminate() }
        let port = try await child.port()
        let base = "http://127.0.0.1:\(port)"

        var idle: [Int32] = []
        for _ in 0..<1100 {
            let fd = RawSocket.connect(port: port)
            if fd >= 0 { idle.append(fd) }
        }
        var slow: [Int32] = []
        for _ in 0..<300 {
            let fd = RawSocket.connect(port: port)
            if fd >= 0 {
                RawSocket.send(fd, "POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Hub-Store: ac")
                slow.append(fd)
            }
        }
        defer { for fd in idle + slow { close(fd) } }
        #expect(idle.count == 1100 && slow.count == 300, "opened \(idle.count) idle and \(slow.count) slow connections")
        try await Task.sleep(for: .milliseconds(500))
        for fd in slow { RawSocket.send(fd, "m") }

        // Real clients still get in, each on a fresh connection.
        let fresh = ["Connection": "close"]
        for _ in 0..<5 {
            #expect(try await call(.GET, "\(base)/health", headers: fresh).status == 200)
        }
        let pushed = try await call(.POST, "\(base)/events", json: ["message": "order:new", "payload": ["order": ["number": "R1"]]], headers: fresh.merging([
            "X-Hub-Store": "acme", "X-Hub-Access-Token": Self.storeToken,
        ]) { _, new in new })
        #expect(pushed.status == 202)

        // Slow heads are cut at the header timeout; idle connections at the idle timeout.
        #expect(try await eventually(8) { slow.allSatisfy(RawSocket.closedByPeer) }, "slow-header connections still open")
        #expect(try await eventually(10) { idle.allSatisfy(RawSocket.closedByPeer) }, "idle connections still open")
        #expect(try await call(.GET, "\(base)/health", headers: fresh).status == 200)
        #expect(child.process.isRunning)
    }

    /// A request whose body trickles is busy, so the cap cannot make room by closing it; the body
    /// timeout ends it instead, counted from its head.
    @Test func aTricklingRequestBodyIsCutAtTheBodyTimeout() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("integrator-body-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("config.yaml")
        try "stores:\n  - id: acme\n    name: Acme\n    token: \(Self.storeToken)\n".write(to: config, atomically: true, encoding: .utf8)
        let child = try ChildProcess(
            arguments: [
                "serve", "--port", "0", "--database", "sqlite:" + directory.appendingPathComponent("hub.sqlite").path,
                "--admin-token", "limit-admin-token-0123456789", "--config", config.path, "--body-timeout", "2",
            ],
            logURL: directory.appendingPathComponent("serve.log"))
        defer { child.terminate() }
        let port = try await child.port()
        var slow: [Int32] = []
        for _ in 0..<20 {
            let fd = RawSocket.connect(port: port)
            try #require(fd >= 0)
            RawSocket.send(fd, "POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Hub-Store: acme\r\nX-Hub-Access-Token: \(Self.storeToken)\r\nContent-Length: 1000\r\n\r\n[{\"message\"")
            slow.append(fd)
        }
        defer { for fd in slow { close(fd) } }
        for _ in 0..<3 {
            try await Task.sleep(for: .milliseconds(500))
            for fd in slow { RawSocket.send(fd, " ") }
        }
        #expect(try await eventually(6) { slow.allSatisfy(RawSocket.closedByPeer) }, "trickling bodies still open")
        #expect(try await call(.GET, "http://127.0.0.1:\(port)/health", headers: ["Connection": "close"]).status == 200)
        #expect(try await call(.GET, "http://127.0.0.1:\(port)/api/stores/acme/messages", headers: ["X-Augury-Token": Self.storeToken]).body["count"] == 0)
    }
}
