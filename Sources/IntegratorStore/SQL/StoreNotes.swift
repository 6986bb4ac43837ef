import IntegratorModel

/// The notes a push leaves on what it did not deliver, the same words on both engines.
public enum StoreNotes {
    /// What change detection made of a copy: nothing, or the messages it emitted.
    public static func changeNote(_ copy: ObjectCopy, derived: [NewMessage]) -> String {
        derived.isEmpty
            ? "\(copy.type) \(copy.identity) has not changed since its last copy: nothing to emit"
            : "\(copy.type) \(copy.identity) changed: emitted " + derived.map(\.name).joined(separator: ", ")
    }

    /// Why a delivery was not written: the same message went to the mapping already.
    public static func duplicateNote(mapping: String, orderingKey: String?, earlierMessage: String) -> String {
        "not delivered to mapping '\(mapping)': the same message with the same identifier values (\(orderingKey ?? "")) was already "
            + "delivered with message \(earlierMessage)"
    }
}
