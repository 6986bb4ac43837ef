import EndpointKit
import Foundation
import Hummingbird
import IntegratorModel
import IntegratorTestSupport
import Logging
import NIOHTTP1
import SpreeEndpoint
import SpreeStore
import Testing

/// A simulator and the Spree endpoint, each on its own loopback port, for the length of `body`.
struct Shop: Sendable {
    static let key = "endpoint-key-0123456789"
    let endpoint: String
    let api: String
    let database: SpreeDatabase
    let version: SpreeVersion

    var parameters: JSONObject {
        ["spree.api_url": .string(api), "spree.api_key": "admin-key", "spree.api_version": .string(version.rawValue)]
    }

    static func run<T>(
        _ version: SpreeVersion,
        lockable: Bool = true,
        now: (@Sendable () -> Date)? = nil,
        sample: Bool = true,
        _ body: (Shop) async throws -> T
    ) async throws -> T {
        let database = try SpreeDatabase(path: ":memory:", version: version, now: now ?? { Date() })
        await database.ensureAdmin(apiKey: "admin-key")
        if sample { await database.loadSample() }
        let api = await SpreeAPI(database: database, lockable: lockable)
        var logger = Logger(label: "spree")
        logger.logLevel = .warning
        let endpoint = SpreeEndpoint.make(key: key, http: testClient)
        return try await withServer { onRunning in
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
                try await body(
                    Shop(
                        endpoint: "http://127.0.0.1:\(endpointPort)",
                        api: "http://127.0.0.1:\(storePort)/api/",
                        database: database,
                        version: version
                    )
                )
            }
        }
    }

    /// Sends a hub request to a service, with the store's parameters plus `extra`.
    func send(_ path: String, _ message: String, payload: JSONValue = [:], extra: JSONObject = [:]) async throws -> Reply {
        let body = EndpointTesting.request(message, payload: payload, parameters: parameters.merging(extra) { $1 })
        return try await call(.POST, endpoint + path, json: body, headers: ["X-Augury-Token": Self.key])
    }

    /// Sets the count on hand of `sku` directly in the store (the first stock location on 2.0).
    func setStock(_ sku: String, _ count: Int) async throws {
        let variant = try #require(await database.allVariants().first { $0.sku == sku })
        if version == .v1_3 {
            _ = try await database.setOnHand(variantID: variant.id, to: count)
        } else {
            let item = try #require(try await database.stockItems(locationID: 1, variantID: variant.id).first)
            _ = try await database.adjustStockItem(id: item.id, count: count, force: true)
        }
    }
}

/// One row of the seed's stock tables.
struct StockRow: Sendable, CustomTestStringConvertible {
    var version: SpreeVersion
    var original: Int
    var quantity: Int
    /// nil: the seed says "Exception!".
    var result: Int?
    var testDescription: String { "\(version.rawValue): \(original) + \(quantity) → \(result.map(String.init) ?? "refused")" }
}

let stockTable: [StockRow] = [
    StockRow(version: .v1_3, original: 6, quantity: 20, result: 26), StockRow(version: .v1_3, original: 6, quantity: -4, result: 2),
    StockRow(version: .v1_3, original: 6, quantity: -7, result: nil), StockRow(version: .v1_3, original: -6, quantity: 20, result: 14),
    StockRow(version: .v1_3, original: -6, quantity: -1, result: nil), StockRow(version: .v1_3, original: -6, quantity: -7, result: nil),
    StockRow(version: .v2_0, original: 6, quantity: 20, result: 26), StockRow(version: .v2_0, original: 6, quantity: -4, result: 2),
    StockRow(version: .v2_0, original: 6, quantity: -7, result: -1), StockRow(version: .v2_0, original: -6, quantity: 20, result: 14),
    StockRow(version: .v2_0, original: -6, quantity: -1, result: -7), StockRow(version: .v2_0, original: -6, quantity: -7, result: -13),
]

