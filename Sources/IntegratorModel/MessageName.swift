/// The names of messages the hub knows, and the spellings older clients used for them.
public enum MessageName {
    /// The ten event kinds a shop pushes, whose payloads are validated.
    public static let eventKinds: [String] = [
        "order:new", "order:updated", "order:canceled",
        "payment:ready",
        "shipment:ready", "shipment:confirm",
        "product:new", "product:updated",
        "user:new", "user:updated",
    ]

    /// Historical spellings, accepted and stored under their modern name.
    public static let historicalSpellings: [String: String] = [
        "order:cancelled": "order:canceled",
        "order:update": "order:updated",
        "shipment:confirmation": "shipment:confirm",
        "shipment:confirmed": "shipment:confirm",
        "product:update": "product:updated",
    ]

    /// The longest name accepted.
    public static let maximumLength = 200

    /// The modern spelling of `name`.
    public static func normalised(_ name: String) -> String {
        historicalSpellings[name] ?? name
    }

    /// What is wrong with a name, or nil when it is usable: non-empty, at most 200 characters,
    /// letters, digits and `: . _ -` only.
    ///
    /// Checked on the UTF-8 bytes: every allowed character is ASCII, so a name of allowed bytes
    /// has as many characters as bytes (looking up each scalar's Unicode properties showed in
    /// a push's profile).
    public static func problem(with name: String) -> String? {
        if name.isEmpty { return "must not be empty" }
        let lengthProblem = "must be at most \(maximumLength) characters"
        if name.utf8.allSatisfy(isAllowed) { return name.utf8.count > maximumLength ? lengthProblem : nil }
        if name.count > maximumLength { return lengthProblem }
        return "may hold only letters, digits and the characters : . _ -"
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: ":"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
}
