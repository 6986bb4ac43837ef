import Foundation
import Testing

@testable import IntegratorStore

/// The commit thread's and checkpointer's condition: a timed wait lasts its time on the
/// monotonic clock, a signal ends it early, and a hostile length is bounded, not a trap.
@Suite struct MonotonicConditionTests {
    @Test func aTimedWaitLastsItsTime() {
        let condition = MonotonicCondition()
        let start = ContinuousClock.now
        condition.lock()
        condition.wait(for: .milliseconds(50))
        condition.unlock()
        // Spurious wake-ups are allowed, but not as a rule: most of the time passes.
        #expect(ContinuousClock.now - start >= .milliseconds(20))
    }

    /// A signal ends a wait of any length, however long it would be (bounded to an hour).
    @Test(arguments: [Duration.seconds(Int64.max), .seconds(60), .zero, .seconds(-5), .nanoseconds(Int64.min)])
    func aSignalEndsAWaitOfAnyLength(length: Duration) async throws {
        let condition = MonotonicCondition()
        let done = Flag()
        // On a thread of its own, as the commit thread: a blocked task would hold the pool.
        async let waited: Duration = withCheckedContinuation { continuation in
            Thread {
                let began = ContinuousClock.now
                condition.lock()
                // The flag is read under the lock, so a signal before the wait is not lost.
                while !done.value { condition.wait(for: length) }
                condition.unlock()
                continuation.resume(returning: ContinuousClock.now - began)
            }.start()
        }
        try await Task.sleep(for: .milliseconds(20))
        condition.lock()
        done.value = true
        condition.signal()
        condition.unlock()
        #expect(await waited < .seconds(30))
    }

    /// Written and read only under the condition's lock.
    final class Flag: @unchecked Sendable {
        var value = false
    }
}
