import Foundation

/// Turns the latest copy of a store object into the messages the original hub emitted when it
/// compared a `*:persist` object with the copy it kept: `order:new` for an unseen order,
/// `order:updated` with `previous` and `diff` for a changed one (`order:canceled` instead when it
/// turned canceled), `shipment:ready` for each shipment that turned ready, and nothing when
/// nothing changed. The same for products, users and every other type.
public enum ChangeDetector {
    /// One message to emit.
    public struct Change: Sendable, Equatable {
        public var name: String
        public var payload: JSONValue
    }

    /// The identity of an object of `type`, or nil when it has none. `v6` objects use `id`.
    public static func identity(type: String, object: JSONValue, v6: Bool = false) -> String? {
        let field = v6 ? "id" : ObjectTypes.identityField(type)
        guard let value = object[field] ?? (v6 ? nil : object["id"]), value != .null else { return nil }
        let text = value.comparableText
        return text.isEmpty ? nil : text
    }

    /// What to emit for `current` given the `previous` copy (nil when unseen).
    public static func changes(type: String, previous: JSONValue?, current: JSONValue) -> [Change] {
        switch type {
        case "order", "cart":
            return orderChanges(type: type, previous: previous, current: current)
        case "shipment":
            let now = canonicalShipment(current, order: nil)
            let before = previous.map { canonicalShipment($0, order: nil) }
            if let before, comparable(before) == comparable(now) { return [] }
            let status = now["status"]?.stringValue
            let was = before?["status"]?.stringValue
            if status == "ready", was != "ready" { return [Change(name: "shipment:ready", payload: ["shipment": now])] }
            if status == "shipped", was != "shipped" { return [Change(name: "shipment:confirm", payload: ["shipment": now])] }
            return [Change(name: before == nil ? "shipment:new" : "shipment:updated", payload: payload("shipment", now, before))]
        default:
            let name = type == "customer" ? "user" : type
            if let previous, comparable(previous) == comparable(current) { return [] }
            return [Change(name: "\(name):\(previous == nil ? "new" : "updated")", payload: payload(name, current, previous))]
        }
    }

    static func orderChanges(type: String, previous: JSONValue?, current: JSONValue) -> [Change] {
        let now = canonicalOrder(current)
        let before = previous.map(canonicalOrder)
        if let before, comparable(before) == comparable(now) { return [] }
        var changes: [Change] = []
        var body: JSONObject = [type: now, "original": current]
        if let before {
            body["previous"] = before
            body["diff"] = diff(before, now)
            let turnedCanceled = now["status"]?.stringValue == "canceled" && before["status"]?.stringValue != "canceled"
            changes.append(Change(name: turnedCanceled && type == "order" ? "order:canceled" : "\(type):updated", payload: .object(body)))
        } else {
            changes.append(Change(name: "\(type):new", payload: .object(body)))
        }
        let wasReady = Set((before?["shipments"]?.arrayValue ?? []).filter { $0["status"] == "ready" }.compactMap { $0["number"]?.comparableText })
        for shipment in now["shipments"]?.arrayValue ?? [] where shipment["status"] == "ready" {
            guard let number = shipment["number"]?.comparableText, !wasReady.contains(number) else { continue }
            changes.append(
                Change(name: "shipment:ready", payload: ["shipment": canonicalShipment(shipment, order: now), "order": now, "original": current])
            )
        }
        return changes
    }

    static func payload(_ name: String, _ current: JSONValue, _ previous: JSONValue?) -> JSONValue {
        var body: JSONObject = [name: current]
        if let previous {
            body["previous"] = previous
            body["diff"] = diff(previous, current)
        }
        return .object(body)
    }

    /// `{field: [old, new]}` for each top-level field that changed (`updated_at` aside).
    public static func diff(_ before: JSONValue, _ after: JSONValue) -> JSONValue {
        let old = before.objectValue ?? [:]
        let new = after.objectValue ?? [:]
        var changed: JSONObject = [:]
        // In key order, so each change is added at the end of the object.
        for key in Set(old.keys).union(new.keys).sorted() where key != "updated_at" && old[key] != new[key] {
            changed[key] = [old[key] ?? .null, new[key] ?? .null]
        }
        return .object(changed)
    }

    /// An object without `updated_at`: a touch alone is not a change.
    static func comparable(_ value: JSONValue) -> JSONValue {
        guard case .object(var fields) = value else { return value }
        fields["updated_at"] = nil
        return .object(fields)
    }

