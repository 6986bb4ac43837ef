import Foundation
import IntegratorModel

extension SpreeAPI {
    /// The collections the hub connector offers: seven on 2.0, five on 1.3 (no stock
    /// transfers, no taxons).
    public var collections: [(name: String, token: String, frequency: String)] {
        var all: [(String, String, String)] = [
            ("orders", "number", "5.minutes"), ("users", "email", "5.minutes"), ("carts", "number", "5.minutes"),
            ("products", "sku", "1.hour"), ("return_authorizations", "number", "1.hour"),
        ]
        if version == .v2_0 { all += [("stock_transfers", "id", "1.hour"), ("taxons", "id", "1.hour")] }
        return all
    }

    /// `GET /api/integrator?message=hub:poll` lists the collections; without it the legacy
    /// combined shape of orders and stock transfers.
    func integratorIndex(_ params: Params) async -> JSONValue {
        if params["message"]?.stringValue == "hub:poll" {
            return [
                "collections": .array(collections.map { ["name": .string($0.name), "token": .string($0.token), "frequency": .string($0.frequency)] })
            ]
        }
        var legacy: JSONObject = [:]
        for name in ["orders", "stock_transfers"] {
            let prefixed = Params(
                fields: ([
                    "since": params["since"] ?? .null, "page": params["\(name)_page"] ?? 1, "per_page": params["\(name)_per_page"] ?? 25,
                ] as JSONObject).filter { $0.value != .null }
            )
            if let records = try? await collection(name, prefixed), case .object(var fields) = records {
                fields["page"] = fields.removeValue(forKey: name)
                legacy[name] = .object(fields)
            }
        }
        return .object(legacy)
    }

    /// `GET /api/integrator/<collection>?since&page&per_page`: records with
    /// `updated_at >= since` (default a day ago), oldest change first.
    func collection(_ name: String, _ params: Params) async throws -> JSONValue {
        guard collections.contains(where: { $0.name == name }) else { throw SpreeError.notFound }
        let since = params["since"]?.stringValue.flatMap(SpreeTime.parse) ?? database.now().addingTimeInterval(-24 * 3600)
        let db = database
        let r = renderer
        var records: [(Date, Int, JSONValue)] = []
        switch name {
        case "orders", "carts":
            // Only the requested page is rendered: a store with many orders answers each page
            // in time proportional to the page, not to the whole collection.
            var matching: [Order] = []
            for order in await db.allOrders() where order.updatedAt >= since {
                let complete = order.completedAt != nil
                if (name == "orders") == complete, name == "orders" || order.state != "complete" { matching.append(order) }
            }
            matching.sort { ($0.updatedAt, $0.id) < ($1.updatedAt, $1.id) }
            let (pageNumber, perPage, _, _) = params.paging
            let first = min(matching.count, max(0, (pageNumber - 1) * perPage))
            var rendered = [JSONValue](repeating: .null, count: matching.count)
            for index in first..<min(matching.count, first + perPage) { rendered[index] = await r.connectorOrder(matching[index]) }
            return page(name, rendered, params)
        case "products":
            for product in await db.allProducts() where product.updatedAt >= since {
                records.append(
                    (
                        product.updatedAt, product.id,
                        r.connectorProduct(product, variants: await db.allVariants().filter { $0.productID == product.id })
                    )
                )
            }
        case "users":
            for user in await db.allUsers() where user.updatedAt >= since { records.append((user.updatedAt, user.id, r.user(user))) }
        case "taxons":
            for taxon in await db.allTaxons() where taxon.updatedAt >= since {
                records.append((taxon.updatedAt, taxon.id, r.taxon(taxon, connector: true)))
            }
        case "return_authorizations":
            for ra in await db.allReturnAuthorizations() where ra.updatedAt >= since {
                guard case .object(var fields) = r.returnAuthorization(ra) else { continue }
                if let order = await db.order(id: ra.orderID) {
                    fields["order"] = await r.connectorOrder(order)
                    if version == .v2_0 {
                        fields["inventory_units"] = .array(
                            order.shipments.flatMap { shipment in
                                shipment.inventoryUnits.filter { $0.returnAuthorizationID == ra.id }.map {
                                    r.inventoryUnit($0, shipment: shipment, order: order)
                                }
                            }
                        )
                    }
                }
                records.append((ra.updatedAt, ra.id, .object(fields)))
            }
        case "stock_transfers":
            for transfer in await db.allStockTransfers() where transfer.updatedAt >= since {
                var movements: [JSONValue] = []
                for (index, movement) in transfer.movements.enumerated() {
                    let variant = await db.variant(id: movement.variantID)
                    movements.append([
                        "id": .int(Int64(transfer.id * 100 + index)), "quantity": .int(Int64(movement.quantity)),
                        "stock_item": [
                            "count_on_hand": .int(Int64(await db.countOnHand(variantID: movement.variantID))),
                            "variant": variant.map { .object(r.variantAttributes($0, product: nil)) } ?? .null,
                        ],
                    ])
                }
                records.append(
                    (
                        transfer.updatedAt, transfer.id,
                        [
                            "id": .int(Int64(transfer.id)), "number": .string(transfer.number), "created_at": Renderer.time(transfer.createdAt),
                            "updated_at": Renderer.time(transfer.updatedAt),
                            "source_location": r.stockLocation(await db.stockLocation(id: transfer.sourceLocationID)),
                            "source_movements": .array(
                                movements.map { movement in
                                    guard case .object(var fields) = movement else { return movement }
                                    fields["quantity"] = .int(-(fields["quantity"]?.numberValue.map { Int64($0) } ?? 0))
                                    return .object(fields)
                                }
                            ),
                            "destination_location": r.stockLocation(await db.stockLocation(id: transfer.destinationLocationID)),
                            "destination_movements": .array(movements),
                        ]
                    )
                )
            }
        default:
            throw SpreeError.notFound
        }
        records.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        return page(name, records.map(\.2), params)
    }
}
