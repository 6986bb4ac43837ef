import Foundation
import IntegratorModel

/// Request parameters as Rails saw them: the query string and a JSON or form body merged, with
/// `order[line_items][0][sku]=X` brackets turned into nested objects.
struct Params: Sendable {
    var fields: JSONObject

    subscript(key: String) -> JSONValue? { fields[key] }

    static func parse(query: String?, body: [UInt8], contentType: String?) -> Params {
        // Built in a dictionary (a form's keys come in any order), made an object once.
        var fields: [String: JSONValue] = [:]
        if let query { merge(form: query, into: &fields) }
        if !body.isEmpty {
            if contentType?.contains("x-www-form-urlencoded") == true {
                merge(form: String(decoding: body, as: UTF8.self), into: &fields)
            } else if case .object(let json)? = try? JSONValue.parse(body) {
                for (key, value) in json { fields[key] = value }
            }
        }
        return Params(fields: JSONObject(fields))
    }

    static func merge(form: String, into fields: inout [String: JSONValue]) {
        for pair in form.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            guard let name = parts.first, !name.isEmpty else { continue }
            let value = parts.count > 1 ? parts[1] : ""
            var keys: [String] = []
            var rest = Substring(name)
            if let open = rest.firstIndex(of: "[") {
                keys.append(String(rest[..<open]))
                rest = rest[open...]
                while rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
                    keys.append(String(rest[rest.index(after: rest.startIndex)..<close]))
                    rest = rest[rest.index(after: close)...]
                }
            } else {
                keys = [name]
            }
            set(&fields, keys[...], .string(value))
        }
    }

    private static func set(_ fields: inout [String: JSONValue], _ keys: ArraySlice<String>, _ value: JSONValue) {
        guard let first = keys.first else { return }
        if keys.count == 1 {
            fields[first] = value
            return
        }
        var inner = fields[first]?.objectValue?.dictionary ?? [:]
        let next = keys.dropFirst()
        if next.first == "" {
            // `ids[]=1&ids[]=2` make an array.
            var items = fields[first]?.arrayValue ?? []
            items.append(value)
            fields[first] = .array(items)
            return
        }
        set(&inner, next, value)
        fields[first] = .object(JSONObject(inner))
    }

    /// Kaminari's rules: `per_page` 25 unless a positive number; `page` 1 unless positive.
    var paging: (page: Int, perPage: Int, pageEcho: JSONValue, perPageEcho: JSONValue) {
        // Bounded, so that (page - 1) * per_page cannot overflow.
        let page = Int(fields["page"]?.comparableText.prefix(20) ?? "").flatMap { (1...1_000_000).contains($0) ? $0 : nil } ?? 1
        let perPage = Int(fields["per_page"]?.comparableText.prefix(20) ?? "").flatMap { (1...1000).contains($0) ? $0 : nil } ?? 25
        return (page, perPage, fields["page"] ?? 1, fields["per_page"] ?? 25)
    }
}

/// Ransack's predicates over rendered records: `q[sku_eq]`, `q[email_cont]`,
/// `q[updated_at_gteq]`, `q[completed_at_null]`, and sorting with `q[s]=updated_at asc`.
enum Ransack {
    static let predicates = ["_not_null", "_null", "_not_eq", "_gteq", "_lteq", "_cont", "_start", "_end", "_eq", "_gt", "_lt", "_in"]

    static func apply(_ q: JSONValue?, to records: [JSONValue]) -> [JSONValue] {
        guard case .object(let conditions)? = q else { return records }
        var result = records.filter { record in
            conditions.allSatisfy { key, wanted in
                if key == "s" || key.contains("_number_") && key.hasPrefix("shipments") { return true }
                guard let predicate = predicates.first(where: { key.hasSuffix($0) }) else { return true }
                let field = String(key.dropLast(predicate.count))
                return matches(record[field], predicate: predicate, wanted: wanted)
            }
        }
        if let sort = conditions["s"]?.stringValue {
            let parts = sort.split(separator: " ")
            let field = String(parts.first ?? "id")
            let descending = parts.count > 1 && parts[1].lowercased() == "desc"
            result.sort { a, b in
                let x = a[field]?.comparableText ?? ""
                let y = b[field]?.comparableText ?? ""
                if let m = Double(x), let n = Double(y) { return descending ? m > n : m < n }
                return descending ? x > y : x < y
            }
        }
        return result
    }

    static func matches(_ value: JSONValue?, predicate: String, wanted: JSONValue) -> Bool {
        let text = value.map { $0 == .null ? "" : $0.comparableText } ?? ""
        let target = wanted.comparableText
        switch predicate {
        case "_null": return (value == nil || value == .null) == (target != "0" && target != "false")
        case "_not_null": return (value != nil && value != .null) == (target != "0" && target != "false")
        case "_eq": return text == target
        case "_not_eq": return text != target
        case "_cont": return text.lowercased().contains(target.lowercased())
        case "_start": return text.hasPrefix(target)
        case "_end": return text.hasSuffix(target)
        case "_in": return (wanted.arrayValue?.map(\.comparableText) ?? target.split(separator: ",").map(String.init)).contains(text)
        default:
            if let a = Double(text), let b = Double(target) {
                switch predicate {
                case "_gt": return a > b
                case "_gteq": return a >= b
                case "_lt": return a < b
                default: return a <= b
                }
            }
            // Times compare as instants, not as text.
            if let a = SpreeTime.parse(text), let b = SpreeTime.parse(target) {
                switch predicate {
                case "_gt": return a > b
                case "_gteq": return a >= b
                case "_lt": return a < b
                default: return a <= b
                }
            }
            return false
        }
    }
}
