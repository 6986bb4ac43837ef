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
    /// The template read once: which strings are placeholders, so a delivery only fills them in.
    private var compiled: Piece

    public init(paths: [String: JSONPath], template: JSONValue) {
        self.paths = paths
        self.template = template
        self.compiled = Piece(template)
    }

    public static func == (a: Transform, b: Transform) -> Bool { a.paths == b.paths && a.template == b.template }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(paths)
        hasher.combine(template)
    }

    /// A template node with its strings already split into text and placeholders.
    private indirect enum Piece: Sendable {
        case fixed(JSONValue)
        case whole(String)
        case text([(literal: String, name: String?)])
        case array([Piece])
        case object([(String, Piece)])

        init(_ value: JSONValue) {
            switch value {
            case .string(let text):
                let names = Transform.placeholders(in: text)
                if names.isEmpty {
                    self = .fixed(value)
                } else if names.count == 1, text == "<\(names[0])>" {
                    self = .whole(names[0])
                } else {
                    self = .text(Transform.split(text))
                }
            case .array(let items): self = .array(items.map(Piece.init))
            case .object(let fields): self = .object(fields.map { ($0.key, Piece($0.value)) })
            default: self = .fixed(value)
            }
        }

        func fill(_ values: JSONObject) -> JSONValue {
            switch self {
            case .fixed(let value): return value
            case .whole(let name): return values[name] ?? .null
            case .text(let parts):
                var out = ""
                for part in parts {
                    out += part.literal
                    guard let name = part.name else { continue }
                    switch values[name] ?? .null {
                    case .null: break
                    case .string(let s): out += s
                    case let other: out += other.comparableText
                    }
                }
                return .string(out)
            case .array(let items): return .array(items.map { $0.fill(values) })
            // The pieces are the template object's members, in its order.
            case .object(let fields): return .object(JSONObject(checkedMembers: fields.map { (key: $0.0, value: $0.1.fill(values)) }))
            }
        }
    }

    /// A string cut into literal text, each followed by the placeholder after it (if any).
    static func split(_ text: String) -> [(literal: String, name: String?)] {
        var parts: [(literal: String, name: String?)] = []
        var literal = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "<") {
            literal += rest[..<open]
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: ">") else { break }
            let name = after[..<close]
            if !name.isEmpty, !name.contains("<"), name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }) {
                parts.append((literal, String(name)))
                literal = ""
                rest = after[after.index(after: close)...]
            } else {
                literal += "<"
                rest = after
            }
        }
        literal += rest
        parts.append((literal, nil))
        return parts
    }

    public static let maximumPaths = 100

    public var json: JSONValue {
        ["paths": .object(JSONObject(paths.mapValues { .string($0.description) })), "template": template]
    }

    /// Reads a transform, naming every problem under `transform.`.
    public static func decode(_ json: JSONValue, problems: inout [Problem]) -> Transform? {
        guard case .object(let fields) = json else {
            problems.append(Problem(path: "transform", problem: "must be an object with paths and template"))
            return nil
        }
        let start = problems.count
        for key in fields.keys where key != "paths" && key != "template" {
            problems.append(Problem(path: "transform.\(key)", problem: "unknown key '\(key)'; a transform has paths and template"))
        }
        var paths: [String: JSONPath] = [:]
        switch fields["paths"] {
        case .object(let items)?:
            if items.count > maximumPaths { problems.append(Problem(path: "transform.paths", problem: "holds at most \(maximumPaths) paths")) }
            for (name, value) in items {
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
            for (key, item) in fields {
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
        var values: JSONObject = [:]
        for (key, path) in paths {
            if path.expands {
                values[key] = .array(path.values(message: name, id: id, payload: payload))
            } else {
                values[key] = path.value(message: name, id: id, payload: payload) ?? .null
            }
        }
        return compiled.fill(values)
    }
}
