import Foundation
import Hummingbird
import IntegratorModel
import IntegratorTestSupport
import Logging
import NIOHTTP1
import SpreeStore
import Testing

/// A simulator on a loopback port with the sample shop, for the length of `body`.
func withSimulator<T>(_ version: SpreeVersion, lockable: Bool = true, _ body: (String, SpreeDatabase) async throws -> T) async throws -> T {
    let database = try SpreeDatabase(path: ":memory:", version: version)
    await database.ensureAdmin(apiKey: "admin-key")
    await database.loadSample()
    let api = await SpreeAPI(database: database, lockable: lockable)
    var logger = Logger(label: "spree-store")
    logger.logLevel = .warning
    return try await withServer { onRunning in
        Application(router: api.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: onRunning, logger: logger)
    } body: { port in
        try await body("http://127.0.0.1:\(port)/api/", database)
    }
}

let admin = ["X-Spree-Token": "admin-key"]

/// The simulator answers as reference/spree-api.md says Spree 1.3 and 2.0 did.
@Suite struct SimulatorTests {
    @Test(arguments: SpreeVersion.allCases)
    func keysAreCheckedWithSpreesErrorBodies(version: SpreeVersion) async throws {
        try await withSimulator(version) { api, _ in
            let none = try await call(.GET, api + "orders")
            if version == .v1_3 {
                #expect(none.status == 401)
                #expect(none.body == ["error": "You must specify an API key."])
            } else {
                // 2.0 lets anonymous callers in, as non-admins.
                #expect(none.status == 401)
                #expect(none.body == ["error": "You are not authorized to perform that action."])
            }
            let wrong = try await call(.GET, api + "orders", headers: ["X-Spree-Token": "fake_key"])
            #expect(wrong.status == 401)
            #expect(wrong.body == ["error": "Invalid API key (fake_key) specified."])
            let param = try await call(.GET, api + "orders?token=admin-key")
            #expect(param.status == 200)
            let missing = try await call(.GET, api + "orders/R000000000", headers: admin)
            #expect(missing.status == 404)
            #expect(missing.body == ["error": "The resource you were looking for could not be found."])
        }
    }

    @Test(arguments: SpreeVersion.allCases)
    func listsUseThePaginationEnvelope(version: SpreeVersion) async throws {
        try await withSimulator(version) { api, _ in
            let all = try await call(.GET, api + "orders", headers: admin).body
            #expect(all["current_page"] == 1)
            #expect(all["count"] == 6)
            #expect(all["pages"] == 1)
            let paged = try await call(.GET, api + "orders?per_page=4&page=2", headers: admin).body
            #expect(paged["count"] == 2)
            #expect(paged["current_page"] == "2")  // echoed as sent, a string over HTTP
            #expect(paged["pages"] == 2)
            let bad = try await call(.GET, api + "orders?per_page=0&page=-1", headers: admin).body
            #expect(bad["count"] == 6)
            let variants = try await call(.GET, api + "variants?per_page=1&page=2", headers: admin).body
            #expect(variants["current_page"] == 2)
            #expect(variants["total_count"]?.numberValue ?? 0 > 1)
        }
    }

    @Test(arguments: SpreeVersion.allCases)
    func decimalsAreStringsAndTimesHaveMilliseconds(version: SpreeVersion) async throws {
        try await withSimulator(version) { api, _ in
            let order = try await call(.GET, api + "orders", headers: admin).body["orders"]?[0]
            #expect(order?["total"]?.stringValue != nil)
            #expect(order?["item_total"]?.stringValue?.contains(".") == true)
            let stamp = order?["updated_at"]?.stringValue ?? ""
            #expect(stamp.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#, options: .regularExpression) != nil, "\(stamp)")
            // 1.3 orders lack ship_total, token and currency; 2.0 has them.
            #expect((order?["currency"] != nil) == (version == .v2_0))
        }
    }

