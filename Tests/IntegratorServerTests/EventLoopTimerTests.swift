import Foundation
import NIOCore
import Testing

@testable import IntegratorServer

/// The timer raced against every attempt and idle wait: it returns at its deadline, and at once
/// when its task is cancelled, before or after it was armed. (That a cancelled timer holds no
/// memory is shown by the soak row of integrator-bench.)
@Suite struct EventLoopTimerTests {
    @Test func itReturnsAtItsDeadline() async {
        let start = ContinuousClock.now
        await EventLoopTimer.sleep(seconds: 0.2)
        #expect(ContinuousClock.now - start >= .milliseconds(190))
    }

    @Test func aCancelledTimerReturnsAtOnceWhetherCancelledBeforeOrAfterItWasArmed() async {
        let start = ContinuousClock.now
        let early = Task { await EventLoopTimer.sleep(seconds: 3600) }
        early.cancel()
        await early.value
        let late = Task { await EventLoopTimer.sleep(seconds: 3600) }
        try? await Task.sleep(for: .milliseconds(50))
        late.cancel()
        await late.value
        #expect(ContinuousClock.now - start < .seconds(60))
    }

    @Test func aRaceAgainstQuickWorkEndsWithTheWork() async {
        let start = ContinuousClock.now
        for _ in 0..<1000 {
            await withTaskGroup(of: Bool.self) { group in
                group.addTask { true }
                group.addTask {
                    await EventLoopTimer.sleep(seconds: 3600)
                    return false
                }
                #expect(await group.next() == true)
                group.cancelAll()
            }
        }
        #expect(ContinuousClock.now - start < .seconds(60))
    }

    @Test(arguments: [Double.nan, -5, .infinity, 1e300])
    func aHostileDurationIsBounded(seconds: Double) async {
        let task = Task { await EventLoopTimer.sleep(seconds: seconds) }
        try? await Task.sleep(for: .milliseconds(20))
        task.cancel()
        await task.value
    }
}
