/// A dotted path into a message, such as `payload.order.line_items.*.sku`.
///
/// `*` expands every element of an array; a number selects one element. The root is the
/// message itself: `message`, `message_id` and `payload` are its fields.
public struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    public enum Segment: Sendable, Hashable {
        case key(String)
        case index(Int)
        case each
    }

    public let segments: [Segment]
    public let description: String
    /// Whether a `*` can make the path reach several values.
    public let expands: Bool

    /// Parses a path; returns nil for an empty path or an empty segment (`a..b`).
    public init?(_ text: String) {
        guard !text.isEmpty else { return nil }
        var segments: [Segment] = []
        for part in text.split(separator: ".", omittingEmptySubsequences: false) {
            if part.isEmpty { return nil }
            if part == "*" {
                segments.append(.each)
            } else if let index = Int(part), index >= 0, part.allSatisfy(\.isNumber) {
                segments.append(.index(index))
            } else {
                segments.append(.key(String(part)))
            }
        }
        self.segments = segments
        self.description = text
        self.expands = segments.contains(.each)
    }

    /// Every value the path reaches in `root`; empty when the path does not exist.
    public func values(in root: JSONValue) -> [JSONValue] {
        values(in: root, from: 0)
    }

    private func values(in root: JSONValue, from start: Int) -> [JSONValue] {
        var current: [JSONValue] = [root]
        for segment in segments[start...] {
            var next: [JSONValue] = []
            for value in current {
                switch (segment, value) {
                case (.key(let key), .object(let fields)):
                    if let found = fields[key] { next.append(found) }
                case (.index(let index), .array(let items)):
                    if index < items.count { next.append(items[index]) }
                case (.index(let index), .object(let fields)):
                    if let found = fields[String(index)] { next.append(found) }
                case (.each, .array(let items)):
                    next.append(contentsOf: items)
                default:
                    break
                }
            }
            if next.isEmpty { return [] }
            current = next
        }
        return current
    }

    /// The one value a path without `*` reaches in a message, walked without building arrays:
    /// routing runs this for every filter of every mapping on every message.
    public func value(message name: String, id: String, payload: JSONValue) -> JSONValue? {
        guard case .key(let first)? = segments.first else { return nil }
        var current: JSONValue
        switch first {
        case "payload": current = payload
        case "message": current = .string(name)
        case "message_id": current = .string(id)
        default: return nil
        }
        for segment in segments.dropFirst() {
            switch (segment, current) {
            case (.key(let key), .object(let fields)):
                guard let found = fields[key] else { return nil }
                current = found
            case (.index(let index), .array(let items)):
                guard index < items.count else { return nil }
                current = items[index]
            case (.index(let index), .object(let fields)):
                guard let found = fields[String(index)] else { return nil }
                current = found
            default:
                return nil
            }
        }
        return current
    }

    /// Calls `body` with each value the path reaches in a message, in order, until `body`
    /// returns false; nothing is collected, so a filter can stop at its first answer.
    public func visit(message name: String, id: String, payload: JSONValue, _ body: (JSONValue) -> Bool) {
        guard case .key(let first)? = segments.first else { return }
        switch first {
        case "payload": _ = visit(payload, from: 1, body)
        case "message": _ = visit(.string(name), from: 1, body)
        case "message_id": _ = visit(.string(id), from: 1, body)
        default: return
        }
    }

    /// Returns false once `body` asked to stop.
    private func visit(_ value: JSONValue, from index: Int, _ body: (JSONValue) -> Bool) -> Bool {
        if index == segments.count { return body(value) }
        switch (segments[index], value) {
        case (.key(let key), .object(let fields)):
            if let found = fields[key] { return visit(found, from: index + 1, body) }
        case (.index(let position), .array(let items)):
            if position < items.count { return visit(items[position], from: index + 1, body) }
        case (.index(let position), .object(let fields)):
            if let found = fields[String(position)] { return visit(found, from: index + 1, body) }
        case (.each, .array(let items)):
            for item in items where !visit(item, from: index + 1, body) { return false }
        default:
            break
        }
        return true
    }

    /// The values the path reaches in a message, without building the message document.
    public func values(message name: String, id: String, payload: JSONValue) -> [JSONValue] {
        guard case .key(let first)? = segments.first else { return [] }
        let root: JSONValue
        switch first {
        case "payload": root = payload
        case "message": root = .string(name)
        case "message_id": root = .string(id)
        default: return []
        }
        if segments.count == 1 { return [root] }
        return values(in: root, from: 1)
    }
}