    @Test(arguments: SpreeVersion.allCases)
    func captureFollowsThePaymentStateMachine(version: SpreeVersion) async throws {
        try await withSimulator(version) { api, database in
            let orders = await database.allOrders()
            let checkout = try #require(orders.first { $0.payments.first?.state == "checkout" && $0.completedAt != nil })
            let void = try #require(orders.first { $0.payments.first?.state == "void" })
            let done = try await call(.PUT, api + "orders/\(checkout.number)/payments/\(checkout.payments[0].id)/capture", headers: admin)
            #expect(done.status == 200)
            #expect(done.body["state"] == "completed")
            let again = try await call(.PUT, api + "orders/\(checkout.number)/payments/\(checkout.payments[0].id)/capture", headers: admin)
            #expect(again.status == 200)
            let refused = try await call(.PUT, api + "orders/\(void.number)/payments/\(void.payments[0].id)/capture", headers: admin)
            #expect(refused.status == 422)
            #expect(refused.body["exception"]?.stringValue?.hasPrefix("Cannot transition state via :started_processing from :void") == true)
            let nobody = try await call(.GET, api + "orders/R000000000/payments", headers: admin)
            #expect(nobody.status == 422)
            #expect(nobody.body["exception"] == "undefined method `payments' for nil:NilClass")
            // Payments touch their order.
            #expect(await database.order(number: checkout.number)!.updatedAt > checkout.updatedAt)
        }
    }

    @Test(arguments: SpreeVersion.allCases)
    func shipmentsShipOnlyWhenReady(version: SpreeVersion) async throws {
        try await withSimulator(version) { api, database in
            let orders = await database.allOrders()
            let unpaid = try #require(orders.first { $0.payments.first?.state == "pending" })
            let ready = try #require(orders.first { $0.shipments.first?.state == "ready" })
            let early = try await call(.PUT, api + "orders/\(unpaid.number)/shipments/\(unpaid.shipments[0].number)/ship", headers: admin)
            #expect(early.status == 422)
            #expect(early.body["exception"]?.stringValue?.contains("Cannot transition state via :ship from :pending") == true)
            let cannotReady = try await call(.PUT, api + "orders/\(unpaid.number)/shipments/\(unpaid.shipments[0].number)/ready", headers: admin)
            #expect(cannotReady.body == ["error": "Cannot ready shipment."])
            let shipped = try await call(
                .PUT,
                api + "orders/\(ready.number)/shipments/\(ready.shipments[0].number)/ship",
                json: ["shipment": ["tracking": "1Z"]],
                headers: admin
            )
            #expect(shipped.status == 200)
            #expect(shipped.body["state"] == "shipped")
            #expect(shipped.body["tracking"] == "1Z")
            #expect(shipped.body["order_id"]?.stringValue == ready.number)
        }
    }

    @Test func stockItemsAddOrSetWithForce() async throws {
        try await withSimulator(.v2_0) { api, database in
            let variant = try #require(await database.allVariants().first { $0.sku == "ABC-123" })
            let items = try await call(.GET, api + "stock_locations/1/stock_items?q[variant_id_eq]=\(variant.id)", headers: admin).body
            let item = try #require(items["stock_items"]?[0])
            #expect(item["count_on_hand"] == 6)
            let id = Int(item["id"]!.numberValue!)
            let added = try await call(.PUT, api + "stock_locations/1/stock_items/\(id)", json: ["stock_item": ["count_on_hand": 40]], headers: admin)
            #expect(added.body["count_on_hand"] == 46)
            let forced = try await call(
                .PUT,
                api + "stock_locations/1/stock_items/\(id)",
                json: ["stock_item": ["count_on_hand": 40, "force": "false"]],
                headers: admin
            )
            #expect(forced.body["count_on_hand"] == 40)
            let negative = try await call(
                .PUT,
                api + "stock_locations/1/stock_items/\(id)",
                json: ["stock_item": ["count_on_hand": -50]],
                headers: admin
            )
            #expect(negative.body["count_on_hand"] == -10)
        }
    }

    @Test func version13SetsOnHandOnTheVariant() async throws {
        try await withSimulator(.v1_3) { api, database in
            let variant = try #require(await database.allVariants().first { $0.sku == "ABC-123" })
            let product = try #require(await database.product(id: variant.productID))
            let found = try await call(.GET, api + "variants?q[sku_eq]=ABC-123", headers: admin).body
            #expect(found["variants"]?[0]?["count_on_hand"] == 6)
            let set = try await call(
                .PUT,
                api + "products/\(product.permalink)/variants/\(variant.id)",
                json: ["variant": ["on_hand": 26]],
                headers: admin
            )
            #expect(set.body["count_on_hand"] == 26)
            #expect(try await call(.GET, api + "stock_locations", headers: admin).status == 404)
        }
    }

