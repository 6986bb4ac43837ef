import Foundation
import Testing

@testable import IntegratorModel

/// Message and delivery ids keep the BSON ObjectId's shape, and go up within a process so the
/// store's indexes on them take appends.
@Suite struct MessageIDTests {
    @Test(arguments: [
        (UInt32(0), UInt64(0), UInt32(0), "000000000000000000000000"),
        (UInt32(0x6570_0000), UInt64(0xAB_CDEF_0123), UInt32(0x00_0001), "65700000abcdef0123000001"),
        // Only the process value's low 40 bits and the count's low 24 are kept: the count wraps.
        (UInt32.max, UInt64.max, UInt32.max, "ffffffffffffffffffffffff"),
        (UInt32(1), UInt64(0x1_00_0000_0001), UInt32(0x0100_0002), "000000010000000001000002"),
    ])
    func composesTheSecondTheProcessAndTheCount(seconds: UInt32, process: UInt64, count: UInt32, id: String) {
        #expect(MessageID.compose(seconds: seconds, process: process, count: count) == id)
    }

    @Test func idsAreTwentyFourHexDigitsAndGoUpWithinASecond() {
        let second = Date(timeIntervalSince1970: 1_700_000_000)
        let ids = (0..<1_000).map { _ in MessageID.make(at: second) }
        for id in ids {
            #expect(id.count == 24)
            #expect(id.allSatisfy { $0.isHexDigit && !$0.isUppercase })
            #expect(id.hasPrefix("6553f100"))
        }
        #expect(Set(ids).count == ids.count)
        // Unless the counter wrapped during these thousand (one chance in 16,777), each id is
        // above the one before, so an index on ids takes appends.
        let ascending = zip(ids, ids.dropFirst()).filter { $0 < $1 }.count
        #expect(ascending >= ids.count - 2)
    }

    @Test func aClockOutsideTheRangeStillMakesAnId() {
        for date in [Date.distantPast, .distantFuture, Date(timeIntervalSince1970: -1), Date(timeIntervalSince1970: .greatestFiniteMagnitude)] {
            #expect(MessageID.make(at: date).count == 24)
        }
    }
}
