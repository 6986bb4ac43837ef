import AsyncHTTPClient
import Foundation
import IntegratorModel
import IntegratorTestSupport
import NIOCore
import NIOHTTP1
import Testing

/// The console over plain HTTP: sign-in, every page rendering whole, escaping, and forms that
/// name their problems. The browser test (ConsoleBrowserTests) covers the same in Chromium.
@Suite struct ConsoleTests {
    /// A browser without the browser: keeps the cookie and the last form token it saw, sends
    /// that token with every form (as the console's hidden field would), does not follow redirects.
    final class Visitor: Sendable {
        let client: HTTPClient = {
            var configuration = HTTPClient.Configuration()
            configuration.redirectConfiguration = .disallow
            return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        }()
        let cookie = Locked<String?>(nil)
        let formToken = Locked<String?>(nil)
        let base: String
        init(base: String) { self.base = base }

        func go(
            _ method: NIOHTTP1.HTTPMethod,
            _ path: String,
            form: [String: String]? = nil,
            cookie override: String? = nil,
            headers: [String: String] = [:],
            withToken: Bool = true
        ) async throws -> (status: Int, location: String?, html: String) {
            var request = HTTPClientRequest(url: base + path)
            request.method = method
            if let value = override ?? cookie.value { request.headers.add(name: "Cookie", value: value) }
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            if method == .POST, withToken, !path.hasPrefix("/console/sign-in"), formToken.value == nil {
                // Open a page first, as a person would, to be given the session's form token.
                _ = try await go(.GET, "/console")
            }
            if var form = form ?? (method == .POST ? [:] : nil) {
                if withToken, form["csrf"] == nil, let token = formToken.value, !path.hasPrefix("/console/sign-in") { form["csrf"] = token }
                request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                var allowed = CharacterSet.alphanumerics
                allowed.insert(charactersIn: "-._~")
                let body = form.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
                request.body = .bytes(ByteBuffer(string: body))
            }
            let response = try await client.execute(request, timeout: .seconds(30))
            if let set = response.headers.first(name: "Set-Cookie") { cookie.update { $0 = String(set.split(separator: ";")[0]) } }
            let body = try await response.body.collect(upTo: 8 << 20)
            let html = String(buffer: body)
            if let range = html.range(of: "name=\"csrf\" value=\"") {
                formToken.update { $0 = String(html[range.upperBound...].prefix { $0 != "\"" }) }
            }
            return (Int(response.status.code), response.headers.first(name: "Location"), html)
        }

        func shutdown() async { try? await client.shutdown() }
    }

