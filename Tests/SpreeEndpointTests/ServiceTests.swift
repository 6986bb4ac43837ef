import EndpointKit
import Foundation
import IntegratorModel
import IntegratorTestSupport
import NIOHTTP1
import SpreeStore
import Testing

/// Every service of the Spree endpoint against the simulator, both versions, with the seed's
/// samples.
@Suite struct ServiceTests {
    /// The seed's order sample, as `order:import` carries it.
    static let seedOrder: JSONValue = [
        "number": "R123456789", "channel": "Amazon", "email": "test1@test.com", "currency": "USD", "placed_on": "2013-09-20T16:24:22-04:00",
        "updated_at": "2013-09-20T16:24:22-04:00", "status": "complete",
        "totals": ["item": 12.99, "adjustment": 10, "tax": 6, "shipping": 4, "payment": 29.99, "order": 29.99],
        "adjustments": [["name": "Shipping Discount", "value": "-4.99"], ["name": "Promotion Discount", "value": "-3.00"]],
        "line_items": [
            [
                "name": "Foo T-Shirt Size(L)", "sku": "ABC-123", "external_ref": "ABD-123", "quantity": 1, "price": 19.99,
                "options": ["color": "BLK", "size": "XL"],
            ],
            [
                "name": "Foo Shoe", "sku": "DEF-123", "external_ref": "DDD-123", "quantity": 3, "price": 23.99,
                "options": ["color": "BLK", "size": "XL"],
            ],
        ],
        "shipping_address": [
            "firstname": "Chris", "lastname": "Mar", "address1": "2000 Grande Canyon Boulevard, No 3523", "address2": "", "city": "Leesburg",
            "zipcode": "20175", "phone": "555-555-1212", "country": "US", "state": "Virginia",
        ],
        "billing_address": [
            "firstname": "Chris", "lastname": "Mar", "address1": "112 Billing Lane", "address2": "", "city": "Leesburg",
            "zipcode": "20175", "phone": "555-555-1212", "country": "US", "state": "Viriginia",
        ],
        "payments": [["number": 1234, "status": "completed", "amount": 29.99, "payment_method": "Standard"]],
    ]

