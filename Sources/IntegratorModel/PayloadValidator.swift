import Foundation

/// Checks the payloads of the ten event kinds against the canonical objects of the original hub,
/// reporting every problem with its path. Other message names pass unvalidated.
public enum PayloadValidator {
    /// The problems in `payload` for a message named `name` (already normalised).
    public static func problems(message name: String, payload: JSONValue) -> [Problem] {
        let problems = ProblemList()
        guard case .object(let fields) = payload else {
            return [Problem(path: "payload", problem: "must be an object, not \(payload.typeName)")]
        }
        switch name {
        case "order:new", "order:updated", "order:canceled", "payment:ready":
            requireObject("order", in: fields, at: "payload", problems: problems) { order, path in
                validateOrder(order, at: path, problems: problems)
            }
        case "shipment:ready", "shipment:confirm":
            if fields["shipment"] == nil, name == "shipment:confirm", fields["shipment_number"] != nil {
                requireString("shipment_number", in: fields, at: "payload", problems: problems)
                requireString("tracking_number", in: fields, at: "payload", problems: problems)
            } else {
                requireObject("shipment", in: fields, at: "payload", problems: problems) { shipment, path in
                    requireString("number", in: shipment, at: path, problems: problems)
                    optionalObjectList("items", in: shipment, at: path, problems: problems) { item, itemPath in
                        validateLineItem(item, at: itemPath, problems: problems)
                    }
                    optionalString("order_number", in: shipment, at: path, problems: problems)
                    optionalString("tracking", in: shipment, at: path, problems: problems)
                }
            }
        case "product:new", "product:updated":
            requireObject("product", in: fields, at: "payload", problems: problems) { product, path in
                let sku = product["sku"]
                let id = product["id"]
                if (sku == nil || sku == .null) && (id == nil || id == .null) {
                    problems.add(Problem(path: path, problem: "needs a sku or an id"))
                }
                if let sku, sku != .null, !isNonEmptyString(sku) {
                    problems.add(Problem(path: "\(path).sku", problem: "must be a non-empty string"))
                }
                if let id, id != .null, !isNonEmptyString(id), id.numberValue == nil {
                    problems.add(Problem(path: "\(path).id", problem: "must be a string or a number"))
                }
                optionalNumeric("price", in: product, at: path, problems: problems)
                optionalObjectList("variants", in: product, at: path, problems: problems) { variant, variantPath in
                    optionalString("sku", in: variant, at: variantPath, problems: problems)
                    optionalNumeric("price", in: variant, at: variantPath, problems: problems)
                }
            }
        case "user:new", "user:updated":
            requireObject("user", in: fields, at: "payload", problems: problems) { user, path in
                if requireString("email", in: user, at: path, problems: problems),
                    let email = user["email"]?.stringValue, !email.contains("@")
                {
                    problems.add(Problem(path: "\(path).email", problem: "is not an email address: '\(email)'"))
                }
            }
        default:
            break
        }
        return problems.items
    }

    static func validateOrder(_ order: JSONObject, at path: String, problems: ProblemList) {
        requireString("number", in: order, at: path, problems: problems)
        optionalString("email", in: order, at: path, problems: problems)
        optionalString("currency", in: order, at: path, problems: problems)
        optionalString("status", in: order, at: path, problems: problems)
        if let totals = order["totals"], totals != .null {
            if case .object(let t) = totals {
                for (key, value) in t where !isNumeric(value) && value != .null {
                    problems.add(Problem(path: "\(path).totals.\(key)", problem: "must be a number, not \(value.typeName)"))
                }
            } else {
                problems.add(Problem(path: "\(path).totals", problem: "must be an object, not \(totals.typeName)"))
            }
        }
        optionalObjectList("line_items", in: order, at: path, problems: problems) { item, itemPath in
            validateLineItem(item, at: itemPath, problems: problems)
        }
        optionalObjectList("adjustments", in: order, at: path, problems: problems) { adjustment, adjustmentPath in
            optionalNumeric("value", in: adjustment, at: adjustmentPath, problems: problems)
        }
        optionalObjectList("payments", in: order, at: path, problems: problems) { payment, paymentPath in
            optionalNumeric("amount", in: payment, at: paymentPath, problems: problems)
        }
        optionalObjectList("shipments", in: order, at: path, problems: problems) { shipment, shipmentPath in
            optionalObjectList("items", in: shipment, at: shipmentPath, problems: problems) { item, itemPath in
                validateLineItem(item, at: itemPath, problems: problems)
            }
        }
        for address in ["shipping_address", "billing_address"] {
            if let value = order[address], value != .null, value.objectValue == nil {
                problems.add(Problem(path: "\(path).\(address)", problem: "must be an object, not \(value.typeName)"))
            }
        }
    }

