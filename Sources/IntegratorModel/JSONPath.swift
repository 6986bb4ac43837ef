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
