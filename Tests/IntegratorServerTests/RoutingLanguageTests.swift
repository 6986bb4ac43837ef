import Foundation
import IntegratorModel
import IntegratorServer
import IntegratorTestSupport
import NIOHTTP1
import Testing

/// The routing language over real loopback HTTP: groups saved and enforced, "why did it
/// route?" for one mapping and for the store, and transforms delivered exactly.
@Suite(.serialized) struct RoutingLanguageTests {
    static let bigOrders: JSONValue = [
        "name": "big-orders", "messages": ["order:new"], "url": "http://127.0.0.1:9/big",
        "filters": [
            ["path": "payload.order.channel", "operator": "in", "value": ["AMAZON", "ebay"], "ignore_case": true],
            [
                "any": [
                    ["path": "payload.order.total", "operator": "gte", "value": 500],
                    ["path": "payload.order.vip", "operator": "exists", "value": true],
                ]
            ],
        ],
    ]

    @Test(arguments: TestBackend.all) func theExplainEndpointSaysWhichFilterRefusedAndWhatItSaw(backend: TestBackend) async throws {
        try await TestHub.run(backend: backend) { hub in
            try await hub.addMapping(Self.bigOrders)
            try await hub.addMapping(["name": "shipments", "messages": ["shipment:confirm"], "url": "http://127.0.0.1:9/ship"])
            let small: JSONValue = ["message": "order:new", "payload": ["order": ["number": "R1", "channel": "amazon", "total": 20]]]
            let refused = try await call(.POST, "\(hub.url)/api/stores/acme/mappings/big-orders/test", json: small, headers: hub.admin)
            #expect(refused.status == 200)
            #expect(refused.body["matches"] == false)
            #expect(refused.body["why"]?.stringValue?.hasPrefix("filters.1.any refused it") == true, "\(refused.body)")
            #expect(refused.body["filters"]?[0]?["reached"] == ["amazon"])
            #expect(refused.body["filters"]?[0]?["passed"] == true)
            #expect(refused.body["filters"]?[1]?["group"] == "any")
            #expect(refused.body["filters"]?[1]?["filters"]?[0]?["path"] == "payload.order.total")
            #expect(refused.body["filters"]?[1]?["filters"]?[0]?["reached"] == [20])
            #expect(refused.body["filters"]?[1]?["filters"]?[1]?["reached"] == [])

            let big: JSONValue = ["message": "order:new", "payload": ["order": ["number": "R2", "channel": "eBay", "total": 900]]]
            let passed = try await call(.POST, "\(hub.url)/api/stores/acme/mappings/big-orders/test", json: big, headers: hub.admin)
            #expect(passed.body["matches"] == true)
            #expect(passed.body["why"]?.stringValue?.contains("every filter passed") == true)

            // The store's view, with a store token: every mapping, and why.
            let store = try await call(.POST, "\(hub.url)/api/stores/acme/route-test", json: small, headers: ["X-Augury-Token": TestHub.storeToken])
            #expect(store.status == 200)
            let rows = store.body["mappings"]?.arrayValue ?? []
            #expect(rows.compactMap { $0["mapping"]?.stringValue } == ["big-orders", "shipments"])
            #expect(store.body["mappings"]?[1]?["matches"] == false)
            #expect(store.body["mappings"]?[1]?["why"]?.stringValue?.contains("does not take order:new") == true)

            // A stored message by id: the skipped one says the same.
            let pushed = try await hub.push(small)
            let id = try #require(pushed.body["message_id"]?.stringValue)
            let byID = try await call(.POST, "\(hub.url)/api/stores/acme/route-test", json: ["message_id": .string(id)], headers: hub.admin)
            #expect(byID.body["mappings"]?[0]?["why"] == refused.body["why"])
            #expect(try await hub.message(id)["state"] == "skipped")
            #expect(try await hub.message(id)["note"]?.stringValue?.contains("filters.1.any refused it") == true)

            // Bad requests name their problem.
            let bad = try await call(
                .POST,
                "\(hub.url)/api/stores/acme/route-test",
                json: ["message": "not a name!", "payload": 3],
                headers: hub.admin
            )
            #expect(bad.status == 422)
            #expect(Set(bad.body["errors"]?.arrayValue?.compactMap { $0["path"]?.stringValue } ?? []) == ["message", "payload"])
            let unknown = try await call(.POST, "\(hub.url)/api/stores/acme/mappings/nope/test", json: small, headers: hub.admin)
            #expect(unknown.status == 404)
            let missing = try await call(.POST, "\(hub.url)/api/stores/acme/route-test", json: ["message_id": "0000"], headers: hub.admin)
            #expect(missing.status == 404)
        }
    }

