import IntegratorModel
import Mustache

/// An admin API document as a template reads it, so the console shows exactly what the API
/// presents: `null` and empty strings read as absent (so `{{#field}}` skips them, and a name
/// the document lacks is looked up in the page around it), whole numbers print as integers.
struct ConsoleJSON: MustacheParent, Sendable {
    let value: JSONValue

    init(_ value: JSONValue) {
        self.value = value
    }

    /// The document with `fields` added to it (or replacing its own): what the console shows
    /// beside the API's fields, such as a row's escaped name for its links.
    func adding(_ fields: JSONObject) -> ConsoleJSON {
        guard case .object(var own) = value else { return self }
        own.merge(fields) { _, added in added }
        return ConsoleJSON(.object(own))
    }

    func child(named name: String) -> Any? {
        value[name].flatMap(Self.readable)
    }

    /// What a template sees for one JSON value.
    static func readable(_ value: JSONValue) -> Any? {
        switch value {
        case .null: return nil
        case .bool(let flag): return flag
        case .int(let number): return number
        case .double(let number):
            if number.rounded() == number, abs(number) < 9e15 { return Int64(number) }
            return number
        case .string(let text): return text.isEmpty ? nil : text
        case .array(let items): return items.compactMap(readable)
        case .object: return ConsoleJSON(value)
        }
    }
}
