/// A parsed JSON document, with where its top-level members' values lie in the bytes it was
/// parsed from, so a member can be kept as it was sent instead of being written again.
///
/// Why: the hub stored each pushed payload by writing its parsed value back out as JSON (keys
/// sorted), 6 % of a push's CPU. The bytes the client sent already are that JSON: valid (the
/// parser read all of them), UTF-8, within the limits, and they read back to the same value,
/// unless an object in them repeats a key (the value keeps the last one, the bytes both, and
/// another reader might take the first). So a member is offered only when no object repeats a
/// key and the member itself appears once.
public struct JSONDocument: Sendable {
    public var value: JSONValue
    /// Each top-level member's value as a range of byte offsets, in document order (empty unless
    /// the document is an object).
    let memberSpans: [(key: String, range: Range<Int>)]
    /// Whether any object in the document repeats a key.
    public let repeatsAKey: Bool

    init(value: JSONValue, memberSpans: [(key: String, range: Range<Int>)], repeatsAKey: Bool) {
        self.value = value
        self.memberSpans = memberSpans
        self.repeatsAKey = repeatsAKey
    }

    /// The byte offsets of the top-level member `key`'s value, when its bytes read back to
    /// exactly `value[key]`: the member appears once and no object in the document repeats a key.
    public func keptMember(_ key: String) -> Range<Int>? {
        guard !repeatsAKey else { return nil }
        return memberSpans.first { $0.key == key }?.range
    }
}
