import Foundation

/// A mapping's `transform`: EventBridge's input transformer in JSON. `paths` names values in
/// the message (`{number: "payload.order.number"}`); `template` is the payload to deliver, where
/// a string that is exactly `"<name>"` becomes the value its path reached (kept as JSON; a `*`
/// path gives an array, a path that reaches nothing gives `null`) and `<name>` inside a longer
/// string becomes that value's text. The template is an object, since the delivery's payload
/// also carries `parameters`.
public struct Transform: Sendable, Hashable {
    public var paths: [String: JSONPath]
    public var template: JSONValue

    public static let maximumPaths = 100

    public var json: JSONValue {
        ["paths": .object(paths.mapValues { .string($0.description) }), "template": template]
    }

    /// Reads a transform, naming every problem under `transform.`.
    public static func decode(_ json: JSONValue, problems: inout [Problem]) -> Transform? {
        guard case .object(let fields) = json else {
            problems.append(Problem(path: "transform", problem: "must be an object with paths and template"))
            return nil
        }
        let start = problems.count
        for key in fields.keys.sorted() where key != "paths" && key != "template" {
            problems.append(Problem(path: "transform.\(key)", problem: "unknown key '\(key)'; a transform has paths and template"))
        }
        var paths: [String: JSONPath] = [:]
        switch fields["paths"] {
        case .object(let items)?:
            if items.count > maximumPaths { problems.append(Problem(path: "transform.paths", problem: "holds at most \(maximumPaths) paths")) }
            for (name, value) in items.sorted(by: { $0.key < $1.key }) {
                guard !name.isEmpty, name.count <= 64, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }) else {
                    problems.append(Problem(path: "transform.paths.\(name)", problem: "a name is 1 to 64 letters, digits, _, - and ."))
                    continue
                }
                guard let text = value.stringValue, let path = JSONPath(text) else {
                    problems.append(Problem(path: "transform.paths.\(name)", problem: "must be a dotted path such as payload.order.number"))
                    continue
                }
                paths[name] = path
            }
        case nil, .null?: break
        case let other?: problems.append(Problem(path: "transform.paths", problem: "must be an object of name: path, not \(other.typeName)"))
        }
        let template = fields["template"] ?? .null
        if case .object = template {
            checkPlaceholders(template, at: "transform.template", names: Set(paths.keys), problems: &problems)
        } else {
            problems.append(Problem(path: "transform.template", problem: "must be an object: the payload to deliver"))
        }
        return problems.count == start ? Transform(paths: paths, template: template) : nil
    }

    /// Every `<name>` in the template's strings must name a path.
    static func checkPlaceholders(_ value: JSONValue, at path: String, names: Set<String>, problems: inout [Problem]) {
        switch value {
        case .string(let text):
            for name in placeholders(in: text) where !names.contains(name) {
                problems.append(Problem(path: path, problem: "<\(name)> names no path in transform.paths"))
            }
        case .array(let items):
            for (index, item) in items.enumerated() { checkPlaceholders(item, at: "\(path).\(index)", names: names, problems: &problems) }
        case .object(let fields):
            for (key, item) in fields.sorted(by: { $0.key < $1.key }) {
                checkPlaceholders(item, at: "\(path).\(key)", names: names, problems: &problems)
            }
        default:
            break
        }
    }

    /// The names between `<` and `>` in a string, in order.
    static func placeholders(in text: String) -> [String] {
        guard text.contains("<") else { return [] }
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "<") {
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: ">") else { break }
            let name = after[..<close]
            if !name.isEmpty, !name.contains("<"), name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }) {
                names.append(String(name))
            }
            rest = after[after.index(after: close)...]
        }
        return names
    }

    /// The payload to deliver for a message.
    public func apply(message name: String, id: String, payload: JSONValue) -> JSONValue {
        var values: [String: JSONValue] = [:]
        for (key, path) in paths {
            if path.expands {
                values[key] = .array(path.values(message: name, id: id, payload: payload))
            } else {
                values[key] = path.value(message: name, id: id, payload: payload) ?? .null
            }
        }
        return fill(template, values)
    }

    private func fill(_ value: JSONValue, _ values: [String: JSONValue]) -> JSONValue {
        switch value {
        case .string(let text):
            guard text.contains("<") else { return value }
            if text.hasPrefix("<"), text.hasSuffix(">"), let whole = values[String(text.dropFirst().dropLast())] { return whole }
            var out = text
            for name in Self.placeholders(in: text) {
                let replacement: String
                switch values[name] ?? .null {
                case .null: replacement = ""
                case .string(let s): replacement = s
                case let other: replacement = other.comparableText
                }
                out = out.replacingOccurrences(of: "<\(name)>", with: replacement)
            }
            return .string(out)
        case .array(let items): return .array(items.map { fill($0, values) })
        case .object(let fields): return .object(fields.mapValues { fill($0, values) })
        default: return value
        }
    }
}
