import Foundation
import IntegratorModel

extension SpreeDatabase {
    // MARK: Orders

    public func allOrders() -> [Order] { orders.values.sorted { $0.id < $1.id } }

    /// `POST /api/orders`: Spree's `build_from_api` import. A failure creates nothing and
    /// answers 422 with the prefixed exception text.
    public func importOrder(_ input: JSONObject, admin: Bool, userID: Int?) throws -> Order {
        let time = now()
        var order = Order(
            id: 0,
            number: "",
            state: "cart",
            email: input["email"]?.stringValue,
            userID: userID,
            channel: "spree",
            currency: "USD",
            token: String(UUID().uuidString.prefix(16)).lowercased(),
            specialInstructions: input["special_instructions"]?.stringValue,
            paymentState: nil,
            shipmentState: nil,
            billAddress: nil,
            shipAddress: nil,
            lineItems: [],
            adjustments: [],
            payments: [],
            shipments: [],
            lockedAt: nil,
            createdAt: time,
            updatedAt: time,
            completedAt: nil
        )
        if admin, let channel = input["channel"]?.stringValue { order.channel = channel }
        if let currency = input["currency"]?.stringValue, version == .v2_0 { order.currency = currency }
        for (key, field) in [("bill_address", \Order.billAddress), ("ship_address", \Order.shipAddress)] {
            if let address = input[key]?.objectValue {
                order[keyPath: field] = try Self.address(address, id: nextID("address"))
            }
        }
        var lineItems: [LineItem] = []
        for item in Self.list(input["line_items"]) {
            let variant: Variant
            if let id = item["variant_id"].flatMap({ $0.numberValue ?? Double($0.stringValue ?? "") }), let found = variants[Int(id)] {
                variant = found
            } else if let sku = item["sku"]?.comparableText, let found = self.variant(sku: sku) {
                variant = found
            } else {
                let wanted = item["sku"]?.comparableText ?? item["variant_id"]?.comparableText ?? "?"
                throw SpreeError.exception("Ensure order import variant: Couldn't find Spree::Variant with sku or id \(wanted)")
            }
            let quantity = Int(item["quantity"]?.numberValue ?? Double(item["quantity"]?.stringValue ?? "") ?? 1)
            guard quantity > 0 else { throw SpreeError.exception("Order import line items: Quantity must be greater than 0 \(item)") }
            var price = variant.price
            if admin, let given = Self.money(item["price"]) { price = given }
            lineItems.append(
                LineItem(id: nextID("line_item"), variantID: variant.id, quantity: quantity, price: price, createdAt: time, updatedAt: time)
            )
        }
        order.lineItems = lineItems
        for adjustment in Self.list(input["adjustments"]) {
            guard let amount = Self.money(adjustment["amount"]) else {
                throw SpreeError.exception("Order import adjustments: amount is not a number \(adjustment)")
            }
            order.adjustments.append(
                Adjustment(id: nextID("adjustment"), label: adjustment["label"]?.stringValue ?? "Adjustment", amount: amount, createdAt: time)
            )
        }
        for payment in Self.list(input["payments"]) {
            guard let amount = Self.money(payment["amount"]) else {
                throw SpreeError.exception("Order import payments: amount is not a number \(payment)")
            }
            order.payments.append(
                Payment(
                    id: nextID("payment"),
                    amount: amount,
                    state: payment["state"]?.stringValue ?? "completed",
                    paymentMethodID: 1,
                    sourceType: nil,
                    sourceID: nil,
                    responseCode: nil,
                    avsResponse: nil,
                    createdAt: time,
                    updatedAt: time
                )
            )
        }
        for shipment in Self.list(input["shipments"]) {
            var units: [InventoryUnit] = []
            for unit in Self.list(shipment["inventory_units"]) {
                let variant =
                    unit["variant_id"].flatMap { $0.numberValue }.flatMap { variants[Int($0)] }
                    ?? unit["sku"].flatMap { self.variant(sku: $0.comparableText) }
                guard let variant else { throw SpreeError.exception("Order import shipments: Couldn't find Spree::Variant for \(unit)") }
                units.append(
                    InventoryUnit(
                        id: nextID("inventory_unit"),
                        variantID: variant.id,
                        state: "on_hand",
                        lockVersion: 0,
                        returnAuthorizationID: nil,
                        serialNumber: nil
                    )
                )
            }
            order.shipments.append(
                Shipment(
                    id: nextID("shipment"),
                    number: number("H", digits: 11) { n in self.orders.values.contains { $0.shipments.contains { $0.number == n } } },
                    tracking: shipment["tracking"]?.stringValue,
                    cost: Self.money(shipment["cost"]) ?? .zero,
                    shippedAt: nil,
                    state: "pending",
                    stockLocation: shipment["stock_location"]?.stringValue ?? defaultStockLocation?.name ?? "default",
                    shippingMethod: shipment["shipping_method"]?.stringValue ?? "UPS Ground",
                    inventoryUnits: units,
                    createdAt: time,
                    updatedAt: time
                )
            )
        }
        if let completed = input["completed_at"]?.stringValue.flatMap(SpreeTime.parse) {
            order.state = "complete"
            order.completedAt = completed
            Self.updateStates(&order)
        }
        order.id = nextID("order")
        order.number = number("R", digits: 9) { n in self.orders.values.contains { $0.number == n } }
        save(order)
        return order
    }

