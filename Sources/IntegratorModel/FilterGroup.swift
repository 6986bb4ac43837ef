/// One entry of a mapping's `filters`: a filter, or a group of them. `filters` itself is an
/// implicit `all`; `{any: [...]}` passes when one passes, `{all: [...]}` when every one does,
/// `{not: filter}` exactly when its filter fails. Groups nest at most `maximumDepth` deep.
public indirect enum FilterNode: Sendable, Hashable {
    case filter(Filter)
    case all([FilterNode])
    case any([FilterNode])
    case not(FilterNode)

    public static let maximumDepth = 4

    /// The JSON form, as it was given.
    public var json: JSONValue {
        switch self {
        case .filter(let filter): return filter.json
        case .all(let nodes): return ["all": .array(nodes.map(\.json))]
        case .any(let nodes): return ["any": .array(nodes.map(\.json))]
        case .not(let node): return ["not": node.json]
        }
    }

    /// Every plain filter in the tree, in order.
    public var leaves: [Filter] {
        switch self {
        case .filter(let filter): return [filter]
        case .all(let nodes), .any(let nodes): return nodes.flatMap(\.leaves)
        case .not(let node): return node.leaves
        }
    }

    /// Reads one entry, naming every problem under `path` (`filters.2.any.0.operator`).
    public static func decode(_ json: JSONValue, at path: String, depth: Int = 1, problems: inout [Problem]) -> FilterNode? {
        guard case .object(let fields) = json, fields.count == 1, let key = fields.keys.first, ["all", "any", "not"].contains(key) else {
            if case .object(let fields) = json, fields.keys.contains(where: { ["all", "any", "not"].contains($0) }) {
                problems.append(Problem(path: path, problem: "a group has exactly one key, all, any or not"))
                return nil
            }
            return Filter.decode(json, at: path, problems: &problems).map(FilterNode.filter)
        }
        let at = "\(path).\(key)"
        guard depth <= maximumDepth else {
            problems.append(Problem(path: at, problem: "groups nest at most \(maximumDepth) deep"))
            return nil
        }
        let start = problems.count
        if key == "not" {
            let inner = decode(fields[key] ?? .null, at: at, depth: depth + 1, problems: &problems)
            return problems.count == start ? inner.map(FilterNode.not) : nil
        }
        guard let items = fields[key]?.arrayValue, !items.isEmpty else {
            problems.append(Problem(path: at, problem: "must be a non-empty list of filters"))
            return nil
        }
        guard items.count <= 100 else {
            problems.append(Problem(path: at, problem: "holds at most 100 filters"))
            return nil
        }
        var nodes: [FilterNode] = []
        for (index, item) in items.enumerated() {
            if let node = decode(item, at: "\(at).\(index)", depth: depth + 1, problems: &problems) { nodes.append(node) }
        }
        guard problems.count == start else { return nil }
        return key == "all" ? .all(nodes) : .any(nodes)
    }
}

/// A filter tree made ready to evaluate, compiled once when the mapping is saved.
public indirect enum CompiledFilterNode: Sendable {
    case filter(CompiledFilter)
    case all([CompiledFilterNode])
    case any([CompiledFilterNode])
    case not(CompiledFilterNode)

    public init(_ node: FilterNode) {
        switch node {
        case .filter(let filter): self = .filter(CompiledFilter(filter))
        case .all(let nodes): self = .all(nodes.map(CompiledFilterNode.init))
        case .any(let nodes): self = .any(nodes.map(CompiledFilterNode.init))
        case .not(let inner): self = .not(CompiledFilterNode(inner))
        }
    }

    public func passes(message name: String, id: String, payload: JSONValue) -> Bool {
        switch self {
        case .filter(let filter): return filter.passes(message: name, id: id, payload: payload)
        case .all(let nodes): return nodes.allSatisfy { $0.passes(message: name, id: id, payload: payload) }
        case .any(let nodes): return nodes.contains { $0.passes(message: name, id: id, payload: payload) }
        case .not(let inner): return !inner.passes(message: name, id: id, payload: payload)
        }
    }

    /// Why the message passes or not, node by node: for a filter, the values its path reached.
    public func explain(message name: String, id: String, payload: JSONValue) -> FilterExplanation {
        switch self {
        case .filter(let compiled):
            let filter = compiled.filter
            var reached: [JSONValue] = []
            var more = 0
            filter.path.visit(message: name, id: id, payload: payload) { value in
                if reached.count < FilterExplanation.maximumReached { reached.append(value) } else { more += 1 }
                return true
            }
            return FilterExplanation(
                kind: .filter(path: filter.path.description, operator: filter.op.rawValue, value: filter.value, reached: reached, more: more),
                passed: compiled.passes(message: name, id: id, payload: payload),
                children: []
            )
        case .all(let nodes), .any(let nodes):
            let children = nodes.map { $0.explain(message: name, id: id, payload: payload) }
            if case .all = self { return FilterExplanation(kind: .group("all"), passed: children.allSatisfy(\.passed), children: children) }
            return FilterExplanation(kind: .group("any"), passed: children.contains(where: \.passed), children: children)
        case .not(let inner):
            let child = inner.explain(message: name, id: id, payload: payload)
            return FilterExplanation(kind: .group("not"), passed: !child.passed, children: [child])
        }
    }
}

/// One node of a routing explanation: a filter with what its path reached and whether it
/// passed, or a group with its members.
public struct FilterExplanation: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case filter(path: String, operator: String, value: JSONValue, reached: [JSONValue], more: Int)
        case group(String)
    }

    /// The values shown per filter; the rest are counted.
    public static let maximumReached = 20

    public var kind: Kind
    public var passed: Bool
    public var children: [FilterExplanation]

    /// `{path, operator, value, reached, passed}` for a filter, `{group, passed, filters}` for a group.
    public var json: JSONValue {
        switch kind {
        case .filter(let path, let op, let value, let reached, let more):
            var fields: JSONObject = [
                "path": .string(path), "operator": .string(op), "reached": .array(reached), "passed": .bool(passed),
            ]
            if value != .null { fields["value"] = value }
            if more > 0 { fields["reached_more"] = .int(Int64(more)) }
            return .object(fields)
        case .group(let name):
            return ["group": .string(name), "passed": .bool(passed), "filters": .array(children.map(\.json))]
        }
    }

    /// The first filter that made the message fail, in words, with its place (`filters.1`,
    /// `filters.0.any`); nil when it passed.
    public func refusal(at place: String) -> String? {
        guard !passed else { return nil }
        switch kind {
        case .filter(let path, let op, let value, let reached, _):
            let what = reached.isEmpty ? "reached nothing" : "reached \(reached.map(\.comparableText).prefix(3).joined(separator: ", "))"
            return "\(place) refused it: \(path) \(what), which does not pass \(op)\(value == .null ? "" : " \(value.comparableText)")"
        case .group(let name):
            if name == "any" { return "\(place).any refused it: none of its \(children.count) filters passed" }
            if name == "not" { return "\(place).not refused it: its filter passed" }
            for (index, child) in children.enumerated() {
                if let why = child.refusal(at: "\(place).all.\(index)") { return why }
            }
            return "\(place).all refused it"
        }
    }
}

/// Whether one mapping takes a message, why, and what each filter saw.
public struct RoutingExplanation: Sendable, Equatable {
    public var mapping: String
    public var matches: Bool
    public var why: String
    public var filters: [FilterExplanation]

    public var json: JSONValue {
        ["mapping": .string(mapping), "matches": .bool(matches), "why": .string(why), "filters": .array(filters.map(\.json))]
    }
}
