import Foundation
import IntegratorModel
import IntegratorServer
import IntegratorTestSupport
import NIOHTTP1
import Testing

/// Every way the hub was once taken down or fooled, over real loopback HTTP: each test ends by
/// proving the process is alive and answering.
@Suite(.serialized) struct HardeningTests {
    static func expectAlive(_ hub: TestHub) async throws {
        #expect(try await call(.GET, "\(hub.url)/health").status == 200)
        #expect(try await hub.messages()["count"] != nil)
        #expect(try await call(.GET, "\(hub.url)/api/stores/acme/messages", headers: hub.admin).status == 200)
    }

    @Test func hostilePagesAndTimesAreRefusedByName() async throws {
        try await TestHub.run { hub in
            let store = ["X-Augury-Token": TestHub.storeToken]
            for path in ["messages", "notifications"] {
                for page in ["9223372036854775807", "1000001", "99999999999999999999999", "-1", "0"] {
                    let reply = try await call(.GET, "\(hub.url)/api/stores/acme/\(path)?page=\(page)", headers: store)
                    #expect(reply.status == 422, "\(path)?page=\(page)")
                    #expect(reply.body["errors"]?[0]?["path"] == "page")
                }
            }
            for since in ["1e17", "nan", "-1e308", "inf", "10000-01-01T00:00:00Z"] {
                let reply = try await call(.GET, "\(hub.url)/api/stores/acme/messages?since=\(since)", headers: store)
                #expect(reply.status == 422 && reply.body["errors"]?[0]?["path"] == "since", "since=\(since)")
            }
            for body in [#"{"since": 1e17}"#, #"{"since": "nan"}"#, #"{"since": -1e308}"#, #"{"since": "1e400"}"#] {
                let reply = try await call(.POST, "\(hub.url)/api/stores/acme/recover", raw: Array(body.utf8), headers: store)
                #expect(reply.status == 422, "\(body) answered \(reply.status)")
            }
            let beyond = try await call(.POST, "\(hub.url)/api/stores/acme/recover", raw: Array(#"{"since": 1e400}"#.utf8), headers: store)
            #expect(beyond.status == 422 && beyond.body["errors"]?[0]?["path"] == "since")

            let visitor = ConsoleTests.Visitor(base: hub.url)
            defer { Task { await visitor.shutdown() } }
            _ = try await visitor.go(.POST, "/console/sign-in", form: ["token": TestHub.adminToken, "next": "/console"])
            for path in ["messages", "notifications"] {
                let page = try await visitor.go(.GET, "/console/stores/acme/\(path)?page=9223372036854775807")
                #expect(page.status == 422 && page.html.contains("page"), "console \(path)")
            }
            try await Self.expectAlive(hub)
        }
    }

    /// An endpoint needs no token to answer `{"delay": 1e300}`; that once stored a date past
    /// year 9999 and made every later listing trap.
    @Test func anEndpointsHugeDelayFailsTheAttemptAndListingsKeepWorking() async throws {
        let receiver = Receiver { _, _ in (200, ["delay": 1e300, "update_url": "/later"]) }
        try await receiver.run { endpoint in
            try await TestHub.run { hub in
                try await hub.addMapping(["name": "far", "messages": ["order:new"], "url": .string("\(endpoint)/far")])
                let bad = try await call(
                    .POST,
                    "\(hub.url)/api/stores/acme/mappings",
                    json: [
                        "name": "far2", "messages": ["order:new"], "url": .string("\(endpoint)/far2"), "options": ["retry_schedule": [1e300]],
                    ],
                    headers: hub.admin
                )
                #expect(bad.status == 422 && bad.body["errors"]?[0]?["path"] == "options.retry_schedule.0")
                let id = try #require(
                    try await hub.push(["message": "order:new", "payload": ["order": ["number": "R1"]]]).body["message_id"]?.stringValue
                )
                #expect(try await eventually { try await hub.message(id)["state"] == "failing" })
                let detail = try await hub.message(id)
                let error = detail["deliveries"]?[0]?["last_error"]?.stringValue ?? ""
                #expect(error.contains("delay"), "\(error)")
                try await Self.expectAlive(hub)
            }
        }
    }

    @Test func anUpdateURLOutsideHTTPIsNeverFollowed() async throws {
        let receiver = Receiver { _, _ in (200, ["delay": 0, "update_url": "http+unix://%2Ftmp%2Fintegrator.sock/steal"]) }
        try await receiver.run { endpoint in
            try await TestHub.run { hub in
                try await hub.addMapping(["name": "sock", "messages": ["order:new"], "url": .string("\(endpoint)/sock"), "token": "secret"])
                let id = try #require(
                    try await hub.push(["message": "order:new", "payload": ["order": ["number": "R2"]]]).body["message_id"]?.stringValue
                )
                #expect(try await eventually { try await hub.message(id)["state"] == "failing" })
                let delivery = try await hub.message(id)["deliveries"]?[0]
                #expect(delivery?["last_error"]?.stringValue?.contains("update_url") == true)
                #expect(delivery?["update_url"]?.stringValue?.hasPrefix("http://") != false)
                try await Self.expectAlive(hub)
            }
        }
    }

