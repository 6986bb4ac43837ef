import Foundation
import Testing

@testable import IntegratorStore

/// The commit thread's and checkpointer's condition: a timed wait lasts its time on the
/// monotonic clock, a signal ends it early, and a hostile length is bounded, not a trap.
@Suite struct MonotonicConditionTests {
    @Test func aTimedWaitLastsItsTime() {
        let condition = MonotonicCondition()
        let start = MonotonicCondition.now()
        condition.lock()
        condition.wait(nanoseconds: 50_000_000)
        condition.unlock()
        // Spurious wake-ups are allowed, but not as a rule: most of the time passes.
        #expect(MonotonicCondition.now() - start >= 20_000_000)
    }

    /// A signal ends a wait of any length, however long it would be (bounded to an hour).
    @Test(arguments: [UInt64.max, UInt64.max - 1, 60_000_000_000, 0])
    func aSignalEndsAWaitOfAnyLength(nanoseconds: UInt64) async throws {
        let condition = MonotonicCondition()
        let done = Flag()
        // On a thread of its own, as the commit thread: a blocked task would hold the pool.
        async let waited: UInt64 = withCheckedContinuation { continuation in
            Thread {
                let began = MonotonicCondition.now()
                condition.lock()
                // The flag is read under the lock, so a signal before the wait is not lost.
                while !done.value { condition.wait(nanoseconds: nanoseconds) }
                condition.unlock()
                continuation.resume(returning: MonotonicCondition.now() - began)
            }.start()
        }
        try await Task.sleep(for: .milliseconds(20))
        condition.lock()
        done.value = true
        condition.signal()
        condition.unlock()
        #expect(await waited < 30_000_000_000)
    }

    /// Written and read only under the condition's lock.
    final class Flag: @unchecked Sendable {
        var value = false
    }
}
