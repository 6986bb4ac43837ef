import EndpointKit
import Foundation
import Hummingbird
import IntegratorModel
import IntegratorServer
import IntegratorTestSupport
import Logging
import NIOHTTP1
import SpreeEndpoint
import SpreeStore
import Testing

/// Integrations registered from an endpoint's manifest: the Spree endpoint's own.
@Suite(.serialized) struct IntegrationTests {
    @Test(arguments: TestBackend.all)
    func theSpreeEndpointRegistersFromItsManifestAndItsMappingsWork(backend: TestBackend) async throws {
        let database = try SpreeDatabase(path: ":memory:", version: .v2_0)
        await database.ensureAdmin(apiKey: "admin-key")
        await database.loadSample()
        let api = await SpreeAPI(database: database)
        var logger = Logger(label: "spree")
        logger.logLevel = .warning
        let endpoint = SpreeEndpoint.make(key: "ep-key-0123456789", http: testClient)
        try await withServer { onRunning in
            Application(
                router: api.router(),
                configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: onRunning,
                logger: logger
            )
        } body: { storePort in
            try await withServer { onRunning in
                Application(
                    router: endpoint.router(),
                    configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                    onServerRunning: onRunning,
                    logger: logger
                )
            } body: { endpointPort in
                try await TestHub.run(backend: backend) { hub in
                    let integrations = "\(hub.url)/api/stores/acme/integrations"
                    let registered = try await call(
                        .POST,
                        integrations,
                        json: ["url": .string("http://127.0.0.1:\(endpointPort)"), "token": "ep-key-0123456789"],
                        headers: hub.admin
                    )
                    #expect(registered.status == 201, "\(registered.body)")
                    #expect(registered.body["name"] == "spree")
                    let names = Set(registered.body["mappings"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? [])
                    #expect(
                        names == [
                            "spree.collections_poll", "spree.order_lock", "spree.order_import", "spree.payment_capture", "spree.shipment_confirm",
                            "spree.stock_change", "spree.stock_actual",
                        ]
                    )
                    let blanks = Set(registered.body["parameters_to_fill"]?.arrayValue?.compactMap(\.stringValue) ?? [])
                    #expect(blanks.isSuperset(of: ["spree.api_url", "spree.api_key", "spree.api_version"]))
                    #expect(try await call(.GET, "\(hub.url)/api/stores/acme/parameters/spree.api_url", headers: hub.admin).body["value"] == "")

                    // Fill the blanks; the default mappings then work.
                    for (name, value) in [
                        ("spree.api_url", "http://127.0.0.1:\(storePort)/api/"), ("spree.api_key", "admin-key"), ("spree.api_version", "2.0"),
                    ] {
                        _ = try await call(.PUT, "\(hub.url)/api/stores/acme/parameters/\(name)", json: ["value": .string(value)], headers: hub.admin)
                    }
                    _ = try await hub.push(["message": "stock:change", "payload": ["sku": "RUB-00001", "quantity": 5]])
                    let variant = try #require(await database.allVariants().first { $0.sku == "RUB-00001" })
                    #expect(try await eventually { await database.countOnHand(variantID: variant.id) == 30 })
                    let imported = try await hub.push([
                        "message": "order:import",
                        "payload": [
                            "order": [
                                "number": "AMZ-9", "email": "nine@example.com", "status": "complete",
                                "line_items": [["sku": "DEF-123", "quantity": 1]],
                            ]
                        ],
                    ])
                    #expect(try await eventually { await database.allOrders().contains { $0.email == "nine@example.com" } })
                    #expect(try await eventually { try await hub.message(imported.body["message_id"]!.stringValue!)["state"] == "completed" })

                    // The poller's objects go through change detection: a second poll of the same page yields nothing new.
                    let completeOrders = await database.allOrders().filter { $0.completedAt != nil }.count
                    _ = try await hub.push(["message": "hub:poll", "payload": ["target": "collections.orders"]])
                    #expect(try await eventually { try await hub.messages("message=order:new")["count"]?.numberValue == Double(completeOrders) })
                    let firstPersists = try await hub.messages("message=order:persist")["count"]?.numberValue ?? 0
                    _ = try await hub.push(["message": "hub:poll", "payload": ["target": "collections.orders"]])
                    #expect(try await eventually { (try await hub.messages("message=order:persist")["count"]?.numberValue ?? 0) > firstPersists })
                    try await Task.sleep(for: .milliseconds(300))
                    #expect(try await hub.messages("message=order:new")["count"]?.numberValue == Double(completeOrders))
                    #expect(try await hub.messages("message=order:updated")["count"] == 0)

                    // Disabling the integration keeps its required poller on; the poller cannot be deleted.
                    let disabled = try await call(.PUT, "\(integrations)/spree/disable_mappings", headers: hub.admin).body
                    #expect(disabled["required_kept_enabled"] == ["spree.collections_poll"])
                    #expect(disabled["disabled"]?.arrayValue?.count == 6)
                    let mappings = try await call(.GET, "\(hub.url)/api/stores/acme/mappings", headers: hub.admin).body["mappings"]?.arrayValue ?? []
                    #expect(mappings.filter { $0["enabled"] == true }.compactMap { $0["name"]?.stringValue } == ["spree.collections_poll"])
                    #expect(try await call(.DELETE, "\(hub.url)/api/stores/acme/mappings/spree.collections_poll", headers: hub.admin).status == 422)
                    let enabled = try await call(.PUT, "\(integrations)/spree/enable_mappings", headers: hub.admin).body
                    #expect(enabled["enabled"]?.arrayValue?.count == 6)
                    #expect(try await call(.GET, integrations, headers: hub.admin).body["integrations"]?[0]?["display"] == "Spree")
                }
            }
        }
    }

    @Test func aBadManifestIsRefusedNamingItsProblems() async throws {
        let receiver = Receiver()
        let router = Router()
        router.get("/endpoint.json") { _, _ -> Response in
            let body: JSONValue = ["name": "Bad Name", "services": [["name": "s", "path": "nope", "recommends": ["messages": []]]]]
            return Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: Array(body.encoded())))
            )
        }
        _ = receiver
        try await withServer { onRunning in
            Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: onRunning)
        } body: { port in
            try await TestHub.run { hub in
                let bad = try await call(
                    .POST,
                    "\(hub.url)/api/stores/acme/integrations",
                    json: ["url": .string("http://127.0.0.1:\(port)"), "token": "t"],
                    headers: hub.admin
                )
                #expect(bad.status == 422)
                #expect(
                    Set(bad.body["errors"]?.arrayValue?.compactMap { $0["path"]?.stringValue } ?? []) == [
                        "manifest.name", "manifest.services.0.path", "manifest.services.0.recommends.messages",
                    ]
                )
                let unreachable = try await call(
                    .POST,
                    "\(hub.url)/api/stores/acme/integrations",
                    json: ["url": "http://127.0.0.1:9", "token": "t"],
                    headers: hub.admin
                )
                #expect(unreachable.status == 422)
                #expect(unreachable.body["errors"]?[0]?["problem"]?.stringValue?.contains("could not be reached") == true)
                #expect(try await call(.GET, "\(hub.url)/api/stores/acme/mappings", headers: hub.admin).body["mappings"] == [])
            }
        }
    }
}