    @Test func pagesNeedSignInRenderWholeAndEscapeWhatWasPushed() async throws {
        try await TestHub.run { hub in
            let visitor = Visitor(base: hub.url)
            defer { Task { await visitor.shutdown() } }

            // Not signed in: sent to sign in, with the way back.
            let unsigned = try await visitor.go(.GET, "/console/stores/acme/messages")
            #expect(unsigned.status == 303)
            #expect(unsigned.location == "/console/sign-in?next=%2Fconsole%2Fstores%2Facme%2Fmessages")
            let wrong = try await visitor.go(.POST, "/console/sign-in", form: ["token": "guess", "next": "/console"])
            #expect(wrong.status == 401 && wrong.html.contains("not the admin token"))
            #expect(visitor.cookie.value == nil)
            // An off-site `next` is not followed.
            let signed = try await visitor.go(.POST, "/console/sign-in", form: ["token": TestHub.adminToken, "next": "https://evil.example/"])
            #expect(signed.status == 303 && signed.location == "/console")
            #expect(visitor.cookie.value?.hasPrefix("integrator_console=") == true)
            // A tampered cookie is refused.
            let forged = try await visitor.go(.GET, "/console", cookie: "integrator_console=9999999999.0000")
            #expect(forged.status == 303)

            // Pushed data is shown escaped.
            let hostile: JSONValue = [
                "message": "order:new", "payload": ["order": ["number": "<script>alert(1)</script>", "email": "x@example.com"]],
            ]
            let pushed = try await call(.POST, "\(hub.url)/api/stores/acme/messages", json: hostile, headers: hub.admin)
            let id = try #require(pushed.body["message_id"]?.stringValue)
            let inspector = try await visitor.go(.GET, "/console/stores/acme/messages/\(id)")
            #expect(inspector.status == 200)
            #expect(!inspector.html.contains("<script>alert(1)"))
            #expect(inspector.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))

            // Every page renders whole.
            for path in [
                "/console", "/console/stores/acme", "/console/stores/acme/messages", "/console/stores/acme/messages?state=skipped",
                "/console/stores/acme/notifications", "/console/stores/acme/mappings", "/console/stores/acme/new-mapping",
                "/console/stores/acme/schedulers", "/console/stores/acme/new-scheduler", "/console/stores/acme/parameters",
                "/console/stores/acme/test?kind=product:new",
            ] {
                let page = try await visitor.go(.GET, path)
                #expect(page.status == 200, "\(path) answered \(page.status)")
                #expect(page.html.hasPrefix("<!doctype html>") && page.html.hasSuffix("</html>"), "\(path) is not a whole page")
                #expect(!page.html.contains("{{") && !page.html.contains("}}"), "\(path) has template markers left")
            }
            #expect(try await visitor.go(.GET, "/console/stores/acme/test?kind=product:new").html.contains("SPR-00013"))
            #expect(try await visitor.go(.GET, "/console/stores/nowhere").status == 404)
            #expect(try await visitor.go(.GET, "/console/stores/acme/messages?state=lost").html.contains("unknown state"))

            // Forms: a bad JSON document and a parameter are named; good ones redirect to the result.
            let badJSON = try await visitor.go(.POST, "/console/stores/acme/test", form: ["document": "{\"message\": "])
            #expect(badJSON.status == 400 && badJSON.html.contains("the document is not valid JSON"))
            let invalid = try await visitor.go(
                .POST,
                "/console/stores/acme/test",
                form: ["document": #"{"message":"order:new","payload":{"order":{}}}"#]
            )
            #expect(invalid.status == 422 && invalid.html.contains("payload.order.number"))
            let test = try await visitor.go(.POST, "/console/stores/acme/test", form: ["document": SampleMessages.message("user:new")!.jsonString])
            #expect(test.status == 303 && test.location?.hasPrefix("/console/stores/acme/messages/") == true)
            let parameter = try await visitor.go(.POST, "/console/stores/acme/parameters", form: ["name": "erp.batch", "value": "[1, 2]"])
            #expect(parameter.status == 303)
            #expect(try await call(.GET, "\(hub.url)/api/stores/acme/parameters/erp.batch", headers: hub.admin).body["value"] == [1, 2])
            let text = try await visitor.go(.POST, "/console/stores/acme/parameters", form: ["name": "erp.url", "value": "http://erp.local"])
            #expect(text.status == 303)
            #expect(try await call(.GET, "\(hub.url)/api/stores/acme/parameters/erp.url", headers: hub.admin).body["value"] == "http://erp.local")

            // A new store from the console shows its token once.
            let created = try await visitor.go(.POST, "/console/stores", form: ["id": "beta", "name": "Beta", "token": ""])
            #expect(created.status == 201 && created.html.contains("shown only this once"))

            let out = try await visitor.go(.POST, "/console/sign-out")
            #expect(out.status == 303)
            #expect(try await visitor.go(.GET, "/console").status == 303)
        }
    }

    /// Every link a signed-in page shows leads to a page: the console is crawled from the
    /// stores page (a store with a mapping, a scheduler, a parameter and a message), and each
    /// console address found answers 200. The New mapping and New scheduler buttons once
    /// pointed at `mappings/new` and `schedulers/new`, which no route takes.
    @Test func everyLinkOnAConsolePageLeadsToAPage() async throws {
        try await TestHub.run { hub in
            let visitor = Visitor(base: hub.url)
            defer { Task { await visitor.shutdown() } }
            let mapping: JSONValue = ["name": "erp.orders", "messages": ["order:new"], "url": "http://127.0.0.1:1/orders"]
            #expect(try await call(.POST, "\(hub.url)/api/stores/acme/mappings", json: mapping, headers: hub.admin).status == 201)
            let scheduler: JSONValue = ["id": "poll", "message": "spree:orders:poll", "payload": [:], "interval": 60]
            #expect(try await call(.POST, "\(hub.url)/api/stores/acme/schedulers", json: scheduler, headers: hub.admin).status == 201)
            let push: JSONValue = ["message": "order:new", "payload": ["order": ["number": "R1"]]]
            #expect(try await call(.POST, "\(hub.url)/api/stores/acme/messages", json: push, headers: hub.admin).status / 100 == 2)
            _ = try await visitor.go(.POST, "/console/sign-in", form: ["token": TestHub.adminToken, "next": "/console"])

            var seen: Set<String> = []
            var queue = ["/console"]
            while let path = queue.popLast(), seen.count < 200 {
                guard seen.insert(path).inserted else { continue }
                let page = try await visitor.go(.GET, path)
                #expect(page.status == 200, "\(path) answered \(page.status)")
                for link in Self.links(in: page.html) where !seen.contains(link) { queue.append(link) }
            }
            #expect(seen.contains("/console/stores/acme/new-mapping") && seen.contains("/console/stores/acme/new-scheduler"))
            #expect(seen.contains("/console/stores/acme/mappings/erp.orders") && seen.contains("/console/stores/acme/schedulers/poll"))
            #expect(seen.count > 15)
        }
    }

    /// The console addresses a page links to (`href="/console…"`, entities decoded, assets left out).
    static func links(in html: String) -> [String] {
        html.components(separatedBy: "href=\"").dropFirst().compactMap { rest -> String? in
            let link = String(rest.prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&")
            return link.hasPrefix("/console") && !link.hasPrefix("/console/assets") ? link : nil
        }
    }
}
