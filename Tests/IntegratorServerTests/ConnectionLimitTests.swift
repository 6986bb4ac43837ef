import Foundation
import IntegratorModel
import IntegratorTestSupport
import NIOHTTP1
import Testing

/// Idle and slow clients cannot starve real ones: the hub runs under a 1,024-file limit while
/// 1,100 idle and 300 slow-header connections are opened, and still answers.
@Suite(.serialized) struct ConnectionLimitTests {
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

        try await ServedHub.run(["--idle-timeout", "4", "--header-timeout", "2"], launcher: ["/usr/bin/prlimit", "--nofile=1024"]) { hub in
            let port = hub.port
            let base = hub.url

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
            let order: JSONValue = ["message": "order:new", "payload": ["order": ["number": "R1"]]]
            let pushed = try await call(.POST, "\(base)/events", json: order, headers: fresh.merging(hub.pusher) { _, new in new })
            #expect(pushed.status == 202)

            // Slow heads are cut at the header timeout; idle connections at the idle timeout.
            #expect(try await eventually(8) { slow.allSatisfy(RawSocket.closedByPeer) }, "slow-header connections still open")
            #expect(try await eventually(10) { idle.allSatisfy(RawSocket.closedByPeer) }, "idle connections still open")
            #expect(try await call(.GET, "\(base)/health", headers: fresh).status == 200)
            #expect(hub.child.process.isRunning)
        }
    }

    /// A request whose body trickles is busy, so the cap cannot make room by closing it; the body
    /// timeout ends it instead, counted from its head.
    @Test func aTricklingRequestBodyIsCutAtTheBodyTimeout() async throws {
        try await ServedHub.run(["--body-timeout", "2"]) { hub in
            let port = hub.port
            var slow: [Int32] = []
            for _ in 0..<20 {
                let fd = RawSocket.connect(port: port)
                try #require(fd >= 0)
                let head = "POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Hub-Store: acme\r\nX-Hub-Access-Token: \(ServedHub.storeToken)\r\n"
                RawSocket.send(fd, head + "Content-Length: 1000\r\n\r\n[{\"message\"")
                slow.append(fd)
            }
            defer { for fd in slow { close(fd) } }
            for _ in 0..<3 {
                try await Task.sleep(for: .milliseconds(500))
                for fd in slow { RawSocket.send(fd, " ") }
            }
            #expect(try await eventually(6) { slow.allSatisfy(RawSocket.closedByPeer) }, "trickling bodies still open")
            #expect(try await call(.GET, "\(hub.url)/health", headers: ["Connection": "close"]).status == 200)
            let stored = try await call(.GET, "\(hub.url)/api/stores/acme/messages", headers: ["X-Augury-Token": ServedHub.storeToken])
            #expect(stored.body["count"] == 0)
        }
    }
}