    // MARK: Canonical objects

    /// The canonical v5 order (reference/protocol.md §5) from a Spree API order; an order
    /// already canonical (it has `status` or `totals`, or is a v6 object) is kept as it is.
    public static func canonicalOrder(_ raw: JSONValue) -> JSONValue {
        guard case .object(let spree) = raw else { return raw }
        if spree["totals"] != nil || spree["status"] != nil || spree["state"] == nil { return raw }
        var order: JSONObject = [:]
        let copied: [(String, String, JSONValue)] = [
            ("number", "number", .null), ("channel", "channel", "spree"), ("email", "email", .null), ("currency", "currency", "USD"),
            ("placed_on", "completed_at", .null), ("updated_at", "updated_at", .null), ("status", "state", .null),
            ("payment_state", "payment_state", .null), ("shipment_state", "shipment_state", .null),
        ]
        for (target, source, fallback) in copied { order[target] = spree[source] ?? fallback }
        let totals: [(String, String)] = [
            ("item", "item_total"), ("adjustment", "adjustment_total"), ("tax", "tax_total"), ("shipping", "ship_total"),
            ("payment", "payment_total"), ("order", "total"),
        ]
        var totalsObject: JSONObject = [:]
        for (target, source) in totals { totalsObject[target] = decimal(spree[source]) }
        order["totals"] = .object(totalsObject)
        order["line_items"] = .array(
            (spree["line_items"]?.arrayValue ?? []).map { item in
                var line = pick(item, [("name", "variant.name"), ("sku", "variant.sku"), ("quantity", "quantity"), ("variant_id", "variant_id")])
                if case .object(var fields) = line {
                    fields["price"] = decimal(item["price"])
                    line = .object(fields)
                }
                return line
            }
        )
        order["adjustments"] = .array((spree["adjustments"]?.arrayValue ?? []).map { pick($0, [("name", "label"), ("value", "amount")]) })
        order["payments"] = .array(
            (spree["payments"]?.arrayValue ?? []).map {
                pick($0, [("number", "id"), ("status", "state"), ("amount", "amount"), ("payment_method", "payment_method.name")])
            }
        )
        order["shipments"] = .array((spree["shipments"]?.arrayValue ?? []).map { canonicalShipment($0, order: nil) })
        let addressFields: [(String, String)] = [
            ("firstname", "firstname"), ("lastname", "lastname"), ("address1", "address1"), ("address2", "address2"), ("city", "city"),
            ("zipcode", "zipcode"), ("phone", "phone"), ("country", "country.iso"), ("state", "state.name"),
        ]
        if let address = spree["ship_address"], address != .null { order["shipping_address"] = pick(address, addressFields) }
        if let address = spree["bill_address"], address != .null { order["billing_address"] = pick(address, addressFields) }
        return .object(order)
    }

    /// Copies `source` paths (dotted) of `object` to `target` keys; what is missing is null.
    static func pick(_ object: JSONValue, _ pairs: [(target: String, source: String)]) -> JSONValue {
        var fields: JSONObject = [:]
        for (target, source) in pairs {
            fields[target] = JSONPath(source)?.values(in: object).first ?? .null
        }
        return .object(fields)
    }

    /// A Spree decimal (a string) as a number.
    static func decimal(_ value: JSONValue?) -> JSONValue {
        guard let value else { return 0 }
        if let n = value.numberValue { return .double(n) }
        return Double(value.comparableText).map { .double($0) } ?? 0
    }

    /// The canonical v5 shipment from a Spree shipment (or one already canonical).
    static func canonicalShipment(_ raw: JSONValue, order: JSONValue?) -> JSONValue {
        guard case .object(let spree) = raw else { return raw }
        var shipment: JSONObject
        if spree["status"] != nil {
            shipment = spree
        } else {
            shipment =
                pick(
                    raw,
                    [
                        ("number", "number"), ("cost", "cost"), ("status", "state"), ("stock_location", "stock_location_name"),
                        ("shipping_method", "shipping_method.name"), ("tracking", "tracking"), ("shipped_at", "shipped_at"),
                    ]
                ).objectValue ?? [:]
            if let orderNumber = spree["order_id"], orderNumber.stringValue != nil { shipment["order_number"] = orderNumber }
        }
        if let order {
            shipment["order_number"] = order["number"] ?? .null
            shipment["email"] = order["email"] ?? .null
        }
        return .object(shipment)
    }
}
