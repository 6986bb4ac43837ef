import AsyncHTTPClient
import EndpointKit
import Foundation
import IntegratorModel

/// The services of the Spree endpoint (seeds/spree-endpoint.md, SPEC §8), each turning a hub
/// message into calls on a Spree store's API. A refusal by the store (unknown order or sku,
/// payment not capturable, quantity refused) answers 200 with an error notification, so the hub
/// does not retry; a store that cannot be reached answers 500, so it does.
public struct SpreeServices: Sendable {
    let http: HTTPClient

    public init(http: HTTPClient) {
        self.http = http
    }

    /// Runs `work` against the store named by the request's parameters, turning the store's
    /// refusals into error notifications.
    func withStore(
        _ request: EndpointRequest,
        subject: String,
        _ work: (SpreeClient, inout EndpointResponse) async throws -> Void
    ) async throws -> EndpointResponse {
        var response = EndpointResponse(messageID: request.messageID)
        let client = try SpreeClient(http: http, request: request)
        do {
            try await work(client, &response)
        } catch let refusal as SpreeClient.Refusal {
            response.addNotification(.error, subject: subject, description: "\(subject): \(refusal)")
        } catch let refusal as BusinessFailure {
            response.addNotification(.error, subject: subject, description: refusal.description)
        }
        return response
    }

    /// A failure the store will answer the same way however often it is asked.
    struct BusinessFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    // MARK: /orders/lock

    /// `order:ship`: locks the order so admins cannot edit it, and returns `locked`.
    public func lock(_ request: EndpointRequest) async throws -> EndpointResponse {
        let number = try Self.orderNumber(request)
        return try await withStore(request, subject: "order:ship") { store, response in
            let now = Self.timestamp(Date())
            let order = try await store.put("orders/\(Self.escape(number))", ["order": ["locked_at": .string(now)]])
            guard let lockedAt = order["locked_at"], lockedAt != .null else {
                response.addNotification(
                    .warn,
                    subject: "order not locked",
                    description: "the store has no locked_at column (the hub connector adds it), so order \(number) could not be locked"
                )
                response.add(value: ["number": .string(number), "locked_at": .null], for: "locked")
                return
            }
            response.add(value: ["number": .string(number), "locked_at": lockedAt], for: "locked")
        }
    }

    // MARK: /payments/capturer

    /// `order:capture`: captures the order's pending payment; returns `payment` and an
    /// `order:payment:captured` message.
    public func capture(_ request: EndpointRequest) async throws -> EndpointResponse {
        let number = try Self.orderNumber(request)
        return try await withStore(request, subject: "order:capture") { store, response in
            let payments: JSONValue
            do {
                payments = try await store.get("orders/\(Self.escape(number))/payments")
            } catch is SpreeClient.Refusal {
                throw BusinessFailure("order \(number) was not found in the store")
            }
            let all = payments["payments"]?.arrayValue ?? []
            guard let payment = all.first(where: { ["checkout", "pending"].contains($0["state"]?.stringValue ?? "") }),
                let id = payment["id"]?.numberValue.map({ Int($0) })
            else {
                let states = all.compactMap { $0["state"]?.stringValue }
                throw BusinessFailure(
                    "order \(number) has no payment that can be captured (payments: \(states.isEmpty ? "none" : states.joined(separator: ", ")))"
                )
            }
            let captured = try await store.put("orders/\(Self.escape(number))/payments/\(id)/capture")
            response.add(value: captured, for: "payment")
            response.addMessage("order:payment:captured", payload: ["order_id": .string(number), "payment_id": .int(Int64(id))])
        }
    }

    // MARK: /orders/import

