import NIOCore
import NIOPosix
import Synchronization

/// Waits until a deadline or until the waiting task is cancelled, whichever comes first, and
/// holds nothing once it returns.
///
/// `Task.sleep` keeps a cancelled sleep's job, and the memory under it, until its deadline
/// passes (swiftlang/swift#60441). The hub races a timer against every delivery attempt (the
/// mapping's timeout, 180 s by default) and against every idle wait of the delivery loop, and
/// nearly every one is cancelled early: under a steady 500 pushes/s the heap grew by about
/// 0.4 MB a second. A NIO scheduled task is taken off its event loop the moment it is cancelled.
enum EventLoopTimer {
    /// Returns at `deadline`, or as soon as the task is cancelled.
    static func sleep(until deadline: NIODeadline, on eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.any()) async {
        let alarm = Alarm()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                alarm.arm(continuation) { eventLoop.scheduleTask(deadline: deadline) { alarm.ring() } }
            }
        } onCancel: {
            alarm.ring()
        }
    }

    /// Returns after `seconds` (bounded to 0 ... 1 day), or as soon as the task is cancelled.
    static func sleep(seconds: Double) async {
        let bounded = seconds.isFinite ? min(max(seconds, 0), 86_400) : 86_400
        await sleep(until: .now() + .nanoseconds(Int64(bounded * 1e9)))
    }

    /// One wait: the waiter's continuation and the scheduled task, each released exactly once by
    /// whichever comes first (the deadline or cancellation), in any order with arming.
    private final class Alarm: Sendable {
        private struct State {
            var rung = false
            var waiter: CheckedContinuation<Void, Never>?
            var scheduled: Scheduled<Void>?
        }

        private let state = Mutex(State())

        func arm(_ waiter: CheckedContinuation<Void, Never>, schedule: () -> Scheduled<Void>) {
            let rung = state.withLock { state -> Bool in
                if !state.rung { state.waiter = waiter }
                return state.rung
            }
            if rung { return waiter.resume() }
            let scheduled = schedule()
            let cancel = state.withLock { state -> Bool in
                if !state.rung { state.scheduled = scheduled }
                return state.rung
            }
            if cancel { scheduled.cancel() }
        }

        func ring() {
            let (waiter, scheduled) = state.withLock { state -> (CheckedContinuation<Void, Never>?, Scheduled<Void>?) in
                state.rung = true
                defer {
                    state.waiter = nil
                    state.scheduled = nil
                }
                return (state.waiter, state.scheduled)
            }
            scheduled?.cancel()
            waiter?.resume()
        }
    }
}