    static func validateLineItem(_ item: JSONObject, at path: String, problems: ProblemList) {
        optionalString("sku", in: item, at: path, problems: problems)
        optionalNumeric("quantity", in: item, at: path, problems: problems)
        optionalNumeric("price", in: item, at: path, problems: problems)
    }

    // MARK: Helpers

    static func isNonEmptyString(_ value: JSONValue) -> Bool {
        if case .string(let s) = value { return !isBlank(s) }
        return false
    }

    /// Whether trimming `CharacterSet.whitespaces` off `text` would leave nothing, decided at
    /// its first other character without building the trimmed copy: Foundation's trimming was
    /// a third of the validator's time on every push. Past ASCII the set itself decides (it
    /// holds more than General Category Zs, U+200B for one).
    static func isBlank(_ text: String) -> Bool {
        for scalar in text.unicodeScalars where scalar != " " && scalar != "\t" {
            if scalar.isASCII || !CharacterSet.whitespaces.contains(scalar) { return false }
        }
        return true
    }

    /// A number, or a string holding one: Spree sends decimals as strings.
    static func isNumeric(_ value: JSONValue) -> Bool {
        switch value {
        case .int, .double: return true
        case .string(let s): return Double(s) != nil
        default: return false
        }
    }

    static func requireObject(
        _ key: String,
        in fields: JSONObject,
        at path: String,
        problems: ProblemList,
        then check: (JSONObject, String) -> Void
    ) {
        switch fields[key] {
        case nil, .null?:
            problems.add(Problem(path: "\(path).\(key)", problem: "is required"))
        case .object(let object)?:
            check(object, "\(path).\(key)")
        case let other?:
            problems.add(Problem(path: "\(path).\(key)", problem: "must be an object, not \(other.typeName)"))
        }
    }

    @discardableResult
    static func requireString(_ key: String, in fields: JSONObject, at path: String, problems: ProblemList) -> Bool {
        switch fields[key] {
        case nil, .null?:
            problems.add(Problem(path: "\(path).\(key)", problem: "is required"))
            return false
        case .string(let s)? where isBlank(s):
            problems.add(Problem(path: "\(path).\(key)", problem: "must not be empty"))
            return false
        case .string?:
            return true
        case .int?:
            return true  // numbers are accepted as identifiers (older clients sent numeric ids)
        case let other?:
            problems.add(Problem(path: "\(path).\(key)", problem: "must be a string, not \(other.typeName)"))
            return false
        }
    }

    static func optionalString(_ key: String, in fields: JSONObject, at path: String, problems: ProblemList) {
        switch fields[key] {
        case nil, .null?, .string?, .int?: return
        case let other?:
            problems.add(Problem(path: "\(path).\(key)", problem: "must be a string, not \(other.typeName)"))
        }
    }

    static func optionalNumeric(_ key: String, in fields: JSONObject, at path: String, problems: ProblemList) {
        guard let value = fields[key], value != .null else { return }
        if !isNumeric(value) {
            let shown = value.stringValue.map { "'\($0)'" } ?? value.typeName
            problems.add(Problem(path: "\(path).\(key)", problem: "must be a number, not \(shown)"))
        }
    }

    static func optionalObjectList(
        _ key: String,
        in fields: JSONObject,
        at path: String,
        problems: ProblemList,
        each check: (JSONObject, String) -> Void
    ) {
        guard let value = fields[key], value != .null else { return }
        guard case .array(let items) = value else {
            problems.add(Problem(path: "\(path).\(key)", problem: "must be an array, not \(value.typeName)"))
            return
        }
        for (index, item) in items.enumerated() {
            if case .object(let object) = item {
                check(object, "\(path).\(key).\(index)")
            } else {
                problems.add(Problem(path: "\(path).\(key).\(index)", problem: "must be an object, not \(item.typeName)"))
            }
        }
    }
}

/// Problems gathered while walking a document; a reference so nested checks can add to it.
final class ProblemList {
    private(set) var items: [Problem] = []
    func add(_ problem: Problem) { items.append(problem) }
}