    /// `order:import`: creates the order from the canonical order; `address1` longer than
    /// `truncate_address_address1` is cut, with a warn notification.
    public func importOrder(_ request: EndpointRequest) async throws -> EndpointResponse {
        guard case .object(let order)? = request.payload["order"] else {
            throw EndpointError.badRequest("payload.order is required: the order to import")
        }
        let limit = request.string("truncate_address_address1").flatMap(Int.init)
        return try await withStore(request, subject: "order:import") { store, response in
            var spree: JSONObject = [:]
            spree["email"] = order["email"]
            spree["channel"] = order["channel"]
            spree["currency"] = order["currency"]
            if let status = order["status"]?.stringValue, status == "complete" || status == "completed" {
                spree["completed_at"] = order["placed_on"] ?? .string(Self.timestamp(Date()))
            }
            spree["line_items"] = .array(
                (order["line_items"]?.arrayValue ?? []).map { item in
                    var fields: JSONObject = ["sku": item["sku"] ?? .null, "quantity": item["quantity"] ?? 1]
                    if let price = item["price"] { fields["price"] = price }
                    return .object(fields)
                }
            )
            for (canonical, target) in [("billing_address", "bill_address"), ("shipping_address", "ship_address")] {
                guard case .object(var address)? = order[canonical] else { continue }
                if let limit, limit >= 0, let line = address["address1"]?.stringValue, line.count > limit {
                    let cut = String(line.prefix(limit))
                    address["address1"] = .string(cut)
                    response.addNotification(
                        .warn,
                        subject: "address1 was truncated",
                        description: "address1 was truncated from '\(line)' to '\(cut)'"
                    )
                }
                if let country = address["country"]?.stringValue { address["country"] = ["iso": .string(country)] }
                if let state = address["state"]?.stringValue { address["state"] = ["name": .string(state)] }
                spree[target] = .object(address)
            }
            spree["payments"] = .array(
                (order["payments"]?.arrayValue ?? []).map { payment in
                    [
                        "amount": payment["amount"] ?? 0, "payment_method": payment["payment_method"] ?? "Check",
                        "state": payment["status"] ?? "completed",
                    ]
                }
            )
            spree["adjustments"] = .array(
                (order["adjustments"]?.arrayValue ?? []).map { adjustment in
                    ["label": adjustment["name"] ?? "Adjustment", "amount": adjustment["value"] ?? 0]
                }
            )
            let created = try await store.post("orders", ["order": .object(spree.filter { $0.value != .null })])
            response.add(value: created, for: "order")
        }
    }

    // MARK: /shipments/inventory_unit

    /// `shipment:confirm`: ships the shipment with its tracking number and records serial
    /// numbers on its inventory units, matched by `external_ref` (or sku).
    public func confirmShipment(_ request: EndpointRequest) async throws -> EndpointResponse {
        let payload = request.payload
        let shipment = payload["shipment"]
        guard let number = (shipment?["number"] ?? payload["shipment_number"]).map(\.comparableText), !number.isEmpty else {
            throw EndpointError.badRequest("payload.shipment.number (or payload.shipment_number) is required")
        }
        let tracking = (shipment?["tracking"] ?? payload["tracking_number"])?.comparableText
        let items = (shipment?["items"] ?? payload["items"])?.arrayValue ?? []
        return try await withStore(request, subject: "shipment:confirm") { store, response in
            var orderNumber = (shipment?["order_number"] ?? payload["order_number"] ?? payload["order"]?["number"])?.comparableText
            if orderNumber == nil {
                let found = try await store.get("orders", query: ["q[shipments_number_eq]": number])
                orderNumber = found["orders"]?[0]?["number"]?.stringValue
            }
            guard let orderNumber else { throw BusinessFailure("no order of the store has shipment \(number)") }
            let base = "orders/\(Self.escape(orderNumber))/shipments/\(Self.escape(number))"
            let order = try await store.get("orders/\(Self.escape(orderNumber))")
            guard let current = order["shipments"]?.arrayValue?.first(where: { $0["number"]?.stringValue == number }) else {
                throw BusinessFailure("order \(orderNumber) has no shipment \(number)")
            }
            let trackingBody: JSONValue = tracking.map { ["shipment": ["tracking": .string($0)]] } ?? [:]
            if current["state"]?.stringValue == "pending" {
                _ = try await store.put("\(base)/ready", trackingBody)
            }
            let shipped = try await store.put("\(base)/ship", trackingBody)
            response.add(value: shipped, for: "shipment")

            // Serial numbers: the connector's variant lookup lists each variant's inventory units;
            // take the ones in this shipment, matched by external_ref (or sku).
            let shipmentID = current["id"]?.numberValue.map { Int($0) }
            var recorded = 0
            for item in items {
                let ref = (item["external_ref"] ?? item["part_number"] ?? item["sku"])?.comparableText ?? ""
                var serials = item["serial_numbers"]?.arrayValue?.map(\.comparableText) ?? []
                if let one = item["serial_number"]?.comparableText { serials.append(one) }
                if serials.isEmpty { continue }
                let variants = try await store.get("variants", query: ["q[sku_eq]": ref])
                var available = (variants["variants"]?[0]?["inventory_units"]?.arrayValue ?? [])
                    .filter { $0["shipment_id"]?.numberValue.map { Int($0) } == shipmentID }
                    .compactMap { $0["id"]?.numberValue.map { Int($0) } }
                for serial in serials {
                    guard !available.isEmpty else {
                        response.addNotification(
                            .warn,
                            subject: "serial number not recorded",
                            description: "shipment \(number) has no inventory unit left for \(ref) to take serial number \(serial)"
                        )
                        continue
                    }
                    _ = try await store.put("inventory_units/\(available.removeFirst())", ["inventory_unit": ["serial_number": .string(serial)]])
                    recorded += 1
                }
            }
            response.addNotification(
                .info,
                subject: "shipment:confirm",
                description: "shipment \(number) of order \(orderNumber) shipped" + (tracking.map { " with tracking \($0)" } ?? "")
                    + (recorded > 0 ? ", \(recorded) serial number(s) recorded" : "")
            )
        }
    }