@Suite struct StockTableTests {
    /// The twelve rows of the seed's two tables, through the endpoint and the simulator.
    @Test(arguments: stockTable)
    func stockChangeFollowsTheSeedTable(row: StockRow) async throws {
        try await Shop.run(row.version) { shop in
            try await shop.setStock("ABC-123", row.original)
            let reply = try await shop.send("/stock/change", "stock:change", payload: ["sku": "ABC-123", "quantity": .int(Int64(row.quantity))])
            #expect(reply.status == 200)
            let variant = try #require(await shop.database.allVariants().first { $0.sku == "ABC-123" })
            if let result = row.result {
                #expect(reply.body["from"] == .int(Int64(row.original)))
                #expect(reply.body["to"] == .int(Int64(result)))
                #expect(
                    reply.body["notifications"]?[0]?["description"]
                        == .string("received \(row.quantity) for sku ABC-123, changed stock from \(row.original) to \(result) (force = false)")
                )
                #expect(await shop.database.countOnHand(variantID: variant.id) == result)
            } else {
                #expect(reply.body["notifications"]?[0]?["level"] == "error")
                #expect(reply.body["notifications"]?[0]?["description"]?.stringValue?.contains("InvalidQuantityException") == true)
                #expect(await shop.database.countOnHand(variantID: variant.id) == row.original, "a refused change must leave the count alone")
            }
        }
    }

    @Test(arguments: SpreeVersion.allCases)
    func forceQuantitySetsTheCountAndStockActualAlwaysForces(version: SpreeVersion) async throws {
        try await Shop.run(version) { shop in
            try await shop.setStock("ABC-123", 6)
            let forced = try await shop.send(
                "/stock/change",
                "stock:change",
                payload: ["sku": "ABC-123", "quantity": 5],
                extra: ["spree.force_quantity": true]
            )
            #expect(forced.body["to"] == 5)
            #expect(forced.body["notifications"]?[0]?["description"]?.stringValue?.hasSuffix("(force = true)") == true)
            let actual = try await shop.send("/stock/actual", "stock:actual", payload: ["sku": "ABC-123", "quantity": 9])
            #expect(actual.body["from"] == 5)
            #expect(actual.body["to"] == 9)
            #expect(actual.body["notifications"]?[0]?["subject"] == "stock:actual")
            let negative = try await shop.send("/stock/actual", "stock:actual", payload: ["sku": "ABC-123", "quantity": -3])
            if version == .v1_3 {
                #expect(negative.body["notifications"]?[0]?["level"] == "error")
            } else {
                #expect(negative.body["to"] == -3)
            }
        }
    }

    /// The seed's own samples: `stock:change` and `stock:actual` of 5 for APC-00001 with none on hand.
    @Test(arguments: SpreeVersion.allCases)
    func theSeedsStockSamplesAnswerAsDocumented(version: SpreeVersion) async throws {
        for (path, message) in [("/stock/change", "stock:change"), ("/stock/actual", "stock:actual")] {
            try await Shop.run(version) { shop in
                let reply = try await shop.send(path, message, payload: ["sku": "APC-00001", "quantity": 5])
                let force = message == "stock:actual"
                #expect(
                    reply.body == [
                        "message_id": "523fcd00b439573338018fab",
                        "notifications": [
                            [
                                "level": "info", "subject": .string(message),
                                "description": .string("received 5 for sku APC-00001, changed stock from 0 to 5 (force = \(force))"),
                            ]
                        ],
                        "sku": "APC-00001", "quantity": 5, "from": 0, "to": 5,
                    ]
                )
            }
        }
    }

    @Test func stockLocationIDPicksTheLocation() async throws {
        try await Shop.run(.v2_0) { shop in
            let reply = try await shop.send(
                "/stock/change",
                "stock:change",
                payload: ["sku": "ABC-123", "quantity": 4],
                extra: ["spree.stock_location_id": 2]
            )
            #expect(reply.body["from"] == 0)
            #expect(reply.body["to"] == 4)
            let variant = try #require(await shop.database.allVariants().first { $0.sku == "ABC-123" })
            #expect(try await shop.database.stockItems(locationID: 2, variantID: variant.id).first?.countOnHand == 4)
            #expect(try await shop.database.stockItems(locationID: 1, variantID: variant.id).first?.countOnHand == 6)
        }
    }

    @Test(arguments: SpreeVersion.allCases)
    func anUnknownSkuIsABusinessFailure(version: SpreeVersion) async throws {
        try await Shop.run(version) { shop in
            let reply = try await shop.send("/stock/change", "stock:change", payload: ["sku": "NOPE", "quantity": 1])
            #expect(reply.status == 200)
            #expect(reply.body["notifications"]?[0]?["level"] == "error")
            #expect(reply.body["notifications"]?[0]?["description"]?.stringValue?.contains("NOPE") == true)
            let bad = try await shop.send("/stock/change", "stock:change", payload: ["sku": "ABC-123", "quantity": "lots"])
            #expect(bad.body["notifications"]?[0]?["description"]?.stringValue?.contains("payload.quantity") == true)
        }
    }
}
