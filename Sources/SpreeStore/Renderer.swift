import Foundation
import IntegratorModel

/// The JSON Spree's rabl templates produced, per API version: decimals as strings, times with
/// milliseconds, attributes a version lacks left out (not null).
struct Renderer {
    let version: SpreeVersion
    let database: SpreeDatabase
    /// Whether the store has the hub connector's `locked_at` order column.
    let lockable: Bool

    static func time(_ date: Date?) -> JSONValue { date.map { .string(SpreeTime.format($0)) } ?? .null }
    static func money(_ money: Money) -> JSONValue { .string(money.description) }
    static func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }

    func address(_ address: Address?) -> JSONValue {
        guard let address else { return .null }
        var fields: JSONObject = [
            "id": .int(Int64(address.id)), "firstname": .string(address.firstname), "lastname": .string(address.lastname),
            "address1": .string(address.address1), "address2": Self.text(address.address2), "city": .string(address.city),
            "zipcode": .string(address.zipcode), "phone": .string(address.phone), "company": Self.text(address.company),
            "alternative_phone": .null, "country_id": 214, "state_id": .null, "state_name": Self.text(address.stateName),
            "country": [
                "id": 214, "iso_name": .string(address.countryISO == "US" ? "UNITED STATES" : address.countryISO), "iso": .string(address.countryISO),
                "iso3": .string(address.countryISO == "US" ? "USA" : address.countryISO),
                "name": .string(address.countryISO == "US" ? "United States" : address.countryISO), "numcode": 840,
            ],
            "state": address.stateName.map { ["id": .null, "name": .string($0), "abbr": .null, "country_id": 214] } ?? .null,
        ]
        if version == .v2_0 { fields["full_name"] = .string("\(address.firstname) \(address.lastname)") }
        return .object(fields)
    }

    func variantAttributes(_ variant: Variant, product: Product?) -> JSONObject {
        var fields: JSONObject = [
            "id": .int(Int64(variant.id)), "name": .string(product?.name ?? ""), "sku": .string(variant.sku), "price": Self.money(variant.price),
            "weight": Self.text(variant.weight), "height": .null, "width": .null, "depth": .null, "is_master": .bool(variant.isMaster),
            "cost_price": variant.costPrice.map(Self.money) ?? .null, "permalink": .string(product?.permalink ?? ""),
        ]
        if version == .v1_3 {
            fields["count_on_hand"] = .int(Int64(variant.countOnHand))
            fields["product_id"] = .int(Int64(variant.productID))
            fields["lock_version"] = .int(Int64(variant.lockVersion))
        }
        return fields
    }

    func variant(_ variant: Variant, product: Product?, stockItems: [StockItem] = [], locations: [Int: StockLocation] = [:]) -> JSONValue {
        var fields = variantAttributes(variant, product: product)
        fields["options_text"] = .string(variant.optionsText)
        fields["option_values"] = []
        fields["images"] = []
        if version == .v2_0 {
            fields["stock_items"] = .array(
                stockItems.map { item in
                    [
                        "id": .int(Int64(item.id)), "count_on_hand": .int(Int64(item.countOnHand)),
                        "stock_location_id": .int(Int64(item.stockLocationID)),
                        "backorderable": .bool(item.backorderable), "available": .bool(item.countOnHand > 0 || item.backorderable),
                        "stock_location_name": .string(locations[item.stockLocationID]?.name ?? "default"),
                    ]
                }
            )
        }
        return .object(fields)
    }

    func payment(_ payment: Payment) -> JSONValue {
        var fields: JSONObject = [
            "id": .int(Int64(payment.id)), "source_type": Self.text(payment.sourceType),
            "source_id": payment.sourceID.map { .int(Int64($0)) } ?? .null,
            "amount": Self.money(payment.amount), "payment_method_id": .int(Int64(payment.paymentMethodID)),
            "response_code": Self.text(payment.responseCode),
            "state": .string(payment.state), "avs_response": Self.text(payment.avsResponse), "created_at": Self.time(payment.createdAt),
            "updated_at": Self.time(payment.updatedAt),
        ]
        if version == .v2_0 { fields["display_amount"] = .string(payment.amount.display) }
        return .object(fields)
    }

    func inventoryUnit(_ unit: InventoryUnit, shipment: Shipment, order: Order) -> JSONValue {
        [
            "id": .int(Int64(unit.id)), "lock_version": .int(Int64(unit.lockVersion)), "state": .string(unit.state),
            "variant_id": .int(Int64(unit.variantID)), "shipment_id": .int(Int64(shipment.id)), "order_id": .int(Int64(order.id)),
            "return_authorization_id": unit.returnAuthorizationID.map { .int(Int64($0)) } ?? .null,
            "serial_number": Self.text(unit.serialNumber),
        ]
    }

    func shipment(_ shipment: Shipment, order: Order) -> JSONValue {
        var fields: JSONObject = [
            "id": .int(Int64(shipment.id)), "tracking": Self.text(shipment.tracking), "number": .string(shipment.number),
            "cost": shipment.cost == .zero ? 0 : Self.money(shipment.cost), "shipped_at": Self.time(shipment.shippedAt),
            "state": .string(shipment.state),
            "order_id": .string(order.number),
            "shipping_method": ["name": .string(shipment.shippingMethod), "zone_id": 1, "shipping_category_id": 1],
        ]
        if version == .v2_0 {
            fields["stock_location_name"] = .string(shipment.stockLocation)
            fields["shipping_rates"] = [
                [
                    "id": .int(Int64(shipment.id)), "cost": Self.money(shipment.cost), "selected": true, "shipment_id": .int(Int64(shipment.id)),
                    "shipping_method_id": 1,
                ]
            ]
            fields["inventory_units"] = .array(
                shipment.inventoryUnits.map { ["id": .int(Int64($0.id)), "variant_id": .int(Int64($0.variantID)), "state": .string($0.state)] }
            )
        }
        return .object(fields)
    }

    func orderAttributes(_ order: Order) -> JSONObject {
        var fields: JSONObject = [
            "id": .int(Int64(order.id)), "number": .string(order.number), "item_total": Self.money(order.itemTotal), "total": Self.money(order.total),
            "state": .string(order.state), "adjustment_total": Self.money(order.adjustmentTotal),
            "user_id": order.userID.map { .int(Int64($0)) } ?? .null,
            "created_at": Self.time(order.createdAt), "updated_at": Self.time(order.updatedAt), "completed_at": Self.time(order.completedAt),
            "payment_total": Self.money(order.paymentTotal), "shipment_state": Self.text(order.shipmentState),
            "payment_state": Self.text(order.paymentState),
            "email": Self.text(order.email), "special_instructions": Self.text(order.specialInstructions), "channel": .string(order.channel),
        ]
        if version == .v2_0 {
            fields["ship_total"] = order.shipTotal == .zero ? 0 : Self.money(order.shipTotal)
            fields["token"] = .string(order.token)
            fields["currency"] = .string(order.currency)
        }
        if lockable { fields["locked_at"] = Self.time(order.lockedAt) }
        return fields
    }

    func order(_ order: Order) async -> JSONValue {
        var fields = orderAttributes(order)
        fields["bill_address"] = address(order.billAddress)
        fields["ship_address"] = address(order.shipAddress)
        var items: [JSONValue] = []
        for item in order.lineItems {
            let variant = await database.variant(id: item.variantID)
            let product = await database.product(of: variant)
            var itemFields: JSONObject = [
                "id": .int(Int64(item.id)), "quantity": .int(Int64(item.quantity)), "price": Self.money(item.price),
                "variant_id": .int(Int64(item.variantID)),
            ]
            if let variant {
                var variantFields = variantAttributes(variant, product: product)
                variantFields["options_text"] = .string(variant.optionsText)
                variantFields["option_values"] = []
                variantFields["product_id"] = .int(Int64(variant.productID))
                variantFields["images"] = []
                itemFields["variant"] = .object(variantFields)
            }
            items.append(.object(itemFields))
        }
        fields["line_items"] = .array(items)
        fields["payments"] = .array(
            order.payments.map { payment in
                [
                    "id": .int(Int64(payment.id)), "amount": Self.money(payment.amount), "state": .string(payment.state),
                    "payment_method_id": .int(Int64(payment.paymentMethodID)),
                    "payment_method": ["id": .int(Int64(payment.paymentMethodID)), "name": "Check", "environment": "development"],
                ]
            }
        )
        fields["shipments"] = .array(order.shipments.map { shipment($0, order: order) })
        if version == .v2_0 {
            fields["adjustments"] = .array(
                order.adjustments.map { adjustment in
                    [
                        "id": .int(Int64(adjustment.id)), "source_type": .null, "source_id": .null, "adjustable_type": "Spree::Order",
                        "adjustable_id": .int(Int64(order.id)),
                        "originator_type": .null, "originator_id": .null, "amount": Self.money(adjustment.amount), "label": .string(adjustment.label),
                        "mandatory": false, "locked": true, "eligible": true, "created_at": Self.time(adjustment.createdAt),
                        "updated_at": Self.time(adjustment.createdAt),
                    ]
                }
            )
            fields["credit_cards"] = []
        }
        return .object(fields)
    }

    /// An order as the hub connector's collections render it: core attributes, `tax_total`,
    /// addresses, line items with variants, payments, shipments and adjustments.
    func connectorOrder(_ order: Order) async -> JSONValue {
        guard case .object(var fields) = await self.order(order) else { return .null }
        fields["tax_total"] = 0
        fields["adjustments"] = .array(
            order.adjustments.map { adjustment in
                [
                    "id": .int(Int64(adjustment.id)), "amount": Self.money(adjustment.amount), "label": .string(adjustment.label), "mandatory": false,
                    "locked": true, "eligible": true, "originator_type": .null, "adjustable_type": "Spree::Order",
                ]
            }
        )
        fields["credit_cards"] = []
        return .object(fields)
    }

    func product(
        _ product: Product,
        variants: [Variant],
        stock: (Variant) -> [StockItem] = { _ in [] },
        locations: [Int: StockLocation] = [:]
    ) -> JSONValue {
        var fields: JSONObject = [
            "id": .int(Int64(product.id)), "name": .string(product.name), "description": .string(product.description),
            "price": Self.money(product.price),
            "available_on": Self.time(product.availableOn), "permalink": .string(product.permalink),
            "meta_description": Self.text(product.metaDescription),
            "meta_keywords": Self.text(product.metaKeywords), "taxon_ids": .array(product.taxonIDs.map { .int(Int64($0)) }),
        ]
        if version == .v2_0 {
            fields["shipping_category_id"] = .int(Int64(product.shippingCategoryID))
            fields["option_types"] = []
            fields["product_properties"] = []
        } else {
            fields["count_on_hand"] = .int(Int64(variants.filter { !$0.isMaster }.reduce(0) { $0 + $1.countOnHand }))
        }
        fields["variants"] = .array(variants.map { self.variant($0, product: product, stockItems: stock($0), locations: locations) })
        return .object(fields)
    }

    func connectorProduct(_ product: Product, variants: [Variant]) -> JSONValue {
        var fields: JSONObject = [
            "id": .int(Int64(product.id)), "sku": .string(variants.first { $0.isMaster }?.sku ?? ""), "name": .string(product.name),
            "description": .string(product.description), "price": Self.money(product.price), "available_on": Self.time(product.availableOn),
            "permalink": .string(product.permalink), "meta_description": Self.text(product.metaDescription),
            "meta_keywords": Self.text(product.metaKeywords),
            "shipping_category_id": .int(Int64(product.shippingCategoryID)), "taxon_ids": .array(product.taxonIDs.map { .int(Int64($0)) }),
            "updated_at": Self.time(product.updatedAt),
        ]
        if version == .v2_0 { fields["cost_price"] = product.costPrice.map(Self.money) ?? .null }
        fields["variants"] = .array(
            variants.filter { !$0.isMaster }.map { variant in
                var attributes = variantAttributes(variant, product: product)
                attributes["product_created_at"] = Self.time(product.createdAt)
                attributes["product_updated_at"] = Self.time(product.updatedAt)
                return .object(attributes)
            }
        )
        return .object(fields)
    }

    func user(_ user: User) -> JSONValue {
        ["id": .int(Int64(user.id)), "email": .string(user.email), "created_at": Self.time(user.createdAt), "updated_at": Self.time(user.updatedAt)]
    }

    func taxon(_ taxon: Taxon, connector: Bool) -> JSONValue {
        var fields: JSONObject = [
            "id": .int(Int64(taxon.id)), "name": .string(taxon.name), "permalink": .string(taxon.permalink),
            "parent_id": taxon.parentID.map { .int(Int64($0)) } ?? .null, "taxonomy_id": .int(Int64(taxon.taxonomyID)),
        ]
        if connector || version == .v1_3 { fields["position"] = .int(Int64(taxon.position)) }
        if connector {
            fields["description"] = Self.text(taxon.description)
            fields["created_at"] = Self.time(taxon.createdAt)
            fields["updated_at"] = Self.time(taxon.updatedAt)
        } else if version == .v2_0 {
            fields["pretty_name"] = .string(taxon.name)
        }
        return .object(fields)
    }

    func returnAuthorization(_ ra: ReturnAuthorization) -> JSONValue {
        [
            "id": .int(Int64(ra.id)), "number": .string(ra.number), "state": .string(ra.state), "amount": Self.money(ra.amount),
            "order_id": .int(Int64(ra.orderID)), "reason": Self.text(ra.reason), "created_at": Self.time(ra.createdAt),
            "updated_at": Self.time(ra.updatedAt),
        ]
    }

    func stockLocation(_ location: StockLocation?) -> JSONValue {
        guard let location else { return .null }
        return [
            "id": .int(Int64(location.id)), "name": .string(location.name), "address1": .null, "address2": .null, "city": .null, "state_id": .null,
            "state_name": .null, "country_id": .null, "zipcode": .null, "phone": .null, "active": .bool(location.active), "country": .null,
            "state": .null,
        ]
    }

    func stockItem(_ item: StockItem, variant: Variant?, product: Product?) -> JSONValue {
        var fields: JSONObject = [
            "id": .int(Int64(item.id)), "count_on_hand": .int(Int64(item.countOnHand)), "backorderable": .bool(item.backorderable),
            "stock_location_id": .int(Int64(item.stockLocationID)), "variant_id": .int(Int64(item.variantID)),
        ]
        if let variant {
            var attributes = variantAttributes(variant, product: product)
            attributes["options_text"] = .string(variant.optionsText)
            attributes["option_values"] = []
            fields["variant"] = .object(attributes)
        }
        return .object(fields)
    }
}
