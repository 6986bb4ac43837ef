import Foundation
import Hummingbird
import IntegratorModel
import IntegratorServer
import IntegratorStore
import IntegratorTestSupport
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// What endpoints written on Spree's endpoint_base read, checked by exact name as endpoint_base
/// reads it: prefixed manifest parameters, `store_id` in both forms, Wombat's v6 headers and the
/// v6 body field for field.
@Suite(.serialized) struct EndpointBaseCompatibilityTests {
    /// A 2013 manifest in amazon_endpoint's style: bare parameter names, one already prefixed.
    static let manifest: JSONValue = [
        "name": "amazon", "display": "Amazon",
        "services": [
            [
                "name": "import_orders", "path": "/import", "description": "Orders from Amazon",
                "requires": [
                    "parameters": [
                        ["name": "aws_access_key", "data_type": "string"], ["name": "seller_id", "data_type": "string"],
                        ["name": "spree.api_url", "data_type": "string"],
                    ]
                ],
                "recommends": ["messages": ["order:new"]],
            ]
        ],
    ]

    @Test(arguments: TestBackend.all) func aBareNameManifestsParametersGetTheIntegrationsPrefix(backend: TestBackend) async throws {
        // An endpoint on a real port: serves `endpoint.json` and records every POST.
        let log = Locked<[Receiver.Received]>([])
        let router = Router()
        router.get("/endpoint.json") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: Array(Self.manifest.encoded())))
            )
        }
        router.post("**") { request, _ -> Response in
            var request = request
            let buffer = try await request.collectBody(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let received = Receiver.Received(
                path: request.uri.path,
                headers: headers,
                body: (try? JSONValue.parse(buffer.readableBytesView)) ?? .null,
                rawBody: Array(buffer.readableBytesView)
            )
            log.update { $0.append(received) }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        var logger = Logger(label: "endpoint")
        logger.logLevel = .warning
        try await withServer { onRunning in
            Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: onRunning, logger: logger)
        } body: { port in
            let endpoint = "http://127.0.0.1:\(port)"
            try await TestHub.run(backend: backend) { hub in
                let registered = try await call(
                    .POST,
                    "\(hub.url)/api/stores/acme/integrations",
                    json: ["url": .string(endpoint), "token": "amazon-endpoint-token"],
                    headers: hub.admin
                )
                #expect(registered.status == 201, "\(registered.body)")
                #expect(registered.body["parameters_to_fill"] == ["amazon.aws_access_key", "amazon.seller_id", "spree.api_url"])
                #expect(registered.body["mappings"]?[0]?["parameters"] == ["amazon.*", "spree.api_url"])
                let stored = try await call(.GET, "\(hub.url)/api/stores/acme/parameters", headers: hub.admin).body
                #expect(
                    stored["parameters"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == [
                        "amazon.aws_access_key", "amazon.seller_id", "spree.api_url",
                    ]
                )
                for (name, value) in [("amazon.aws_access_key", "AKIA0001"), ("amazon.seller_id", "SELLER7"), ("spree.api_url", "http://shop/api/")] {
                    let put = try await call(
                        .PUT,
                        "\(hub.url)/api/stores/acme/parameters/\(name)",
                        json: ["value": .string(value)],
                        headers: hub.admin
                    )
                    #expect(put.status == 200)
                }
                let pushed = try await hub.push(["message": "order:new", "payload": ["order": ["number": "R1"]]])
                #expect(pushed.status == 202)
                #expect(try await eventually { log.value.count == 1 })
                let sent = try #require(log.value.first)
                // Read as endpoint_base reads them: by exact name, in a list.
                let names = sent.body["payload"]?["parameters"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
                #expect(names == ["store_id", "amazon.aws_access_key", "amazon.seller_id", "spree.api_url"])
                let byName = Dictionary(
                    (sent.body["payload"]?["parameters"]?.arrayValue ?? []).map { ($0["name"]?.stringValue ?? "", $0["value"] ?? .null) },
                    uniquingKeysWith: { first, _ in first }
                )
                #expect(byName["amazon.seller_id"] == "SELLER7")
                #expect(byName["amazon.aws_access_key"] == "AKIA0001")
                #expect(byName["store_id"] == "acme")
                #expect(sent.body["store_id"] == "acme")
                #expect(sent.headers["x-augury-token"] == "amazon-endpoint-token")
            }
        }
    }

    @Test func integrationsRegisteredBeforeThePrefixAreMigratedAtStart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("integrator-migrate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var settings = HubConfiguration()
        settings.database = "sqlite:" + directory.appendingPathComponent("hub.sqlite").path
        settings.adminToken = TestHub.adminToken
        // What an earlier hub left: bare parameters, a mapping naming them, the manifest kept.
        try await TestHub.serve(settings) { hub in
            for (name, value) in [("aws_access_key", "AKIA0001"), ("seller_id", "SELLER7"), ("other", "kept")] {
                _ = try await call(.PUT, "\(hub.url)/api/stores/acme/parameters/\(name)", json: ["value": .string(value)], headers: hub.admin)
            }
            try await hub.addMapping([
                "name": "amazon.import_orders", "messages": ["order:new"], "url": "http://127.0.0.1:9/import", "integration": "amazon",
                "parameters": ["amazon.*", "aws_access_key", "seller_id", "spree.api_url"],
            ])
            try await hub.addMapping(["name": "mine", "messages": ["order:new"], "url": "http://127.0.0.1:9/mine", "parameters": ["other"]])
            try await hub.hub.database.saveIntegration(
                storeID: "acme",
                id: "amazon",
                record: ["id": "amazon", "name": "amazon", "url": "http://127.0.0.1:9", "services": Self.manifest["services"] ?? []],
                at: Date()
            )
        }
        for _ in 0..<2 {  // a second start changes nothing
            try await TestHub.serve(settings) { hub in
                let stored = try await call(.GET, "\(hub.url)/api/stores/acme/parameters", headers: hub.admin).body
                let names = stored["parameters"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
                #expect(names == ["amazon.aws_access_key", "amazon.seller_id", "other"])
                #expect(stored["parameters"]?.arrayValue?.first { $0["name"] == "amazon.seller_id" }?["value"] == "SELLER7")
                let mapping = try await call(.GET, "\(hub.url)/api/stores/acme/mappings/amazon.import_orders", headers: hub.admin).body
                #expect(mapping["parameters"] == ["amazon.*", "spree.api_url"], "\(mapping)")
                let mine = try await call(.GET, "\(hub.url)/api/stores/acme/mappings/mine", headers: hub.admin).body
                #expect(mine["parameters"] == ["other"])
            }
        }
    }

    @Test(arguments: TestBackend.all) func v6DeliveriesCarryWombatsHeadersAndExactlyTheObject(backend: TestBackend) async throws {
        let receiver = Receiver { request, _ in (200, ["request_id": request.body["request_id"] ?? nil]) }
        try await receiver.run { endpoint in
            try await TestHub.run(backend: backend) { hub in
                _ = try await call(.PUT, "\(hub.url)/api/stores/acme/parameters/wombat.key", json: ["value": "k1"], headers: hub.admin)
                try await hub.addMapping([
                    "name": "wombat", "messages": ["order:new", "order:updated", "hub:poll"], "url": .string("\(endpoint)/v6"),
                    "token": "hub-token-v6",
                    "protocol": "v6", "parameters": ["wombat.*"],
                ])
                // Change detection's order:new carries `original` in its payload; v6 sends only the order.
                let order: JSONValue = ["id": 1, "number": "R100", "state": "complete", "email": "a@example.com"]
                let persisted = try await hub.push(["message": "order:persist", "payload": ["order": order]])
                #expect(persisted.status == 202)
                #expect(try await eventually { receiver.received(path: "/v6").count == 1 })
                let sent = try #require(receiver.received(path: "/v6").first)
                #expect(sent.headers["x-hub-token"] == "hub-token-v6")
                #expect(sent.headers["x-augury-token"] == "hub-token-v6")
                #expect(sent.headers["x-hub-store"] == "acme")
                #expect(Set(sent.body.objectValue?.keys.map { $0 } ?? []) == ["request_id", "parameters", "order"], "\(sent.body)")
                #expect(sent.body["parameters"] == ["wombat.key": "k1", "store_id": "acme"])
                #expect(sent.body["order"]?["number"] == "R100")
                #expect(sent.body["request_id"]?.stringValue?.isEmpty == false)

                // A poll carries no object: its payload's fields stay at the top level.
                _ = try await hub.push(["message": "hub:poll", "payload": ["target": "collections.orders"]])
                #expect(try await eventually { receiver.received(path: "/v6").count == 2 })
                let poll = try #require(receiver.received(path: "/v6").last)
                #expect(Set(poll.body.objectValue?.keys.map { $0 } ?? []) == ["request_id", "parameters", "target"], "\(poll.body)")
                #expect(poll.body["parameters"]?["store_id"] == "acme")
            }
        }
    }

    @Test func storeIDCannotBeSetAsAParameter() async throws {
        try await TestHub.run { hub in
            let reply = try await call(.PUT, "\(hub.url)/api/stores/acme/parameters/store_id", json: ["value": "other"], headers: hub.admin)
            #expect(reply.status == 422)
            #expect(reply.body["errors"]?[0]?["path"] == "name")
        }
    }
}
