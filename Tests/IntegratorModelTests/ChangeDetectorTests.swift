import IntegratorModel
import Testing

/// The cases of change detection: what the original hub emitted when it compared a polled
/// object with the copy it kept.
@Suite struct ChangeDetectorTests {
    /// A Spree API order as the hub connector's collection renders it.
    static func spreeOrder(
        state: String = "complete",
        total: String = "24.99",
        shipments: [(String, String)] = [("H1", "pending")],
        updatedAt: String = "2026-11-24T10:00:00.000Z"
    ) -> JSONValue {
        [
            "id": 1, "number": "R123456789", "state": .string(state), "email": "a@example.com", "channel": "spree", "currency": "USD",
            "item_total": "19.99", "total": .string(total), "ship_total": "5.0", "payment_total": "0.0", "adjustment_total": "0.0",
            "completed_at": "2026-11-24T09:00:00.000Z", "updated_at": .string(updatedAt),
            "line_items": [["id": 1, "quantity": 1, "price": "19.99", "variant_id": 2, "variant": ["name": "Spree T-Shirt", "sku": "ABC-123"]]],
            "shipments": .array(shipments.map { ["number": .string($0.0), "state": .string($0.1), "cost": "5.0", "order_id": "R123456789"] }),
            "payments": [["id": 1, "amount": "24.99", "state": "checkout", "payment_method": ["name": "Check"]]],
            "ship_address": [
                "firstname": "Chris", "lastname": "Mar", "address1": "112 Hula Lane", "city": "Leesburg", "zipcode": "20175", "phone": "555",
                "country": ["iso": "US"], "state": ["name": "Virginia"],
            ],
        ]
    }

    @Test func anUnseenOrderIsNewWithTheCanonicalOrderAndTheOriginal() {
        let changes = ChangeDetector.changes(type: "order", previous: nil, current: Self.spreeOrder())
        #expect(changes.map(\.name) == ["order:new"])
        let order = changes[0].payload["order"]
        #expect(order?["number"] == "R123456789")
        #expect(order?["status"] == "complete")
        #expect(order?["totals"]?["order"] == 24.99)
        #expect(order?["line_items"]?[0]?["sku"] == "ABC-123")
        #expect(order?["shipping_address"]?["country"] == "US")
        #expect(order?["shipping_address"]?["state"] == "Virginia")
        #expect(changes[0].payload["original"] == Self.spreeOrder())
    }

    @Test func theSameOrderAgainYieldsNothingEvenIfOnlyTouched() {
        #expect(ChangeDetector.changes(type: "order", previous: Self.spreeOrder(), current: Self.spreeOrder()).isEmpty)
        #expect(
            ChangeDetector.changes(type: "order", previous: Self.spreeOrder(), current: Self.spreeOrder(updatedAt: "2026-11-24T11:00:00.000Z"))
                .isEmpty
        )
    }

    @Test func aChangedOrderIsUpdatedWithPreviousAndDiff() {
        let changes = ChangeDetector.changes(type: "order", previous: Self.spreeOrder(), current: Self.spreeOrder(total: "30.0"))
        #expect(changes.map(\.name) == ["order:updated"])
        #expect(changes[0].payload["previous"]?["totals"]?["order"] == 24.99)
        #expect(changes[0].payload["diff"]?["totals"]?[0]?["order"] == 24.99)
        #expect(changes[0].payload["diff"]?["totals"]?[1]?["order"]?.numberValue == 30)
        #expect(changes[0].payload["diff"]?["status"] == nil)
    }

    @Test func anOrderThatTurnedCanceledIsCanceled() {
        let changes = ChangeDetector.changes(type: "order", previous: Self.spreeOrder(), current: Self.spreeOrder(state: "canceled"))
        #expect(changes.map(\.name) == ["order:canceled"])
        #expect(changes[0].payload["diff"]?["status"] == ["complete", "canceled"])
    }

    @Test func eachShipmentThatTurnedReadyIsReadyOnce() {
        let previous = Self.spreeOrder(shipments: [("H1", "pending"), ("H2", "ready")])
        let current = Self.spreeOrder(shipments: [("H1", "ready"), ("H2", "ready")])
        let changes = ChangeDetector.changes(type: "order", previous: previous, current: current)
        #expect(changes.map(\.name) == ["order:updated", "shipment:ready"])
        #expect(changes[1].payload["shipment"]?["number"] == "H1")
        #expect(changes[1].payload["shipment"]?["order_number"] == "R123456789")
        #expect(changes[1].payload["shipment"]?["email"] == "a@example.com")
        // A new order with a ready shipment is new and ready.
        #expect(
            ChangeDetector.changes(type: "order", previous: nil, current: current).map(\.name) == ["order:new", "shipment:ready", "shipment:ready"]
        )
    }

    @Test func productsAndUsersAreNewThenUpdatedThenQuiet() {
        let product: JSONValue = ["id": 3, "sku": "ABC-123", "name": "T-Shirt", "price": "19.99"]
        var changed = product
        if case .object(var fields) = changed {
            fields["price"] = "17.99"
            changed = .object(fields)
        }
        #expect(ChangeDetector.changes(type: "product", previous: nil, current: product).map(\.name) == ["product:new"])
        #expect(ChangeDetector.changes(type: "product", previous: product, current: changed).map(\.name) == ["product:updated"])
        #expect(ChangeDetector.changes(type: "product", previous: product, current: product).isEmpty)
        #expect(ChangeDetector.identity(type: "product", object: product) == "ABC-123")
        let user: JSONValue = ["id": 9, "email": "a@b.co"]
        #expect(ChangeDetector.changes(type: "user", previous: nil, current: user).map(\.name) == ["user:new"])
        #expect(ChangeDetector.identity(type: "user", object: user) == "a@b.co")
        #expect(ChangeDetector.changes(type: "customer", previous: nil, current: user).map(\.name) == ["user:new"])
    }

    @Test func v6ObjectsAreKnownByID() {
        let order: JSONValue = ["id": "R1", "status": "complete", "totals": ["order": 10]]
        #expect(ChangeDetector.identity(type: "order", object: order, v6: true) == "R1")
        #expect(ChangeDetector.changes(type: "order", previous: nil, current: order)[0].payload["order"] == order)
    }
}