    @Test(arguments: SpreeVersion.allCases)
    func theHubConnectorListsCollectionsAndPagesThemSince(version: SpreeVersion) async throws {
        try await withSimulator(version) { api, database in
            let index = try await call(.GET, api + "integrator?message=hub:poll", headers: admin).body
            let names = index["collections"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(names.count == (version == .v2_0 ? 7 : 5))
            #expect(names.contains("taxons") == (version == .v2_0))
            let orders = try await call(.GET, api + "integrator/orders?since=2000-01-01T00:00:00Z&page=1&per_page=2", headers: admin).body
            #expect(orders["count"] == 2)
            #expect(orders["current_page"] == "1")
            #expect(orders["pages"] == 3)
            let stamps = orders["orders"]?.arrayValue?.compactMap { $0["updated_at"]?.stringValue } ?? []
            #expect(stamps == stamps.sorted())
            #expect(orders["orders"]?[0]?["ship_address"] != nil)
            #expect(orders["orders"]?[0]?["payments"]?.arrayValue != nil)
            // Inclusive: the last object seen comes back with the same since.
            let last = try #require(stamps.last)
            let again = try await call(.GET, api + "integrator/orders?since=\(last)", headers: admin).body
            #expect(again["orders"]?[0]?["updated_at"]?.stringValue == last)
            let carts = try await call(.GET, api + "integrator/carts?since=2000-01-01T00:00:00Z", headers: admin).body
            #expect(carts["carts"]?.arrayValue?.allSatisfy { $0["completed_at"] == .null } == true)
            let missing = try await call(.GET, api + "integrator/taxons", headers: admin)
            #expect(missing.status == (version == .v2_0 ? 200 : 404))
            let anonymous = try await call(.GET, api + "integrator/orders", headers: ["X-Spree-Token": "fake"])
            #expect(anonymous.status == 401)
        }
    }

    @Test func anImportedOrderIsCreatedOrRefusedWithSpreesMessage() async throws {
        try await withSimulator(.v2_0) { api, _ in
            let created = try await call(
                .POST,
                api + "orders",
                json: [
                    "order": [
                        "email": "a@b.co", "channel": "Amazon", "completed_at": "2013-09-20T16:24:22Z",
                        "line_items": [["sku": "ABC-123", "quantity": 2, "price": "18.0"]],
                    ]
                ],
                headers: admin
            )
            #expect(created.status == 201)
            #expect(created.body["channel"] == "Amazon")
            #expect(created.body["state"] == "complete")
            #expect(created.body["number"]?.stringValue?.range(of: #"^R\d{9}$"#, options: .regularExpression) != nil)
            #expect(created.body["line_items"]?[0]?["price"] == "18.0")
            let refused = try await call(.POST, api + "orders", json: ["order": ["line_items": [["sku": "NOPE", "quantity": 1]]]], headers: admin)
            #expect(refused.status == 422)
            #expect(refused.body["exception"]?.stringValue?.hasPrefix("Ensure order import variant:") == true)
        }
    }

    @Test func theShopSurvivesARestart() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("spree-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let database = try SpreeDatabase(path: path, version: .v2_0)
            await database.loadSample()
        }
        let reopened = try SpreeDatabase(path: path, version: .v2_0)
        #expect(await reopened.orderCount == 6)
        #expect(throws: SpreeError.self) { try SpreeDatabase(path: path, version: .v1_3) }
    }
}

@Suite struct SimulatorCommandTests {
    @Test func anUnknownVersionIsRefusedByName() async throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("spree-store-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let child = try ChildProcess(
            "spree-store",
            arguments: ["serve", "--port", "0", "--version", "3.0", "--api-key", "k", "--database", ":memory:"],
            logURL: log
        )
        await child.exited()
        #expect(child.process.terminationStatus != 0)
        let output = try String(contentsOf: log, encoding: .utf8)
        #expect(output.contains("unknown Spree version '3.0'; use 1.3 or 2.0"), "\(output)")
    }
}