    @Test func badFiltersAndTransformsAreRefusedNamingTheirPath() async throws {
        try await TestHub.run { hub in
            let cases: [(JSONValue, String)] = [
                (["any": [["path": "payload.a", "operator": "about"]]], "filters.0.any.0.operator"),
                (["all": [["not": ["path": "payload.a", "operator": "sort-of"]]]], "filters.0.all.0.not.operator"),
                (["path": "payload.a", "operator": "eq", "value": 1, "weight": 2], "filters.0.weight"),
            ]
            for (filter, path) in cases {
                let reply = try await call(
                    .POST,
                    "\(hub.url)/api/stores/acme/mappings",
                    json: ["name": "m", "messages": ["order:new"], "url": "http://h/x", "filters": [filter]],
                    headers: hub.admin
                )
                #expect(reply.status == 422)
                #expect(reply.body["errors"]?.arrayValue?.compactMap { $0["path"]?.stringValue }.contains(path) == true, "\(reply.body)")
            }
            let transform = try await call(
                .POST,
                "\(hub.url)/api/stores/acme/mappings",
                json: [
                    "name": "m", "messages": ["order:new"], "url": "http://h/x",
                    "transform": ["paths": ["n": "payload.order.number"], "template": ["a": "<x>"]],
                ],
                headers: hub.admin
            )
            #expect(transform.status == 422)
            #expect(transform.body["errors"]?[0]?["path"] == "transform.template.a")
        }
    }

    @Test(arguments: TestBackend.all) func aTransformedDeliveryHasExactlyTheTemplatesShape(backend: TestBackend) async throws {
        let receiver = Receiver()
        try await receiver.run { endpoint in
            try await TestHub.run(backend: backend) { hub in
                _ = try await call(.PUT, "\(hub.url)/api/stores/acme/parameters/slack.channel", json: ["value": "#orders"], headers: hub.admin)
                try await hub.addMapping([
                    "name": "slack", "messages": ["order:new"], "url": .string("\(endpoint)/slack"), "parameters": ["slack.*"],
                    "transform": [
                        "paths": [
                            "number": "payload.order.number", "total": "payload.order.total", "skus": "payload.order.line_items.*.sku",
                            "gift": "payload.order.gift",
                        ],
                        "template": [
                            "text": "New order <number> for <total>", "order": "<number>", "items": "<skus>", "gift": "<gift>",
                            "fields": [["value": "<total>"]],
                        ],
                    ],
                ])
                let pushed = try await hub.push([
                    "message": "order:new",
                    "payload": ["order": ["number": "R9", "total": 42.5, "line_items": [["sku": "A"], ["sku": "B"]], "email": "x@example.com"]],
                ])
                let id = try #require(pushed.body["message_id"]?.stringValue)
                #expect(try await eventually { receiver.received(path: "/slack").count == 1 })
                let sent = try #require(receiver.received(path: "/slack").first)
                #expect(sent.body["message"] == "order:new")
                #expect(sent.body["message_id"]?.stringValue == id)
                #expect(
                    sent.body["payload"] == [
                        "text": "New order R9 for 42.5", "order": "R9", "items": ["A", "B"], "gift": nil, "fields": [["value": 42.5]],
                        "parameters": [["name": "store_id", "value": "acme"], ["name": "slack.channel", "value": "#orders"]],
                    ],
                    "\(sent.body)"
                )
                // The stored message keeps its own payload.
                #expect(try await hub.message(id)["payload"]?["order"]?["email"] == "x@example.com")
            }
        }
    }

    @Test func theConsoleShowsWhySkippedMessagesWereRefusedAndWhatATransformSends() async throws {
        try await TestHub.run { hub in
            try await hub.addMapping(Self.bigOrders)
            try await hub.addMapping([
                "name": "slack", "messages": ["order:new"], "url": "http://127.0.0.1:9/slack",
                "filters": [["path": "payload.order.total", "operator": "gt", "value": 1000]],
                "transform": ["paths": ["number": "payload.order.number"], "template": ["text": "Order <number>"]],
            ])
            let visitor = ConsoleTests.Visitor(base: hub.url)
            defer { Task { await visitor.shutdown() } }
            _ = try await visitor.go(.POST, "/console/sign-in", form: ["token": TestHub.adminToken, "next": "/console"])
            let skipped = try await hub.push(["message": "order:new", "payload": ["order": ["number": "R1", "channel": "amazon", "total": 20]]])
            let skippedID = try #require(skipped.body["message_id"]?.stringValue)
            let page = try await visitor.go(.GET, "/console/stores/acme/messages/\(skippedID)")
            #expect(page.status == 200)
            #expect(page.html.contains("refuses it") && page.html.contains("filters.1.any refused it"), "\(page.html)")
            #expect(page.html.contains("filters.0 refused it: payload.order.total reached 20"))

            let taken = try await hub.push(["message": "order:new", "payload": ["order": ["number": "R2", "channel": "ebay", "total": 5000]]])
            let takenID = try #require(taken.body["message_id"]?.stringValue)
            let inspector = try await visitor.go(.GET, "/console/stores/acme/messages/\(takenID)")
            #expect(inspector.html.contains("Sent as (the mapping&#39;s transform)") || inspector.html.contains("Sent as (the mapping's transform)"))
            #expect(inspector.html.contains("Order R2"))

            // The editor's "Try it" panel, over plain HTTP.
            _ = try await visitor.go(.GET, "/console/stores/acme/mappings/big-orders")
            let tried = try await visitor.go(
                .POST,
                "/console/stores/acme/mappings/big-orders/try",
                form: ["message": "order:new", "payload": #"{"order": {"channel": "Amazon", "total": 700}}"#]
            )
            #expect(tried.status == 200)
            #expect(tried.html.contains("It takes it"))
            let bad = try await visitor.go(.POST, "/console/stores/acme/mappings/big-orders/try", form: ["message": "order:new", "payload": "{nope"])
            #expect(bad.status == 400)
        }
    }
}
