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
    public static func problem(with name: String) -> String? {
        if name.isEmpty { return "must not be empty" }
        if name.count > maximumLength { return "must be at most \(maximumLength) characters" }
        let allowed = name.unicodeScalars.allSatisfy { scalar in
            (scalar.value < 128)
                && (scalar.properties.isAlphabetic || ("0"..."9").contains(Character(scalar)) || ":._-".unicodeScalars.contains(scalar))
        }
        return allowed ? nil : "may hold only letters, digits and the characters : . _ -"
    }
}
