import NIOCore
import NIOPosix
import Synchronization

/// Wakes a sleeping loop early: rung when new work is written, so deliveries go out at once
/// instead of at the next poll.
///
/// A wait is one continuation, resumed by whichever comes first: a ring, its timeout (a task
/// scheduled on an event loop, taken off the loop as soon as the wait ends) or cancellation.
/// It used to race two child tasks, a ring-waiter and a timer, in a task group: the delivery
/// loop waits after nearly every claim, and every push and every answered attempt rings, so
/// under load that was two tasks made, scheduled and torn down each time. Not `Task.sleep` for
/// the timeout: a cancelled one keeps its memory until its deadline (swiftlang/swift#60441), and
/// nearly every wait is cut short by a ring.
final class Doorbell: Sendable {
    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Void, Never>
        var timeout: Scheduled<Void>?
    }

    private struct State {
        var rung = false
        var waiter: Waiter?
        var waits: UInt64 = 0
    }

    private let state = Mutex(State())
    private let eventLoop: any EventLoop

    init(eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.any()) {
        self.eventLoop = eventLoop
    }

    func ring() {
        let waiter = state.withLock { state -> Waiter? in
            guard let waiter = state.waiter else {
                state.rung = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        if let waiter { Self.wake(waiter) }
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
                let (ready, displaced) = state.withLock { state -> (Bool, Waiter?) in
                    if state.rung {
                        state.rung = false
                        return (true, nil)
                    }
                    if Task.isCancelled { return (true, nil) }
                    defer { state.waiter = Waiter(id: id, continuation: continuation) }
                    return (false, state.waiter)
                }
                if let displaced { Self.wake(displaced) }
                if ready { return continuation.resume() }
                let timeout = eventLoop.scheduleTask(deadline: deadline) { self.end(id) }
                let ended = state.withLock { state -> Bool in
                    guard state.waiter?.id == id else { return true }
                    state.waiter?.timeout = timeout
                    return false
                }
                if ended { timeout.cancel() }
            }
        } onCancel: {
            end(id)
        }
    }

    /// Ends wait `id` if it is still the one waiting: at its timeout, or when cancelled.
    private func end(_ id: UInt64) {
        let waiter = state.withLock { state -> Waiter? in
            guard let waiter = state.waiter, waiter.id == id else { return nil }
            state.waiter = nil
            return waiter
        }
        if let waiter { Self.wake(waiter) }
    }

    private static func wake(_ waiter: Waiter) {
        waiter.timeout?.cancel()
        waiter.continuation.resume()
    }
}