    /// `PUT /api/orders/:number`: admins may set the few attributes the API lets through.
    public func updateOrder(number: String, _ input: JSONObject, lockable: Bool) throws -> Order {
        guard var order = order(number: number) else { throw SpreeError.notFound }
        if let email = input["email"]?.stringValue { order.email = email }
        if let instructions = input["special_instructions"]?.stringValue { order.specialInstructions = instructions }
        if lockable, let lock = input["locked_at"] {
            order.lockedAt = lock.stringValue.flatMap(SpreeTime.parse)
        }
        order.updatedAt = now()
        save(order)
        return order
    }

    public func cancelOrder(number: String) throws -> Order {
        guard var order = order(number: number) else { throw SpreeError.notFound }
        guard order.state == "complete", [nil, "ready", "backorder", "pending"].contains(order.shipmentState) else {
            throw SpreeError.exception("Cannot transition state via :cancel from :\(order.state) (Reason(s): State cannot transition via \"cancel\")")
        }
        order.state = "canceled"
        order.updatedAt = now()
        save(order)
        return order
    }

    // MARK: Payments

    /// `PUT .../payments/:id/capture`: completed stays completed; checkout, pending and
    /// processing complete; failed, void and invalid cannot start processing.
    public func capture(orderNumber: String, paymentID: Int) throws -> Payment {
        guard var order = order(number: orderNumber) else {
            throw SpreeError.exception("undefined method `payments' for nil:NilClass")
        }
        guard let index = order.payments.firstIndex(where: { $0.id == paymentID }) else { throw SpreeError.notFound }
        var payment = order.payments[index]
        if payment.state == "completed" { return payment }
        guard ["checkout", "pending", "processing"].contains(payment.state) else {
            throw SpreeError.exception(
                "Cannot transition state via :started_processing from :\(payment.state) "
                    + "(Reason(s): State cannot transition via \"started processing\")"
            )
        }
        let time = now()
        payment.state = "completed"
        payment.responseCode = payment.responseCode ?? String(Int.random(in: 100_000_000...999_999_999))
        payment.avsResponse = payment.avsResponse ?? "Y"
        payment.updatedAt = time
        order.payments[index] = payment
        Self.updateStates(&order)
        order.updatedAt = time  // payments touch their order
        save(order)
        return payment
    }

    // MARK: Shipments

    public func readyShipment(orderNumber: String, shipmentNumber: String, tracking: String?) throws -> Shipment {
        try changeShipment(orderNumber: orderNumber, shipmentNumber: shipmentNumber, tracking: tracking) { shipment, order in
            if shipment.state == "ready" { return }
            guard shipment.state == "pending", ["complete", "resumed", "awaiting_return", "returned"].contains(order.state),
                order.paymentState == "paid" || order.paymentState == "credit_owed"
            else { throw SpreeError.error(422, "Cannot ready shipment.") }
            shipment.state = "ready"
        }
    }