    @Test(arguments: SpreeVersion.allCases)
    func importCreatesTheOrderAndTruncatesAddress1(version: SpreeVersion) async throws {
        try await Shop.run(version) { shop in
            let reply = try await shop.send(
                "/orders/import",
                "order:import",
                payload: ["order": Self.seedOrder],
                extra: ["spree.truncate_address_address1": 25]
            )
            #expect(reply.status == 200)
            #expect(reply.body["message_id"] == "523fcd00b439573338018fab")
            #expect(
                reply.body["notifications"] == [
                    [
                        "level": "warn", "subject": "address1 was truncated",
                        "description": "address1 was truncated from '2000 Grande Canyon Boulevard, No 3523' to '2000 Grande Canyon Boulev'",
                    ]
                ]
            )
            let number = try #require(reply.body["order"]?["number"]?.stringValue)
            let stored = try #require(await shop.database.order(number: number))
            #expect(stored.channel == "Amazon")
            #expect(stored.shipAddress?.address1 == "2000 Grande Canyon Boulev")
            #expect(stored.lineItems.count == 2)
            #expect(stored.state == "complete")
            let unknown = try await shop.send(
                "/orders/import",
                "order:import",
                payload: ["order": ["number": "X", "line_items": [["sku": "NOPE", "quantity": 1]]]]
            )
            #expect(unknown.status == 200)
            #expect(unknown.body["notifications"]?[0]?["level"] == "error")
            let malformed = try await shop.send("/orders/import", "order:import", payload: ["orders": []])
            #expect(malformed.body["notifications"]?[0]?["description"]?.stringValue?.contains("payload.order") == true)
        }
    }

    @Test(arguments: SpreeVersion.allCases)
    func captureReturnsThePaymentAndACapturedMessage(version: SpreeVersion) async throws {
        try await Shop.run(version) { shop in
            let order = try #require(await shop.database.allOrders().first { $0.payments.first?.state == "checkout" && $0.completedAt != nil })
            let reply = try await shop.send("/payments/capturer", "order:capture", payload: ["order": ["number": .string(order.number)]])
            #expect(reply.status == 200)
            #expect(reply.body["payment"]?["state"] == "completed")
            #expect(reply.body["payment"]?["amount"]?.stringValue != nil)
            #expect(
                reply.body["messages"] == [
                    [
                        "message": "order:payment:captured",
                        "payload": ["order_id": .string(order.number), "payment_id": .int(Int64(order.payments[0].id))],
                    ]
                ]
            )
            // Captured already: nothing left to capture is a business failure, not a retry.
            let again = try await shop.send("/payments/capturer", "order:capture", payload: ["order": ["number": .string(order.number)]])
            #expect(again.status == 200)
            #expect(again.body["notifications"]?[0]?["level"] == "error")
            #expect(again.body["notifications"]?[0]?["description"]?.stringValue?.contains("completed") == true)
            let unknown = try await shop.send("/payments/capturer", "order:capture", payload: ["order": ["number": "R000000000"]])
            #expect(unknown.body["notifications"]?[0]?["description"]?.stringValue?.contains("not found") == true)
        }
    }

    @Test(arguments: SpreeVersion.allCases)
    func lockReturnsLocked(version: SpreeVersion) async throws {
        try await Shop.run(version) { shop in
            let order = try #require(await shop.database.allOrders().first)
            let reply = try await shop.send("/orders/lock", "order:ship", payload: ["order": ["number": .string(order.number)]])
            #expect(reply.body["locked"]?["number"]?.stringValue == order.number)
            #expect(reply.body["locked"]?["locked_at"]?.stringValue != nil)
            #expect(await shop.database.order(number: order.number)?.lockedAt != nil)
            let unknown = try await shop.send("/orders/lock", "order:ship", payload: ["order": ["number": "R000000000"]])
            #expect(unknown.body["notifications"]?[0]?["level"] == "error")
        }
    }

    @Test func lockOnAStoreWithoutTheColumnWarns() async throws {
        try await Shop.run(.v2_0, lockable: false) { shop in
            let order = try #require(await shop.database.allOrders().first)
            let reply = try await shop.send("/orders/lock", "order:ship", payload: ["order": ["number": .string(order.number)]])
            #expect(reply.body["locked"]?["locked_at"] == .null)
            #expect(reply.body["notifications"]?[0]?["level"] == "warn")
        }
    }

    @Test(arguments: SpreeVersion.allCases)
    func shipmentConfirmShipsWithTrackingAndRecordsSerialNumbers(version: SpreeVersion) async throws {
        try await Shop.run(version) { shop in
            let order = try #require(await shop.database.allOrders().first { $0.shipments.first?.state == "ready" })
            let shipment = order.shipments[0]
            let sku = try #require(await shop.database.variant(id: shipment.inventoryUnits[0].variantID)?.sku)
            // The seed's older form: shipment_number and tracking_number at the top, no order number.
            let reply = try await shop.send(
                "/shipments/inventory_unit",
                "shipment:confirm",
                payload: [
                    "shipment_number": .string(shipment.number), "tracking_number": "123456", "tracking_url": "http://www.ups.com/WebTracking/track",
                    "carrier": "UPS", "shipped_date": "2013-06-27T13:29:46Z", "items": [["external_ref": .string(sku), "serial_numbers": ["SN-1"]]],
                ]
            )
            #expect(reply.status == 200)
            #expect(reply.body["shipment"]?["state"] == "shipped")
            #expect(reply.body["shipment"]?["tracking"] == "123456")
            let stored = try #require(await shop.database.order(number: order.number))
            #expect(stored.shipments[0].inventoryUnits[0].serialNumber == "SN-1")
            #expect(stored.shipments[0].state == "shipped")
            let unpaid = try #require(await shop.database.allOrders().first { $0.payments.first?.state == "pending" })
            let refused = try await shop.send(
                "/shipments/inventory_unit",
                "shipment:confirm",
                payload: ["shipment": ["number": .string(unpaid.shipments[0].number), "tracking": "1Z"]]
            )
            #expect(refused.status == 200)
            #expect(refused.body["notifications"]?[0]?["level"] == "error")
        }
    }

    @Test(arguments: SpreeVersion.allCases)
    func pollerReturnsPersistMessagesAndAdvancesTheCursor(version: SpreeVersion) async throws {
        try await Shop.run(version) { shop in
            let first = try await shop.send(
                "/collections/poller",
                "hub:poll",
                payload: ["target": "collections.orders"],
                extra: ["spree.collections_poll.per_page": [["orders": "3"]]]
            )
            let messages = first.body["messages"]?.arrayValue ?? []
            #expect(messages.count == 3)
            #expect(messages.allSatisfy { $0["message"] == "order:persist" && $0["payload"]?["order"]?["number"] != nil })
            let cursor = first.body["parameters"]?.arrayValue?.first { $0["name"] == "spree.collections_poll.last_updated_at" }?["value"]
            let newest = messages.last?["payload"]?["order"]?["updated_at"]
            #expect(cursor == [["orders": newest ?? nil]])
            #expect(first.body["parameters"]?.arrayValue?.first { $0["name"] == "spree.collections_poll.per_page" }?["value"] == [["orders": "3"]])
            // The next poll starts at the cursor: the boundary object again, then the rest.
            let second = try await shop.send(
                "/collections/poller",
                "hub:poll",
                payload: ["target": "collections.orders"],
                extra: [
                    "spree.collections_poll.last_updated_at": cursor ?? nil, "spree.collections_poll.per_page": [["orders": "50"]],
                ]
            )
            let next = second.body["messages"]?.arrayValue ?? []
            #expect(next.first?["payload"]?["order"]?["updated_at"] == newest)
            #expect(next.count == 3)  // five complete orders: 3 + 3 with the boundary repeated
            let taxons = try await shop.send("/collections/poller", "hub:poll", payload: ["target": "collections.taxons"])
            if version == .v1_3 {
                #expect(taxons.body["notifications"]?[0]?["level"] == "error")
            } else {
                #expect(taxons.body["messages"]?[0]?["message"] == "taxon:persist")
            }
            let bad = try await shop.send("/collections/poller", "hub:poll", payload: ["target": "collections.widgets"])
            #expect(bad.body["notifications"]?[0]?["description"]?.stringValue?.contains("collections.orders") == true)
        }
    }

    @Test func pollerNeverSkipsObjectsSharingTheCursorsInstant() async throws {
        let instant = Date(timeIntervalSince1970: 1_764_000_000.123)
        let clock: @Sendable () -> Date = { instant }
        try await Shop.run(.v2_0, now: clock, sample: false) { shop in
            for _ in 0..<5 {
                _ = try await shop.database.importOrder(["email": "a@b.co", "completed_at": "2025-11-24T10:00:00Z"], admin: true, userID: nil)
            }
            let cursor = SpreeTime.format(instant)
            let reply = try await shop.send(
                "/collections/poller",
                "hub:poll",
                payload: ["target": "collections.orders"],
                extra: [
                    "spree.collections_poll.last_updated_at": [["orders": .string(cursor)]], "spree.collections_poll.per_page": [["orders": "2"]],
                ]
            )
            #expect(reply.body["messages"]?.arrayValue?.count == 5, "a full page at the cursor's instant must not stall or skip the rest")
        }
    }

    @Test func perPageIsCappedAtFifty() async throws {
        try await Shop.run(.v2_0) { shop in
            let reply = try await shop.send(
                "/collections/poller",
                "hub:poll",
                payload: ["target": "collections.users"],
                extra: ["spree.collections_poll.per_page": [["users": "500"]]]
            )
            #expect(reply.body["parameters"]?.arrayValue?.first { $0["name"] == "spree.collections_poll.per_page" }?["value"] == [["users": "50"]])
        }
    }

    @Test func outagesAndBadParametersAnswer500NamingTheCause() async throws {
        try await Shop.run(.v2_0) { shop in
            let order: JSONValue = ["order": ["number": "R1"]]
            let down = try await shop.send("/orders/lock", "order:ship", payload: order, extra: ["spree.api_url": "http://127.0.0.1:9/api/"])
            #expect(down.status == 500)
            #expect(down.body["notifications"]?[0]?["description"]?.stringValue?.contains("could not be reached") == true)
            let refusedKey = try await shop.send("/orders/lock", "order:ship", payload: order, extra: ["spree.api_key": "wrong"])
            #expect(refusedKey.status == 500)
            #expect(refusedKey.body["error"]?.stringValue?.contains("spree.api_key") == true)
            let version = try await shop.send("/orders/lock", "order:ship", payload: order, extra: ["spree.api_version": "3.1"])
            #expect(version.status == 500)
            #expect(version.body["error"]?.stringValue?.contains("spree.api_version must be 1.3 or 2.0") == true)
            let body = EndpointTesting.request("order:ship", payload: order, parameters: ["spree.api_version": "2.0"])
            let missing = try await call(.POST, shop.endpoint + "/orders/lock", json: body, headers: ["X-Augury-Token": Shop.key])
            #expect(missing.status == 500)
            #expect(missing.body["error"]?.stringValue?.contains("spree.api_url") == true)
            #expect(try await call(.POST, shop.endpoint + "/orders/lock", json: body).status == 401)
            #expect(try await call(.POST, shop.endpoint + "/orders/lock", raw: Array("{".utf8), headers: ["X-Augury-Token": Shop.key]).status == 406)
            #expect(try await call(.POST, shop.endpoint + "/nowhere", json: body, headers: ["X-Augury-Token": Shop.key]).status == 404)
        }
    }

    @Test func theManifestListsEveryServiceAndItsMappings() async throws {
        try await Shop.run(.v2_0) { shop in
            let manifest = try await call(.GET, shop.endpoint + "/endpoint.json").body
            let paths = Set(manifest["services"]?.arrayValue?.compactMap { $0["path"]?.stringValue } ?? [])
            #expect(
                paths == [
                    "/collections/poller", "/orders/lock", "/orders/import", "/payments/capturer", "/shipments/inventory_unit", "/stock/change",
                    "/stock/actual",
                ]
            )
            let poller = manifest["services"]?.arrayValue?.first { $0["path"] == "/collections/poller" }
            #expect(poller?["recommends"]?["messages"] == ["hub:poll"])
            #expect(poller?["requires"]?["parameters"]?.arrayValue?.contains { $0["name"] == "spree.api_key" } == true)
        }
    }
}
