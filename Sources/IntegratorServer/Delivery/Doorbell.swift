import NIOCore
import NIOPosix
import Synchronization

/// Wakes a sleeping loop early: rung when new work is written, so deliveries go out at once
/// instead of at the next poll.
///
/// A wait is one continuation, resumed by whichever comes first: a ring, its timeout or
/// cancellation. It used to race two child tasks, a ring-waiter and a timer, in a task group:
/// the delivery loop waits after nearly every claim, and every push and every answered attempt
/// rings, so under load that was two tasks made, scheduled and torn down each time. Not
/// `Task.sleep` for the timeout: a cancelled one keeps its memory until its deadline
/// (swiftlang/swift#60441), and nearly every wait is cut short by a ring.
///
/// The timeouts share one timer on an event loop, moved lazily (as `ConnectionClock` does for a
/// connection's deadlines): a wait arms it only when it must fire sooner than it is set to, and
/// a ring leaves it be; when it fires it ends the wait if that wait's time is up, or sets itself
/// for the wait's own deadline. A timer scheduled and cancelled a wait, from the loop's thread,
/// woke the event loop twice per wait: at 1,000 pushes a second, three waits a push.
final class Doorbell: Sendable {
    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Void, Never>
        var deadline: NIODeadline
    }

    private struct State {
        var rung = false
        var waiter: Waiter?
        var waits: UInt64 = 0
        /// When the timer is set to fire, if it is set.
        var armed: NIODeadline?
        /// The timer, to cancel when a wait needs it sooner.
        var timer: Scheduled<Void>?
        /// How many times a timer was scheduled (for tests).
        var timersScheduled = 0
    }

    private let state = Mutex(State())
    private let eventLoop: any EventLoop

    init(eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.any()) {
        self.eventLoop = eventLoop
    }

    /// How many times the timer was scheduled: once per wait that needed it sooner than it was
    /// set, and once more each time it fired for a wait whose deadline was later.
    var timersScheduled: Int { state.withLock { $0.timersScheduled } }

    func ring() {
        let waiter = state.withLock { state -> Waiter? in
            guard let waiter = state.waiter else {
                state.rung = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.continuation.resume()
    }

    /// Returns when rung (at once if it was rung since the last wait), after `seconds`
    /// (bounded to 0 ... 1 day), or when the task is cancelled. One loop waits at a time; a
    /// second wait lets the first go.
    func wait(upTo seconds: Double) async {
        let bounded = seconds.isFinite ? min(max(seconds, 0), 86_400) : 86_400
        let deadline = NIODeadline.now() + .nanoseconds(Int64(bounded * 1e9))
        let id = state.withLock { state -> UInt64 in
            state.waits &+= 1
            return state.waits
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let (ready, displaced, arm) = state.withLock { state -> (Bool, Waiter?, Bool) in
                    if state.rung {
                        state.rung = false
                        return (true, nil, false)
                    }
                    if Task.isCancelled { return (true, nil, false) }
                    let displaced = state.waiter
                    state.waiter = Waiter(id: id, continuation: continuation, deadline: deadline)
                    guard state.armed.map({ $0 > deadline }) ?? true else { return (false, displaced, false) }
                    state.armed = deadline
                    return (false, displaced, true)
                }
                displaced?.continuation.resume()
                if ready { return continuation.resume() }
                if arm { self.arm(at: deadline) }
            }
        } onCancel: {
            end(id)
        }
    }

    /// Schedules the timer for `deadline`, which the caller has just set as `armed`, and cancels
    /// the one it replaces. If `armed` moved on meanwhile, this timer is the stale one.
    private func arm(at deadline: NIODeadline) {
        let timer = eventLoop.scheduleTask(deadline: deadline) { self.fire(deadline) }
        let replaced = state.withLock { state -> Scheduled<Void>? in
            state.timersScheduled += 1
            guard state.armed == deadline else { return timer }
            defer { state.timer = timer }
            return state.timer
        }
        replaced?.cancel()
    }

    /// The timer set for `deadline` fired: ends the wait whose time is up, or sets the timer
    /// for the deadline of the wait that came since.
    private func fire(_ deadline: NIODeadline) {
        let now = NIODeadline.now()
        let (expired, next) = state.withLock { state -> (Waiter?, NIODeadline?) in
            guard state.armed == deadline else { return (nil, nil) }
            state.armed = nil
            state.timer = nil
            guard let waiter = state.waiter else { return (nil, nil) }
            if waiter.deadline <= now {
                state.waiter = nil
                return (waiter, nil)
            }
            state.armed = waiter.deadline
            return (nil, waiter.deadline)
        }
        expired?.continuation.resume()
        if let next { arm(at: next) }
    }

    /// Ends wait `id` if it is still the one waiting, when its task is cancelled; the timer
    /// stays set and finds no wait when it fires.
    private func end(_ id: UInt64) {
        let waiter = state.withLock { state -> Waiter? in
            guard let waiter = state.waiter, waiter.id == id else { return nil }
            state.waiter = nil
            return waiter
        }
        waiter?.continuation.resume()
    }
}
