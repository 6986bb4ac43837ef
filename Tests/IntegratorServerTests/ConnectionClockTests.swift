import NIOCore
import Testing

@testable import IntegratorServer

/// A connection's head and body clocks share one timer: it is armed only when a deadline would
/// otherwise be missed, and when it fires it closes the connection exactly when the running
/// clock's deadline has passed, waits on for a later one, or lapses when no clock runs.
@Suite struct ConnectionClockTests {
    static func at(_ seconds: Int64) -> NIODeadline { .uptimeNanoseconds(UInt64(1_000 + seconds) * 1_000_000_000) }

    @Test func theFirstClockArmsTheTimerAndALaterDeadlineKeepsIt() {
        var clock = ConnectionClock()
        #expect(!clock.isRunning)
        #expect(clock.start(.head, due: Self.at(10)) == .schedule(Self.at(10)))
        #expect(clock.isRunning)
        // The head arrived at 1 s: the body's clock (30 s) runs; the timer at 10 s fires first.
        #expect(clock.start(.body, due: Self.at(31)) == .keep)
        #expect(clock.due?.part == .body)
        #expect(clock.timerFires == Self.at(10))
    }

    @Test func anEarlierDeadlineMovesTheTimer() {
        // A header timeout longer than the body's: the body's deadline comes before the timer.
        var clock = ConnectionClock()
        #expect(clock.start(.head, due: Self.at(60)) == .schedule(Self.at(60)))
        #expect(clock.start(.body, due: Self.at(5)) == .schedule(Self.at(5)))
        #expect(clock.timerFires == Self.at(5))
    }

    @Test func aTimerThatFiresBeforeTheDeadlineWaitsOnForIt() {
        var clock = ConnectionClock()
        _ = clock.start(.head, due: Self.at(10))
        _ = clock.start(.body, due: Self.at(31))
        #expect(clock.fired(at: Self.at(10)) == .schedule(Self.at(31)))
        #expect(clock.timerFires == Self.at(31))
        #expect(clock.fired(at: Self.at(31)) == .close(.body))
        #expect(!clock.isRunning)
        #expect(clock.timerFires == nil)
    }

    @Test func aPartNotWholeByItsDeadlineClosesTheConnection() {
        var clock = ConnectionClock()
        _ = clock.start(.head, due: Self.at(10))
        #expect(clock.fired(at: Self.at(10)) == .close(.head))
        var late = ConnectionClock()
        _ = late.start(.body, due: Self.at(30))
        // A loop running behind fires late: still a close, never a wait for a past deadline.
        #expect(late.fired(at: Self.at(45)) == .close(.body))
    }

    @Test func aStoppedClockLetsTheTimerLapseAndTheNextRequestReusesIt() {
        var clock = ConnectionClock()
        _ = clock.start(.head, due: Self.at(10))
        _ = clock.start(.body, due: Self.at(31))
        clock.stop()
        #expect(!clock.isRunning)
        // The next request's first byte, before the armed timer fires: no new timer.
        #expect(clock.start(.head, due: Self.at(12)) == .keep)
        #expect(clock.fired(at: Self.at(10)) == .schedule(Self.at(12)))
        clock.stop()
        #expect(clock.fired(at: Self.at(12)) == .lapse)
        #expect(clock.timerFires == nil)
        // With no timer armed, the next clock arms one.
        #expect(clock.start(.head, due: Self.at(50)) == .schedule(Self.at(50)))
    }

    @Test func aDeadlineAtTheTimersOwnTimeKeepsIt() {
        var clock = ConnectionClock()
        _ = clock.start(.head, due: Self.at(10))
        #expect(clock.start(.body, due: Self.at(10)) == .keep)
        #expect(clock.fired(at: Self.at(10)) == .close(.body))
    }
}
