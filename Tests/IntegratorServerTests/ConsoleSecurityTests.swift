import AsyncHTTPClient
import Crypto
import Foundation
import IntegratorModel
import IntegratorServer
import IntegratorTestSupport
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// The console's defences over real loopback HTTP: cookies a database copy cannot forge,
/// cross-site posts refused, framing and sniffing headers, the sign-in slowdown, and sign-out
/// on every process.
@Suite(.serialized) struct ConsoleSecurityTests {
    typealias Visitor = ConsoleTests.Visitor

    /// What the database holds about the admin token: its SHA-256, in hex.
    static var storedAdminHash: String {
        SHA256.hash(data: Data(TestHub.adminToken.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func hmac(_ text: String, key: SymmetricKey) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key).map { String(format: "%02x", $0) }.joined()
    }

    @Test func aCookieMadeFromTheDatabasesContentsIsRefused() async throws {
        try await TestHub.run { hub in
            let visitor = Visitor(base: hub.url)
            defer { Task { await visitor.shutdown() } }
            let hash = Self.storedAdminHash
            // The old scheme: an HMAC keyed by the stored hash, any expiry.
            let oldKey = SymmetricKey(data: Data(("integrator-console:" + hash).utf8))
            let old = "9999999999.\(Self.hmac("9999999999", key: oldKey))"
            // Today's form, keyed by anything the database holds.
            let id = String(repeating: "a", count: 32)
            let body = "\(id).9999999999"
            var forgeries = ["integrator_console=\(old)"]
            for material in [hash, "integrator-console:" + hash] {
                let key = HKDF<SHA256>.deriveKey(
                    inputKeyMaterial: SymmetricKey(data: Data(material.utf8)),
                    salt: Data("integrator-console".utf8),
                    info: Data("cookie signing".utf8),
                    outputByteCount: 32
                )
                forgeries.append("integrator_console=\(body).\(Self.hmac("\(body)|\(hash)", key: key))")
                forgeries.append("integrator_console=\(body).\(Self.hmac(body, key: SymmetricKey(data: Data(material.utf8))))")
            }
            for forged in forgeries {
                let answer = try await visitor.go(.GET, "/console", cookie: forged)
                #expect(answer.status == 303, "\(forged) was accepted")
                #expect(answer.location?.hasPrefix("/console/sign-in") == true)
            }
            // The real sign-in still works.
            let signed = try await visitor.go(.POST, "/console/sign-in", form: ["token": TestHub.adminToken, "next": "/console"])
            #expect(signed.status == 303)
            #expect(try await visitor.go(.GET, "/console").status == 200)
        }
    }

    @Test func aCrossSitePostIsRefusedAndChangesNothing() async throws {
        try await TestHub.run { hub in
            let visitor = Visitor(base: hub.url)
            defer { Task { await visitor.shutdown() } }
            _ = try await visitor.go(.POST, "/console/sign-in", form: ["token": TestHub.adminToken, "next": "/console"])
            let page = try await visitor.go(.GET, "/console/stores/acme/parameters")
            #expect(page.html.contains("name=\"csrf\""))
            let token = try #require(visitor.formToken.value)

            let attempts: [(String, [String: String], [String: String])] = [
                ("evil origin", ["csrf": token], ["Origin": "http://evil.example"]),
                ("null origin", ["csrf": token], ["Origin": "null"]),
                ("another port", ["csrf": token], ["Origin": "http://127.0.0.1:1"]),
                ("cross-site fetch", ["csrf": token], ["Sec-Fetch-Site": "cross-site"]),
                ("no token", [:], [:]),
                ("wrong token", ["csrf": String(repeating: "0", count: 64)], [:]),
            ]
            for (label, extra, headers) in attempts {
                var form = ["name": "spree.api_url", "value": "http://evil.example/\(label)"]
                form.merge(extra) { _, new in new }
                let answer = try await visitor.go(.POST, "/console/stores/acme/parameters", form: form, headers: headers, withToken: false)
                #expect(answer.status == 403, "\(label): \(answer.status)")
            }
            // A sign-in posted from another site is refused too.
            let crossSignIn = try await visitor.go(
                .POST,
                "/console/sign-in",
                form: ["token": TestHub.adminToken],
                headers: ["Origin": "http://evil.example"]
            )
            #expect(crossSignIn.status == 403)
            let parameters = try await call(.GET, "\(hub.url)/api/stores/acme/parameters", headers: hub.admin).body
            #expect(parameters["parameters"]?.arrayValue?.isEmpty == true, "\(parameters)")

            // The same form from this site, with its token, is taken.
            let origin = hub.url
            let saved = try await visitor.go(
                .POST,
                "/console/stores/acme/parameters",
                form: ["name": "spree.api_url", "value": "http://shop/api", "csrf": token],
                headers: ["Origin": origin, "Sec-Fetch-Site": "same-origin"],
                withToken: false
            )
            #expect(saved.status == 303)
            let after = try await call(.GET, "\(hub.url)/api/stores/acme/parameters", headers: hub.admin).body
            #expect(after["parameters"]?[0]?["value"] == "http://shop/api")
        }
    }

    @Test func everyConsoleAnswerForbidsFramingAndSniffing() async throws {
        try await TestHub.run { hub in
            let pushed = try await hub.push(["message": "order:new", "payload": ["order": ["number": "R1"]]])
            let id = try #require(pushed.body["message_id"]?.stringValue)
            let signedOut = Visitor(base: hub.url)
            let visitor = Visitor(base: hub.url)
            defer {
                Task {
                    await visitor.shutdown()
                    await signedOut.shutdown()
                }
            }
            _ = try await visitor.go(.POST, "/console/sign-in", form: ["token": TestHub.adminToken, "next": "/console"])
            let paths = [
                "/console", "/console/stores/acme", "/console/stores/acme/messages", "/console/stores/acme/messages/\(id)",
                "/console/stores/acme/notifications", "/console/stores/acme/mappings", "/console/stores/acme/new-mapping",
                "/console/stores/acme/schedulers", "/console/stores/acme/new-scheduler", "/console/stores/acme/parameters",
                "/console/stores/acme/test", "/console/stores/ghost", "/console/assets/console.css", "/console/assets/console.js",
                "/console/sign-in", "/",
            ]
            for (who, path) in paths.map({ (visitor, $0) }) + [(signedOut, "/console"), (signedOut, "/console/sign-in")] {
                var request = HTTPClientRequest(url: hub.url + path)
                if let cookie = who.cookie.value { request.headers.add(name: "Cookie", value: cookie) }
                let response = try await who.client.execute(request, timeout: .seconds(10))
                _ = try await response.body.collect(upTo: 8 << 20)
                #expect(response.headers.first(name: "X-Frame-Options") == "DENY", "\(path)")
                #expect(response.headers.first(name: "X-Content-Type-Options") == "nosniff", "\(path)")
                let policy = response.headers.first(name: "Content-Security-Policy") ?? ""
                #expect(policy.contains("default-src 'self'") && policy.contains("frame-ancestors 'none'"), "\(path): \(policy)")
            }
            // No page relies on inline style or script, which the policy blocks.
            for path in paths where !path.hasPrefix("/console/assets") {
                let html = try await visitor.go(.GET, path).html
                #expect(!html.contains("style=") && !html.contains("<style") && !html.contains("onsubmit=") && !html.contains("<script>"), "\(path)")
            }
        }
    }

    @Test func tenFailedSignInsInAMinuteSlowTheClientDown() async throws {
        try await TestHub.run { hub in
            let visitor = Visitor(base: hub.url)
            defer { Task { await visitor.shutdown() } }
            for attempt in 1...10 {
                let wrong = try await visitor.go(.POST, "/console/sign-in", form: ["token": "wrong-guess-\(attempt)"])
                #expect(wrong.status == 401)
            }
            var request = HTTPClientRequest(url: hub.url + "/console/sign-in")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: "token=\(TestHub.adminToken)"))
            let limited = try await visitor.client.execute(request, timeout: .seconds(10))
            #expect(limited.status.code == 429)
            let retryAfter = Int(limited.headers.first(name: "Retry-After") ?? "") ?? 0
            #expect((1...60).contains(retryAfter))
            #expect(visitor.cookie.value == nil)
            // The minute over, the right token signs in.
            hub.clock.advance(61)
            let signed = try await visitor.go(.POST, "/console/sign-in", form: ["token": TestHub.adminToken, "next": "/console"])
            #expect(signed.status == 303)
            #expect(try await visitor.go(.GET, "/console").status == 200)
        }
    }

    @Test func aSignedOutCookieIsRefusedOnASecondProcessOnTheSamePostgreSQL() async throws {
        guard TestBackend.postgresURL != nil else { return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("integrator-signout-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (database, remove) = try await TestBackend.postgres.freshDatabase(in: directory)
        defer { Task { await remove() } }
        var settings = HubConfiguration()
        settings.port = 0
        settings.database = database
        settings.adminToken = TestHub.adminToken
        try await TestHub.serve(settings) { first in
            // The second process is `integrator serve` itself, given the same admin token.
            let child = try ChildProcess(
                arguments: ["serve", "--port", "0", "--database", database, "--admin-token", TestHub.adminToken],
                logURL: directory.appendingPathComponent("second.log")
            )
            defer { child.terminate() }
            let secondURL = "http://127.0.0.1:\(try await child.port())"
            let visitor = Visitor(base: first.url)
            let elsewhere = Visitor(base: secondURL)
            defer {
                Task {
                    await visitor.shutdown()
                    await elsewhere.shutdown()
                }
            }
            _ = try await visitor.go(.POST, "/console/sign-in", form: ["token": TestHub.adminToken, "next": "/console"])
            let cookie = try #require(visitor.cookie.value)
            // The other process accepts the cookie.
            #expect(try await elsewhere.go(.GET, "/console", cookie: cookie).status == 200)
            #expect(try await visitor.go(.POST, "/console/sign-out").status == 303)
            let after = try await elsewhere.go(.GET, "/console", cookie: cookie)
            #expect(after.status == 303)
            #expect(after.location?.hasPrefix("/console/sign-in") == true)
            #expect(try await visitor.go(.GET, "/console", cookie: cookie).status == 303)
        }
    }

    @Test func aProcessNotGivenTheAdminTokenLearnsTheCookieKeyAtTheFirstSignIn() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("integrator-learn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var settings = HubConfiguration()
        settings.database = "sqlite:" + directory.appendingPathComponent("hub.sqlite").path
        settings.adminToken = TestHub.adminToken
        let cookie = try await TestHub.serve(settings) { hub in
            let visitor = Visitor(base: hub.url)
            defer { Task { await visitor.shutdown() } }
            _ = try await visitor.go(.POST, "/console/sign-in", form: ["token": TestHub.adminToken, "next": "/console"])
            return try #require(visitor.cookie.value)
        }
        // Restarted with only the stored hash: yesterday's cookie cannot be checked until the
        // token is seen again, and then the same key is derived, so it holds again.
        settings.adminToken = nil
        try await TestHub.serve(settings) { hub in
            let visitor = Visitor(base: hub.url)
            defer { Task { await visitor.shutdown() } }
            #expect(try await visitor.go(.GET, "/console", cookie: cookie).status == 303)
            _ = try await visitor.go(.POST, "/console/sign-in", form: ["token": TestHub.adminToken, "next": "/console"])
            #expect(try await visitor.go(.GET, "/console").status == 200)
            #expect(try await visitor.go(.GET, "/console", cookie: cookie).status == 200)
        }
    }

    @Test func theCookieIsSecureBehindATrustedProxyOverHTTPS() async throws {
        try await TestHub.run {
            $0.trustedProxies = [IPNetwork("127.0.0.1/32")!]
        } body: { hub in
            for (proto, secure) in [("https", true), ("http", false)] {
                var request = HTTPClientRequest(url: hub.url + "/console/sign-in")
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                request.headers.add(name: "X-Forwarded-Proto", value: proto)
                request.headers.add(name: "X-Forwarded-For", value: "198.51.100.7")
                request.body = .bytes(ByteBuffer(string: "token=\(TestHub.adminToken)"))
                let visitor = Visitor(base: hub.url)
                let response = try await visitor.client.execute(request, timeout: .seconds(10))
                let cookie = response.headers.first(name: "Set-Cookie") ?? ""
                #expect(cookie.contains("HttpOnly") && cookie.lowercased().contains("samesite=strict"))
                #expect(cookie.contains("Secure") == secure, "\(proto): \(cookie)")
                await visitor.shutdown()
            }
        }
    }
}

extension TestHub {
    /// Runs a hub on `settings` as they are (an existing database kept), with store `acme`
    /// created when it is missing.
    static func serve<T>(_ settings: HubConfiguration, clock: TestClock = TestClock(), _ body: (TestHub) async throws -> T) async throws -> T {
        let hubBox = Mutex<Hub?>(nil)
        var logger = Logger(label: "hub")
        logger.logLevel = .warning
        var settings = settings
        settings.port = 0
        settings.pollInterval = 0.02
        return try await withScopedServer { (onRunning, serve) async throws -> T in
            try await withHub(configuration: settings, clock: clock, logger: logger, onServerRunning: onRunning) {
                (built: BuiltHub) async throws -> T in
                hubBox.withLock { $0 = built.hub }
                return try await serve(built.application)
            }
        } body: { (port: Int) async throws -> T in
            let hub = TestHub(port: port, hub: hubBox.withLock { $0! }, clock: clock)
            let stores = try await call(.GET, "\(hub.url)/api/stores", headers: hub.admin).body
            if stores["stores"]?.arrayValue?.contains(where: { $0["id"] == "acme" }) != true {
                _ = try await call(
                    .POST,
                    "\(hub.url)/api/stores",
                    json: ["id": "acme", "name": "Acme", "token": .string(storeToken)],
                    headers: hub.admin
                )
            }
            return try await body(hub)
        }
    }
}