    /// `PUT .../shipments/:number/ship`: ready → shipped (tracking saved first); already
    /// shipped stays; from pending it raises like `ship!`.
    public func shipShipment(orderNumber: String, shipmentNumber: String, tracking: String?) throws -> Shipment {
        try changeShipment(orderNumber: orderNumber, shipmentNumber: shipmentNumber, tracking: tracking) { shipment, _ in
            if shipment.state == "shipped" { return }
            guard shipment.state == "ready" else {
                throw SpreeError.exception(
                    "Cannot transition state via :ship from :\(shipment.state) (Reason(s): State cannot transition via \"ship\")"
                )
            }
            shipment.state = "shipped"
            shipment.shippedAt = now()
            for index in shipment.inventoryUnits.indices { shipment.inventoryUnits[index].state = "shipped" }
        }
    }

    private func changeShipment(
        orderNumber: String,
        shipmentNumber: String,
        tracking: String?,
        _ change: (inout Shipment, Order) throws -> Void
    ) throws -> Shipment {
        guard var order = order(number: orderNumber), let index = order.shipments.firstIndex(where: { $0.number == shipmentNumber }) else {
            throw SpreeError.notFound
        }
        var shipment = order.shipments[index]
        let time = now()
        if let tracking {
            shipment.tracking = tracking
            shipment.updatedAt = time
            order.shipments[index] = shipment
            order.updatedAt = time
            save(order)
        }
        try change(&shipment, order)
        shipment.updatedAt = time
        order.shipments[index] = shipment
        Self.updateStates(&order)
        order.updatedAt = time  // shipments touch their order
        save(order)
        return shipment
    }

    /// `PUT /api/inventory_units/:id` with `serial_number` (the hub connector's column).
    public func updateInventoryUnit(id: Int, serialNumber: String?) throws -> (InventoryUnit, Shipment, Order) {
        for var order in orders.values {
            for s in order.shipments.indices {
                if let u = order.shipments[s].inventoryUnits.firstIndex(where: { $0.id == id }) {
                    let time = now()
                    if let serialNumber { order.shipments[s].inventoryUnits[u].serialNumber = serialNumber }
                    order.shipments[s].inventoryUnits[u].lockVersion += 1
                    order.shipments[s].updatedAt = time  // units touch their shipment, which touches its order
                    order.updatedAt = time
                    save(order)
                    return (order.shipments[s].inventoryUnits[u], order.shipments[s], order)
                }
            }
        }
        throw SpreeError.notFound
    }

    // MARK: Stock

    /// 1.3: `PUT /api/products/:permalink/variants/:id` with `variant[on_hand]` sets the count.
    public func setOnHand(variantID: Int, to count: Int) throws -> Variant {
        guard var variant = variants[variantID] else { throw SpreeError.notFound }
        variant.countOnHand = count
        variant.lockVersion += 1
        variant.updatedAt = now()
        save(variant)
        if var product = products[variant.productID] {
            product.updatedAt = variant.updatedAt  // variants touch their product
            save(product)
        }
        return variant
    }

    /// 2.0: `PUT /api/stock_locations/:sl/stock_items/:id` adds `count_on_hand`, or sets it when
    /// `force` is present; no lower bound.
    public func adjustStockItem(id: Int, count: Int, force: Bool) throws -> StockItem {
        guard var item = stockItems[id] else { throw SpreeError.notFound }
        item.countOnHand = force ? count : item.countOnHand + count
        save(item)
        if var variant = variants[item.variantID] {
            variant.updatedAt = now()
            save(variant)
        }
        return item
    }

    public func stockItems(locationID: Int, variantID: Int?) throws -> [StockItem] {
        guard stockLocations[locationID] != nil else { throw SpreeError.notFound }
        if let variantID, variants[variantID] != nil { _ = stockItem(variantID: variantID, locationID: locationID) }
        return stockItems.values.filter { $0.stockLocationID == locationID && (variantID == nil || $0.variantID == variantID) }.sorted {
            $0.id < $1.id
        }
    }

    public func allStockLocations() -> [StockLocation] { stockLocations.values.sorted { $0.name < $1.name } }
    public func allVariants() -> [Variant] { variants.values.sorted { $0.id < $1.id } }
    public func allProducts() -> [Product] { products.values.filter { $0.deletedAt == nil }.sorted { $0.id < $1.id } }
    public func allUsers() -> [User] { users.values.sorted { $0.id < $1.id } }
    public func allTaxonomies() -> [Taxonomy] { taxonomies.values.sorted { $0.name < $1.name } }
    public func allTaxons() -> [Taxon] { taxons.values.sorted { ($0.taxonomyID, $0.id) < ($1.taxonomyID, $1.id) } }
    public func allReturnAuthorizations() -> [ReturnAuthorization] { returnAuthorizations.values.sorted { $0.id < $1.id } }
    public func allStockTransfers() -> [StockTransfer] { stockTransfers.values.sorted { $0.id < $1.id } }
    public func variant(id: Int) -> Variant? { variants[id] }

