import Foundation

/// Ids in the shape of the original hub's BSON ObjectIds: 24 hex digits, the first 8 the
/// creation second, so ids sort roughly by time and old clients that parse them still can.
public enum MessageID {
    public static func make(at date: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        // The clock is read from outside too: clamped, so no reading can trap here.
        let seconds = UInt32(truncatingIfNeeded: Int64(Timestamp.clamped(date).timeIntervalSince1970))
        let random = generator.next() as UInt64
        return hex(UInt64(seconds), digits: 8) + hex(random, digits: 16)
    }

    static func hex(_ value: UInt64, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
