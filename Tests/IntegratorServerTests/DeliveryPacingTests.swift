import Foundation
import IntegratorModel
import IntegratorStore
import Testing

@testable import IntegratorServer

/// The claim's limits as values: the in-flight cap and the rate window, no sockets.
@Suite struct DeliveryPacingTests {
    let a = MappingKey(storeID: "acme", mapping: "a")
    let b = MappingKey(storeID: "acme", mapping: "b")
    let c = MappingKey(storeID: "beta", mapping: "c")

    @Test func aMappingAtItsRateIsLeftOutAndTheOthersGetWhatTheirWindowLeaves() {
        let table = InFlightTable()
        table.add(a, 1)
        let limits = table.limits(
            cap: { _ in 16 },
            rateLimit: { $0 == self.c ? nil : 5 },
            started: [a: 5, b: 2, c: 100]
        )
        #expect(limits.full == [a])
        #expect(limits.room(b) == 3)
        #expect(limits.room(c) == 16)  // no rate limit: only its cap
        #expect(limits.room(MappingKey(storeID: "acme", mapping: "quiet")) == 5)  // nothing started yet: the whole limit
    }

    @Test func theInFlightCapStillBindsUnderARateLimit() {
        let table = InFlightTable()
        table.add(b, 15)
        let limits = table.limits(cap: { _ in 16 }, rateLimit: { _ in 100 }, started: [b: 10])
        #expect(limits.room(b) == 1)
        table.add(b, 1)
        #expect(table.limits(cap: { _ in 16 }, rateLimit: { _ in 100 }, started: [b: 10]).full == [b])
    }

    @Test func theWindowForgetsStartsAfterOneSecondAndSaysWhenItOpens() {
        let rate = OutboundRate()
        let t0 = ContinuousClock.now
        rate.started(a, count: 3, now: t0)
        rate.started(a, count: 2, now: t0 + .milliseconds(400))
        #expect(rate.counts(now: t0 + .milliseconds(500))[a] == 5)
        #expect(rate.nextOpening(limit: { _ in 5 }, now: t0 + .milliseconds(500)) == .milliseconds(500))
        #expect(rate.nextOpening(limit: { _ in 6 }, now: t0 + .milliseconds(500)) == nil)
        #expect(rate.counts(now: t0 + .milliseconds(1000))[a] == 2)
        #expect(rate.counts(now: t0 + .milliseconds(1400))[a] == nil)
    }

    /// Over any one-second window, a drain paced by the window never starts more than the limit.
    @Test func aSimulatedDrainNeverExceedsTheLimitInAnyWindow() {
        let rate = OutboundRate()
        let start = ContinuousClock.now
        var starts: [ContinuousClock.Instant] = []
        var now = start
        var backlog = 200
        while backlog > 0 {
            let limits = InFlightTable().limits(cap: { _ in 64 }, rateLimit: { _ in 7 }, started: rate.counts(now: now))
            let room = limits.full.contains(a) ? 0 : min(limits.room(a), backlog)
            for _ in 0..<room {
                rate.started(a, now: now)
                starts.append(now)
            }
            backlog -= room
            now = now + .milliseconds(37)
        }
        for (index, first) in starts.enumerated() {
            let inWindow = starts[index...].prefix { $0 - first < .seconds(1) }.count
            #expect(inWindow <= 7)
        }
    }

    /// An attempt gives its process slot back once, whether at its answer, at its end, or both
    /// (the end calls it again in case the answer never came).
    @Test func anAttemptsSlotIsGivenBackExactlyOnce() async {
        let slots = SharedCounter()
        slots.add(1)
        let release = ReleaseOnce { slots.add(-1) }
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<50 { group.addTask { release.release() } }
        }
        release.release()
        #expect(slots.value == 0)
    }
}