    /// Every inventory unit of a variant, with its shipment and order.
    public func inventoryUnits(variantID: Int) -> [(unit: InventoryUnit, shipment: Shipment, order: Order)] {
        orders.values.sorted { $0.id < $1.id }.flatMap { order in
            order.shipments.flatMap { shipment in
                shipment.inventoryUnits.filter { $0.variantID == variantID }.map { ($0, shipment, order) }
            }
        }
    }
    public func product(id: Int) -> Product? { products[id] }
    public func stockLocation(id: Int?) -> StockLocation? { id.flatMap { stockLocations[$0] } }
    public func product(of variant: Variant?) -> Product? { variant.flatMap { products[$0.productID] } }
    public func order(id: Int) -> Order? { orders[id] }
    public func taxon(id: Int) -> Taxon? { taxons[id] }

    /// The count a variant has: 1.3 on the variant, 2.0 summed over its stock items.
    public func countOnHand(variantID: Int) -> Int {
        if version == .v1_3 { return variants[variantID]?.countOnHand ?? 0 }
        return stockItems.values.filter { $0.variantID == variantID }.reduce(0) { $0 + $1.countOnHand }
    }

    // MARK: Helpers

    /// Recomputes `payment_state` and `shipment_state` as Spree's order updater does.
    static func updateStates(_ order: inout Order) {
        guard order.completedAt != nil else { return }
        let paid = order.paymentTotal
        order.paymentState = paid < order.total ? "balance_due" : (order.total < paid ? "credit_owed" : "paid")
        let states = Set(order.shipments.map(\.state))
        order.shipmentState = states.isEmpty ? nil : (states.count > 1 ? "partial" : states.first)
        if order.shipmentState == "pending", order.paymentState == "paid" {
            // A paid, complete order's pending shipments become ready (Shipment#determine_state).
            for index in order.shipments.indices where order.shipments[index].state == "pending" { order.shipments[index].state = "ready" }
            order.shipmentState = "ready"
        }
    }

    static func list(_ value: JSONValue?) -> [JSONObject] {
        switch value {
        case .array(let items)?: return items.compactMap(\.objectValue)
        // Rails forms send lists as hashes keyed "0", "1", …
        case .object(let keyed)?: return keyed.sorted { (Int($0.key) ?? 0) < (Int($1.key) ?? 0) }.compactMap { $0.value.objectValue }
        default: return []
        }
    }

    static func money(_ value: JSONValue?) -> Money? {
        switch value {
        case .int(let i)?: return Money(cents: i * 100)
        case .double(let d)?: return Money(d)
        case .string(let s)?: return Money(s)
        default: return nil
        }
    }

    static func address(_ fields: JSONObject, id: Int) throws -> Address {
        var errors: [String: [String]] = [:]
        func required(_ key: String) -> String {
            let value = fields[key]?.comparableText ?? ""
            if value.trimmingCharacters(in: .whitespaces).isEmpty { errors[key, default: []].append("can't be blank") }
            return value
        }
        let address = Address(
            id: id,
            firstname: required("firstname"),
            lastname: required("lastname"),
            address1: required("address1"),
            address2: fields["address2"]?.stringValue,
            city: required("city"),
            zipcode: required("zipcode"),
            phone: required("phone"),
            company: fields["company"]?.stringValue,
            countryISO: fields["country"]?["iso"]?.stringValue ?? fields["country"]?.stringValue ?? fields["country_iso"]?.stringValue ?? "US",
            stateName: fields["state"]?["name"]?.stringValue ?? fields["state"]?.stringValue ?? fields["state_name"]?.stringValue
        )
        if !errors.isEmpty {
            throw SpreeError.exception(
                "Ensure order import address: "
                    + errors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.joined(separator: ", "))" }.joined(separator: "; ")
            )
        }
        return address
    }
}
