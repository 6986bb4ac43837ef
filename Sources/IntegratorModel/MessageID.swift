import Foundation
import Synchronization

/// Ids in the shape of the original hub's BSON ObjectIds, made the way the BSON spec makes
/// them: 24 hex digits, the creation second (8), a random value fixed for the process (10), and
/// a counter that starts at a random value and goes up by one each id (6). Old clients that
/// parse them still can, and ids sort by time.
///
/// Why not 64 random bits after the second: the ids are the keys of the store's busiest indexes
/// (a message's and a delivery's own, and the rows that point at a message). Random keys put
/// each of a commit's pushes on a different page of each of those indexes, so a commit of 16
/// pushes wrote about 64 pages to the WAL; ids that go up within a process land on the same one
/// or two pages. Ids are not secrets: every read of a message is behind its store's token.
public enum MessageID {
    public static func make(at date: Date = Date()) -> String {
        // The clock is read from outside too: clamped, so no reading can trap here.
        let seconds = UInt32(truncatingIfNeeded: Int64(Timestamp.clamped(date).timeIntervalSince1970))
        let count = counter.wrappingAdd(1, ordering: .relaxed).oldValue
        return compose(seconds: seconds, process: process, count: count)
    }

    /// The id of `seconds`, `process` (its low 40 bits) and `count` (its low 24 bits): the
    /// counter wraps after 16,777,216 ids, as the spec's does.
    static func compose(seconds: UInt32, process: UInt64, count: UInt32) -> String {
        // 96 bits, written as 24 hex digits straight into the string (every push makes two).
        let high = UInt64(seconds) << 32 | (process & 0xFF_FFFF_FFFF) >> 8
        let low = UInt32(truncatingIfNeeded: process & 0xFF) << 24 | (count & 0xFF_FFFF)
        return String(unsafeUninitializedCapacity: 24) { buffer in
            let digits: StaticString = "0123456789abcdef"
            for position in 0..<16 { buffer[position] = digits.utf8Start[Int((high >> (60 - 4 * position)) & 0xF)] }
            for position in 0..<8 { buffer[16 + position] = digits.utf8Start[Int((low >> (28 - 4 * position)) & 0xF)] }
            return 24
        }
    }

    /// Five random bytes for this process: ids of two processes (PostgreSQL's scale-out) differ
    /// here even when made in the same second with the same count.
    private static let process = UInt64.random(in: 0...0xFF_FFFF_FFFF)
    private static let counter = Atomic<UInt32>(UInt32.random(in: 0...0xFF_FFFF))
}