    @Test(arguments: TestBackend.all) func aBodyCutShortOrOverTheCapFailsTheAttemptAndAppliesNothing(backend: TestBackend) async throws {
        for script: ScriptedEndpoint.Script in [.cutBody, .oversized(bytes: 5 << 20)] {
            let endpoint = ScriptedEndpoint(script)
            try await endpoint.run { url in
                try await TestHub.run(backend: backend) { hub in
                    try await hub.addMapping(["name": "broken", "messages": ["order:new"], "url": .string("\(url)/x"), "timeout": 10])
                    let id = try #require(
                        try await hub.push(["message": "order:new", "payload": ["order": ["number": "R3"]]]).body["message_id"]?.stringValue
                    )
                    #expect(try await eventually { try await hub.message(id)["state"] == "failing" }, "\(script)")
                    let detail = try await hub.message(id)
                    let error = detail["deliveries"]?[0]?["last_error"]?.stringValue ?? ""
                    #expect(error.contains("cut short") || error.contains("larger than"), "\(error)")
                    #expect(detail["children"]?.arrayValue?.isEmpty != false)
                    #expect(try await hub.messages("message=order:new")["count"] == 1)
                    let parameters = try await call(.GET, "\(hub.url)/api/stores/acme/parameters", headers: hub.admin).body
                    #expect(!parameters.jsonString.contains("\"cut\""))
                    try await Self.expectAlive(hub)
                }
            }
        }
    }

    /// Sixty-four deliveries of one store stall their response bodies; a second store's message
    /// is still delivered within a second, and the stalled attempts end at their timeout.
    @Test(arguments: TestBackend.all) func stalledBodiesOfOneStoreDoNotHoldUpAnother(backend: TestBackend) async throws {
        let staller = ScriptedEndpoint(.stallBody)
        let receiver = Receiver()
        try await staller.run { stallURL in
            try await receiver.run { endpoint in
                try await TestHub.run(backend: backend) { hub in
                    try await hub.addMapping(["name": "slow", "messages": ["order:new"], "url": .string("\(stallURL)/slow"), "timeout": 3])
                    let batch: JSONValue = .array((0..<64).map { ["message": "order:new", "payload": ["order": ["number": .string("S\($0)")]]] })
                    #expect(try await hub.push(batch).status == 202)
                    #expect(try await eventually(5) { staller.requests >= Mapping.defaultMaxInFlight })

                    let other = try await call(
                        .POST,
                        "\(hub.url)/api/stores",
                        json: ["id": "other", "name": "Other", "token": "other-store-token-0123456789"],
                        headers: hub.admin
                    )
                    #expect(other.status == 201)
                    let mapped = try await call(
                        .POST,
                        "\(hub.url)/api/stores/other/mappings",
                        json: [
                            "name": "fast", "messages": ["order:new"], "url": .string("\(endpoint)/fast"),
                        ],
                        headers: hub.admin
                    )
                    #expect(mapped.status == 201)
                    let started = ContinuousClock.now
                    let pushed = try await call(
                        .POST,
                        "\(hub.url)/events",
                        json: ["message": "order:new", "payload": ["order": ["number": "F1"]]],
                        headers: [
                            "X-Hub-Store": "other", "X-Hub-Access-Token": "other-store-token-0123456789",
                        ]
                    )
                    #expect(pushed.status == 202)
                    #expect(try await eventually(1) { !receiver.received(path: "/fast").isEmpty })
                    #expect(ContinuousClock.now - started < .seconds(1))

                    // The stalled attempts end at their 3 s timeout as failures that say so.
                    #expect(try await eventually(10) { (try await hub.messages("state=failing&per_page=100")["count"]?.numberValue ?? 0) >= 16 })
                    let first = try #require(try await hub.messages("state=failing&per_page=1")["messages"]?[0]?["message_id"]?.stringValue)
                    let error = try await hub.message(first)["deliveries"]?[0]?["last_error"]?.stringValue ?? ""
                    #expect(error.contains("within the mapping's timeout of 3.0 s"), "\(error)")
                    try await Self.expectAlive(hub)
                }
            }
        }
    }

    /// A mapping pointed at the hub's own push API once turned one push into thousands of
    /// messages; the hop header ends the chain at the depth limit.
    @Test(arguments: TestBackend.all) func aMappingThatDeliversToTheHubItselfEndsAtTheDepthLimit(backend: TestBackend) async throws {
        try await TestHub.run(backend: backend) { hub in
            try await hub.addMapping([
                "name": "loop", "messages": ["order:new"], "url": .string("\(hub.url)/api/stores/acme/messages"),
                "token": .string(TestHub.storeToken),
                "options": ["retries_allowed": false],
            ])
            _ = try await hub.push(["message": "order:new", "payload": ["order": ["number": "LOOP"]]])
            // Every hop stores a message (the hub answers 201, not the 200 a delivery needs, so each
            // delivery also parks): depths 0 to 10, then a 422 naming the hop limit.
            #expect(try await eventually(15) { try await hub.messages("state=parked")["count"] == 11 })
            let count = try await hub.messages("message=order:new")["count"]?.numberValue ?? 0
            #expect(count == 11, "\(count) messages")
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await hub.messages("message=order:new")["count"]?.numberValue == count)
            let parked = try #require(try await hub.messages("state=parked")["messages"]?[0]?["message_id"]?.stringValue)
            let error = try await hub.message(parked)["deliveries"]?[0]?["last_error"]?.stringValue ?? ""
            #expect(error.contains("422") && error.contains("past the limit"), "\(error)")
            let refused = try await call(
                .POST,
                "\(hub.url)/events",
                json: ["message": "order:new", "payload": ["order": ["number": "X"]]],
                headers: hub.pusher.merging(["X-Integrator-Hops": "11"]) { _, new in new }
            )
            #expect(refused.status == 422 && refused.body["errors"]?[0]?["path"] == "X-Integrator-Hops")
            try await Self.expectAlive(hub)
        }
    }

    /// `^(a+)+$` once held a push for 29 s; now its evaluation is cut off at the match budget.
    @Test func aCatastrophicRegularExpressionCannotStallPushes() async throws {
        try await TestHub.run { hub in
            try await hub.addMapping([
                "name": "redos", "messages": ["order:new"], "url": "http://127.0.0.1:9/x",
                "filters": [["path": "payload.order.line_items.*.sku", "operator": "match", "value": "^(a+)+$", "match_rule": "any"]],
            ])
            let items: [JSONValue] = (0..<50).map { _ in ["sku": .string(String(repeating: "a", count: 36) + "!")] }
            let started = ContinuousClock.now
            let reply = try await hub.push(["message": "order:new", "payload": ["order": ["number": "RX", "line_items": .array(items)]]])
            #expect(reply.status == 202)
            #expect(ContinuousClock.now - started < .seconds(5))
            let id = try #require(reply.body["message_id"]?.stringValue)
            #expect(try await hub.message(id)["state"] == "skipped")
            try await Self.expectAlive(hub)
        }
    }

    @Test func aLargeBadBodyGetsABoundedList() async throws {
        try await TestHub.run { hub in
            let batch: JSONValue = .array((0..<5000).map { _ in ["message": "order:new", "payload": ["order": ["email": "x"]]] })
            let reply = try await hub.push(batch)
            #expect(reply.status == 422)
            let errors = reply.body["errors"]?.arrayValue ?? []
            #expect(errors.count == APIError.maximumProblems + 1)
            #expect(errors.last?["problem"]?.stringValue?.contains("4900 more") == true)
            try await Self.expectAlive(hub)
        }
    }

    @Test func inputIsKeptExactlyOrRefusedByPath() async throws {
        try await TestHub.run { hub in
            let prefix = Array(#"{"message":"order:new","payload":{"order":{"number":"R"#.utf8)
            let utf8 = try await call(.POST, "\(hub.url)/events", raw: prefix + [0xFF, 0xFE] + Array(#""}}}"#.utf8), headers: hub.pusher)
            #expect(utf8.status == 400 && utf8.body["error"]?.stringValue?.contains("UTF-8 at byte \(prefix.count)") == true, "\(utf8.body)")
            for number in ["1e400", String(repeating: "7", count: 10_000), "18446744073709551616"] {
                let body = #"{"message":"order:new","payload":{"order":{"number":"R1","total":"# + number + "}}}"
                let reply = try await call(.POST, "\(hub.url)/events", raw: Array(body.utf8), headers: hub.pusher)
                #expect(reply.status == 422 && reply.body["errors"]?[0]?["path"] == "payload.order.total", "\(number.prefix(20))")
            }
            let exact = #"{"message":"order:new","payload":{"order":{"number":"R1","total":19.99,"big":9223372036854775807,"tiny":0.000001}}}"#
            let kept = try await call(.POST, "\(hub.url)/events", raw: Array(exact.utf8), headers: hub.pusher)
            let stored = try await hub.message(try #require(kept.body["message_id"]?.stringValue))
            #expect(stored["payload"]?["order"]?["total"] == 19.99)
            #expect(stored["payload"]?["order"]?["big"] == .int(Int64.max))
            #expect(stored["payload"]?["order"]?["tiny"] == 0.000001)
            try await Self.expectAlive(hub)
        }
    }

    @Test func storeIDsAndTokensAreUnambiguous() async throws {
        try await TestHub.run { hub in
            for id in [".", "..", ".hidden", "-x", "_x"] {
                let reply = try await call(.POST, "\(hub.url)/api/stores", json: ["id": .string(id), "name": "x"], headers: hub.admin)
                #expect(reply.status == 422 && reply.body["errors"]?[0]?["path"] == "id", "\(id)")
            }
            let shared = try await call(
                .POST,
                "\(hub.url)/api/stores",
                json: ["id": "twin", "name": "Twin", "token": .string(TestHub.storeToken)],
                headers: hub.admin
            )
            #expect(shared.status == 422 && shared.body["errors"]?[0]?["path"] == "token")
            let admin = try await call(
                .POST,
                "\(hub.url)/api/stores",
                json: ["id": "boss", "name": "Boss", "token": .string(TestHub.adminToken)],
                headers: hub.admin
            )
            #expect(admin.status == 422 && admin.body["errors"]?[0]?["problem"]?.stringValue?.contains("admin token") == true)
            // An unknown store and a wrong token get the very same answer.
            let unknown = try await call(
                .POST,
                "\(hub.url)/events",
                json: ["message": "order:new"],
                headers: ["X-Hub-Store": "nope", "X-Hub-Access-Token": "wrong-token-0123456789"]
            )
            let wrong = try await call(
                .POST,
                "\(hub.url)/events",
                json: ["message": "order:new"],
                headers: ["X-Hub-Store": "acme", "X-Hub-Access-Token": "wrong-token-0123456789"]
            )
            #expect(unknown.status == 401 && wrong.status == 401 && unknown.body == wrong.body)
            try await Self.expectAlive(hub)
        }
    }
}
