import Foundation
import IntegratorModel

/// The repository's OpenAPI document, read as JSON values, with just enough of JSON Schema to
/// check an answer against it: `$ref`, `type` (one or a list), `required`, `properties`,
/// `items`, `enum`, `allOf`, `oneOf` and `additionalProperties`.
public struct OpenAPIDocument: Sendable {
    public let root: JSONValue

    public init(_ root: JSONValue) { self.root = root }

    /// Every operation as `METHOD /path/{template}`.
    public var operations: Set<String> {
        var out: Set<String> = []
        for (path, item) in root["paths"]?.objectValue ?? [:] {
            for method in ["get", "put", "post", "delete", "patch"] where item[method] != nil { out.insert("\(method.uppercased()) \(path)") }
        }
        return out
    }

    /// The documented answer for a status: nil when the status is not documented; the JSON
    /// schema (or `.null` when the answer has no JSON body).
    public func responseSchema(method: String, path: String, status: Int) -> JSONValue? {
        guard let response = root["paths"]?[path]?[method.lowercased()]?["responses"]?[String(status)] else { return nil }
        let resolved = resolve(response)
        return resolved["content"]?["application/json"]?["schema"] ?? .null
    }

    /// The problems of `value` against `schema`, each with its path.
    public func problems(_ value: JSONValue, _ schema: JSONValue, at path: String = "$") -> [String] {
        let schema = resolve(schema)
        var out: [String] = []
        if let all = schema["allOf"]?.arrayValue {
            for part in all { out += problems(value, part, at: path) }
        }
        if let options = schema["oneOf"]?.arrayValue, !options.contains(where: { problems(value, $0, at: path).isEmpty }) {
            out.append("\(path): matches none of the oneOf schemas")
        }
        if let types = schema["type"].map({ $0.arrayValue?.compactMap(\.stringValue) ?? [$0.stringValue ?? ""] }),
            !types.contains(where: { Self.isType(value, $0) })
        {
            return out + ["\(path): is \(value.typeName), not \(types.joined(separator: " or "))"]
        }
        if let allowed = schema["enum"]?.arrayValue, !allowed.contains(value) {
            out.append("\(path): \(value.jsonString) is not one of \(JSONValue.array(allowed).jsonString)")
        }
        if case .object(let fields) = value {
            for name in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where fields[name] == nil {
                out.append("\(path).\(name): is required")
            }
            let properties = schema["properties"]?.objectValue ?? [:]
            for (name, field) in fields {
                if let property = properties[name] {
                    out += problems(field, property, at: "\(path).\(name)")
                } else if let extra = schema["additionalProperties"], extra.objectValue != nil {
                    out += problems(field, extra, at: "\(path).\(name)")
                }
            }
        }
        if case .array(let items) = value, let itemSchema = schema["items"] {
            for (index, item) in items.enumerated() { out += problems(item, itemSchema, at: "\(path)[\(index)]") }
        }
        return out
    }

    private func resolve(_ schema: JSONValue) -> JSONValue {
        guard let reference = schema["$ref"]?.stringValue, reference.hasPrefix("#/") else { return schema }
        var node = root
        for part in reference.dropFirst(2).split(separator: "/") { node = node[String(part)] ?? .null }
        return resolve(node)
    }

    static func isType(_ value: JSONValue, _ type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object), ("integer", .int): return true
        case ("integer", .double(let d)): return d.rounded() == d
        case ("number", .int), ("number", .double): return true
        default: return false
        }
    }
}
