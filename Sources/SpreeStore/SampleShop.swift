import Foundation

extension SpreeDatabase {
    /// Makes sure an admin user holds `apiKey`, as the hub connector's integrator user did.
    public func ensureAdmin(apiKey: String) {
        if users.values.contains(where: { $0.apiKey == apiKey && $0.admin }) { return }
        let time = now()
        save(User(id: nextID("user"), email: "integrator@spreecommerce.com", apiKey: apiKey, admin: true, createdAt: time, updatedAt: time))
    }

    /// A small shop: products with variants and stock, customers, and complete orders with
    /// payments and shipments in several states, a cart, a return authorization and (2.0) a
    /// stock transfer. SKUs follow the seed's examples (`APC-00001`, `ABC-123`, `DEF-123`).
    public func loadSample() {
        let time = now()
        let location = StockLocation(id: nextID("stock_location"), name: "default", active: true)
        save(location)
        let taxonomy = Taxonomy(id: nextID("taxonomy"), name: "Categories")
        save(taxonomy)
        let root = Taxon(
            id: nextID("taxon"),
            taxonomyID: taxonomy.id,
            parentID: nil,
            position: 0,
            name: "Categories",
            permalink: "categories",
            description: nil,
            createdAt: time,
            updatedAt: time
        )
        save(root)
        let clothes = Taxon(
            id: nextID("taxon"),
            taxonomyID: taxonomy.id,
            parentID: root.id,
            position: 1,
            name: "Clothes",
            permalink: "categories/clothes",
            description: "Things to wear",
            createdAt: time,
            updatedAt: time
        )
        save(clothes)

        let catalogue: [(name: String, price: String, skus: [(String, String, Int)])] = [
            ("Spree T-Shirt", "19.99", [("ABC-123", "Size: L", 6), ("ABC-124", "Size: M", 10)]),
            ("Spree Shoe", "23.99", [("DEF-123", "Size: 42", 8)]),
            ("Apache Baseball Cap", "15.99", [("APC-00001", "", 0)]),
            ("Ruby Mug", "12.5", [("RUB-00001", "", 25)]),
        ]
        var bySKU: [String: Variant] = [:]
        for (index, entry) in catalogue.enumerated() {
            let product = Product(
                id: nextID("product"),
                name: entry.name,
                description: "The \(entry.name), from the sample shop.",
                price: Money(entry.price)!,
                costPrice: Money(cents: Money(entry.price)!.cents / 2),
                permalink: entry.name.lowercased().replacingOccurrences(of: " ", with: "-"),
                availableOn: time.addingTimeInterval(-86400 * 30),
                metaDescription: nil,
                metaKeywords: nil,
                shippingCategoryID: 1,
                taxonIDs: index < 2 ? [clothes.id] : [],
                createdAt: time,
                updatedAt: time,
                deletedAt: nil
            )
            save(product)
            let hasOptions = entry.skus.count > 1 || !entry.skus[0].1.isEmpty
            let master = Variant(
                id: nextID("variant"),
                productID: product.id,
                sku: hasOptions ? "\(entry.skus[0].0)-MASTER" : entry.skus[0].0,
                price: product.price,
                costPrice: product.costPrice,
                weight: nil,
                isMaster: true,
                optionsText: "",
                countOnHand: hasOptions ? 0 : entry.skus[0].2,
                lockVersion: 0,
                createdAt: time,
                updatedAt: time
            )
            save(master)
            var sellable = hasOptions ? [] : [master]
            if hasOptions {
                for (sku, options, _) in entry.skus {
                    let variant = Variant(
                        id: nextID("variant"),
                        productID: product.id,
                        sku: sku,
                        price: product.price,
                        costPrice: product.costPrice,
                        weight: "0.5",
                        isMaster: false,
                        optionsText: options,
                        countOnHand: 0,
                        lockVersion: 0,
                        createdAt: time,
                        updatedAt: time
                    )
                    save(variant)
                    sellable.append(variant)
                }
            }
            for (variant, stock) in zip(sellable, entry.skus.map(\.2)) {
                var counted = variant
                counted.countOnHand = stock
                save(counted)
                bySKU[variant.sku] = counted
                if version == .v2_0 {
                    var item = stockItem(variantID: variant.id, locationID: location.id)
                    item.countOnHand = stock
                    save(item)
                }
            }
        }

        let customers = ["spree@example.com", "test1@test.com", "chris@example.com"].map { email in
            User(id: nextID("user"), email: email, apiKey: nil, admin: false, createdAt: time, updatedAt: time)
        }
        customers.forEach(save)
        let address = Address(
            id: nextID("address"),
            firstname: "Chris",
            lastname: "Mar",
            address1: "112 Hula Lane",
            address2: "",
            city: "Leesburg",
            zipcode: "20175",
            phone: "555-555-1212",
            company: nil,
            countryISO: "US",
            stateName: "Virginia"
        )

        // (payment state, shipment state, complete?)
        let plans: [(String, String, Bool)] = [
            ("checkout", "pending", true), ("pending", "pending", true), ("completed", "ready", true), ("completed", "shipped", true),
            ("void", "pending", true), ("checkout", "pending", false),
        ]
        for (index, plan) in plans.enumerated() {
            let created = time.addingTimeInterval(Double(index - plans.count) * 3600)
            let variant = bySKU[["ABC-123", "DEF-123", "RUB-00001", "ABC-124", "DEF-123", "ABC-123"][index]]!
            let items = [
                LineItem(
                    id: nextID("line_item"),
                    variantID: variant.id,
                    quantity: index % 3 + 1,
                    price: variant.price,
                    createdAt: created,
                    updatedAt: created
                )
            ]
            var order = Order(
                id: nextID("order"),
                number: number("R", digits: 9) { n in self.orders.values.contains { $0.number == n } },
                state: plan.2 ? "complete" : "cart",
                email: customers[index % customers.count].email,
                userID: customers[index % customers.count].id,
                channel: "spree",
                currency: "USD",
                token: String(UUID().uuidString.prefix(16)).lowercased(),
                specialInstructions: nil,
                paymentState: nil,
                shipmentState: nil,
                billAddress: address,
                shipAddress: address,
                lineItems: items,
                adjustments: [],
                payments: [],
                shipments: [],
                lockedAt: nil,
                createdAt: created,
                updatedAt: created,
                completedAt: plan.2 ? created : nil
            )
            let shipping = Money(cents: 500)
            if plan.2 {
                order.shipments = [
                    Shipment(
                        id: nextID("shipment"),
                        number: number("H", digits: 11) { _ in false },
                        tracking: plan.1 == "shipped" ? "1Z999AA10123456784" : nil,
                        cost: shipping,
                        shippedAt: plan.1 == "shipped" ? created : nil,
                        state: plan.1,
                        stockLocation: location.name,
                        shippingMethod: "UPS Ground",
                        inventoryUnits: (0..<items[0].quantity).map { _ in
                            InventoryUnit(
                                id: nextID("inventory_unit"),
                                variantID: variant.id,
                                state: plan.1 == "shipped" ? "shipped" : "on_hand",
                                lockVersion: 0,
                                returnAuthorizationID: nil,
                                serialNumber: nil
                            )
                        },
                        createdAt: created,
                        updatedAt: created
                    )
                ]
                order.payments = [
                    Payment(
                        id: nextID("payment"),
                        amount: order.itemTotal + shipping,
                        state: plan.0,
                        paymentMethodID: 1,
                        sourceType: "Spree::CreditCard",
                        sourceID: index + 1,
                        responseCode: plan.0 == "completed" ? "507544062" : nil,
                        avsResponse: plan.0 == "completed" ? "Y" : nil,
                        createdAt: created,
                        updatedAt: created
                    )
                ]
                let shipmentStates = order.shipments.map(\.state)
                order.paymentState = order.paymentTotal < order.total ? "balance_due" : "paid"
                order.shipmentState = shipmentStates.first
            }
            save(order)
            if plan.1 == "shipped" {
                var shipped = order
                let ra = ReturnAuthorization(
                    id: nextID("return_authorization"),
                    number: number("RMA", digits: 9) { _ in false },
                    state: "authorized",
                    amount: variant.price,
                    orderID: order.id,
                    reason: "Too small",
                    createdAt: created,
                    updatedAt: created
                )
                save(ra)
                shipped.shipments[0].inventoryUnits[0].returnAuthorizationID = ra.id
                save(shipped)
            }
        }
        if version == .v2_0 {
            let warehouse = StockLocation(id: nextID("stock_location"), name: "warehouse", active: true)
            save(warehouse)
            save(
                StockTransfer(
                    id: nextID("stock_transfer"),
                    number: number("T", digits: 9) { _ in false },
                    sourceLocationID: warehouse.id,
                    destinationLocationID: location.id,
                    movements: [StockTransferMovement(variantID: bySKU["RUB-00001"]!.id, quantity: 1)],
                    createdAt: time,
                    updatedAt: time
                )
            )
        }
    }
}
