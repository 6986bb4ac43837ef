import Foundation
import NIOCore
import Testing

@testable import IntegratorServer

/// The delivery loop's doorbell: a wait ends at a ring (one rung before it too, and only that
/// one), at its timeout, or when its task is cancelled, before or after it began waiting; a
/// hostile timeout is bounded, and a second waiter lets the first go.
@Suite struct DoorbellTests {
    @Test func aRingBeforeTheWaitEndsItAtOnceAndIsUsedUp() async {
        let doorbell = Doorbell()
        doorbell.ring()
        doorbell.ring()
        let start = ContinuousClock.now
        await doorbell.wait(upTo: 3600)
        #expect(ContinuousClock.now - start < .seconds(60))
        // Two rings before a wait are one: the next wait sleeps to its timeout.
        let second = ContinuousClock.now
        await doorbell.wait(upTo: 0.2)
        #expect(ContinuousClock.now - second >= .milliseconds(190))
    }

    @Test func aRingEndsAWaitUnderWay() async {
        let doorbell = Doorbell()
        let start = ContinuousClock.now
        async let waited: Void = doorbell.wait(upTo: 3600)
        try? await Task.sleep(for: .milliseconds(50))
        doorbell.ring()
        await waited
        #expect(ContinuousClock.now - start < .seconds(60))
    }

    @Test func aWaitEndsAtItsTimeout() async {
        let doorbell = Doorbell()
        let start = ContinuousClock.now
        await doorbell.wait(upTo: 0.2)
        #expect(ContinuousClock.now - start >= .milliseconds(190))
    }

    @Test func aCancelledWaitEndsWhetherCancelledBeforeOrAfterItBegan() async {
        let doorbell = Doorbell()
        let start = ContinuousClock.now
        let early = Task { await doorbell.wait(upTo: 3600) }
        early.cancel()
        await early.value
        let late = Task { await doorbell.wait(upTo: 3600) }
        try? await Task.sleep(for: .milliseconds(50))
        late.cancel()
        await late.value
        #expect(ContinuousClock.now - start < .seconds(60))
    }

    @Test func aSecondWaiterLetsTheFirstGo() async {
        let doorbell = Doorbell()
        let start = ContinuousClock.now
        let first = Task { await doorbell.wait(upTo: 3600) }
        try? await Task.sleep(for: .milliseconds(50))
        let second = Task { await doorbell.wait(upTo: 3600) }
        await first.value
        doorbell.ring()
        await second.value
        #expect(ContinuousClock.now - start < .seconds(60))
    }

    @Test func manyWaitsRungInTurnEachEnd() async {
        let doorbell = Doorbell()
        let start = ContinuousClock.now
        for _ in 0..<2000 {
            async let waited: Void = doorbell.wait(upTo: 3600)
            doorbell.ring()
            await waited
        }
        #expect(ContinuousClock.now - start < .seconds(60))
    }

    @Test func aWaitLastsItsOwnTimeoutWhateverTheTimerWasSetFor() async {
        let doorbell = Doorbell()
        // A long wait rung at once leaves the timer set an hour out: a short wait sets it sooner.
        await Self.waitRungSoon(doorbell, upTo: 3600)
        let short = ContinuousClock.now
        await doorbell.wait(upTo: 0.15)
        let shortTook = ContinuousClock.now - short
        #expect(shortTook >= .milliseconds(140) && shortTook < .seconds(60))
        // A short wait rung at once leaves the timer set soon: a longer wait outlasts it.
        await Self.waitRungSoon(doorbell, upTo: 0.1)
        let longer = ContinuousClock.now
        await doorbell.wait(upTo: 0.4)
        #expect(ContinuousClock.now - longer >= .milliseconds(390))
    }

    /// A wait of `seconds` rung 20 ms after it began.
    static func waitRungSoon(_ doorbell: Doorbell, upTo seconds: Double) async {
        async let waited: Void = doorbell.wait(upTo: seconds)
        try? await Task.sleep(for: .milliseconds(20))
        doorbell.ring()
        await waited
    }

    @Test func waitsRungBeforeTheirTimeoutShareOneTimer() async {
        let doorbell = Doorbell()
        for _ in 0..<100 {
            async let waited: Void = doorbell.wait(upTo: 3600)
            // Rung once it waits (a ring before the wait would end it without a timer).
            try? await Task.sleep(for: .milliseconds(2))
            doorbell.ring()
            await waited
        }
        // Each wait's deadline is later than the one the timer is set for: only the first sets it.
        #expect(doorbell.timersScheduled == 1)
    }

    @Test(arguments: [Double.nan, -5, .infinity, 1e300])
    func aHostileTimeoutIsBounded(seconds: Double) async {
        let doorbell = Doorbell()
        let task = Task { await doorbell.wait(upTo: seconds) }
        try? await Task.sleep(for: .milliseconds(20))
        task.cancel()
        await task.value
    }
}