    // MARK: /stock/change, /stock/actual

    /// `stock:change` (adds `quantity`, or sets it with `spree.force_quantity`) and `stock:actual`
    /// (always sets it), per the seed's 1.3 and 2.0 tables.
    public func changeStock(_ request: EndpointRequest) async throws -> EndpointResponse {
        guard let sku = request.payload["sku"].map(\.comparableText), !sku.isEmpty else {
            throw EndpointError.badRequest("payload.sku is required")
        }
        guard let quantityValue = request.payload["quantity"],
            let quantity = quantityValue.numberValue.map({ Int($0) }) ?? Int(quantityValue.comparableText)
        else {
            throw EndpointError.badRequest("payload.quantity must be a whole number")
        }
        let actual = request.message == "stock:actual"
        let force = actual || request.flag("spree.force_quantity")
        let subject = actual ? "stock:actual" : "stock:change"
        return try await withStore(request, subject: subject) { store, response in
            let variants = try await store.get("variants", query: ["q[sku_eq]": sku])
            guard let variant = variants["variants"]?[0], let variantID = variant["id"]?.numberValue.map({ Int($0) }) else {
                throw BusinessFailure("no variant of the store has sku \(sku)")
            }
            let from: Int
            let to: Int
            switch store.version {
            case .v1_3:
                from = variant["count_on_hand"]?.numberValue.map { Int($0) } ?? 0
                guard let result = StockRule.apply(version: .v1_3, current: from, quantity: quantity, force: force) else {
                    throw BusinessFailure(
                        "InvalidQuantityException: a Spree 1.3 store cannot hold a negative count; "
                            + "received \(quantity) for sku \(sku) with \(from) on hand (force = \(force))"
                    )
                }
                let permalink = variant["permalink"]?.stringValue ?? ""
                let updated = try await store.put(
                    "products/\(Self.escape(permalink))/variants/\(variantID)",
                    ["variant": ["on_hand": .int(Int64(result))]]
                )
                to = updated["count_on_hand"]?.numberValue.map { Int($0) } ?? result
            case .v2_0:
                var locationID = request.string("spree.stock_location_id").flatMap(Int.init)
                if locationID == nil {
                    let locations = try await store.get("stock_locations")
                    locationID = locations["stock_locations"]?[0]?["id"]?.numberValue.map { Int($0) }
                }
                guard let locationID else { throw BusinessFailure("the store has no stock location") }
                let items = try await store.get("stock_locations/\(locationID)/stock_items", query: ["q[variant_id_eq]": String(variantID)])
                guard let item = items["stock_items"]?[0], let itemID = item["id"]?.numberValue.map({ Int($0) }) else {
                    throw BusinessFailure("stock location \(locationID) holds no stock item for sku \(sku)")
                }
                from = item["count_on_hand"]?.numberValue.map { Int($0) } ?? 0
                var change: JSONObject = ["count_on_hand": .int(Int64(quantity))]
                if force { change["force"] = true }
                let updated = try await store.put("stock_locations/\(locationID)/stock_items/\(itemID)", ["stock_item": .object(change)])
                to =
                    updated["count_on_hand"]?.numberValue.map { Int($0) } ?? StockRule.apply(
                        version: .v2_0,
                        current: from,
                        quantity: quantity,
                        force: force
                    )!
            }
            response.addNotification(
                .info,
                subject: subject,
                description: "received \(quantity) for sku \(sku), changed stock from \(from) to \(to) (force = \(force))"
            )
            response.add(value: .string(sku), for: "sku")
            response.add(value: .int(Int64(quantity)), for: "quantity")
            response.add(value: .int(Int64(from)), for: "from")
            response.add(value: .int(Int64(to)), for: "to")
        }
    }

    // MARK: Helpers

    static func orderNumber(_ request: EndpointRequest) throws -> String {
        guard let number = (request.payload["order"]?["number"] ?? request.payload["order_number"]).map(\.comparableText), !number.isEmpty else {
            throw EndpointError.badRequest("payload.order.number is required")
        }
        return number
    }

    static func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? segment
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
