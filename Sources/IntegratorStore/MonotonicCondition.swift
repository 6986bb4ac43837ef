import Foundation

/// A lock and condition variable whose timed waits run on the monotonic clock.
///
/// `NSCondition.wait(until:)` takes a wall-clock `Date`: a clock stepped back an hour while a
/// thread waits holds it an hour. The commit thread's and the checkpointer's waits are bounded
/// in elapsed time whatever the wall clock does, so they wait on `CLOCK_MONOTONIC` through
/// pthreads, which Foundation does not expose. Written by hand: two pthread objects and a
/// deadline's arithmetic.
final class MonotonicCondition: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    /// The longest single timed wait; callers loop on their own condition anyway.
    static let longestWait: Duration = .seconds(3_600)

    init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }
    func signal() { pthread_cond_signal(condition) }

    /// Waits for a signal; may return without one, so callers re-check what they wait for.
    /// Called with the lock held, returns with it held.
    func wait() { pthread_cond_wait(condition, mutex) }

    /// As `wait()`, for at most `duration` (bounded to 0 ... `longestWait`) of monotonic time.
    func wait(for duration: Duration) {
        let (seconds, attoseconds) = min(max(duration, .zero), Self.longestWait).components
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let nanoseconds = Int(attoseconds / 1_000_000_000) + now.tv_nsec
        var deadline = timespec(tv_sec: now.tv_sec + Int(seconds) + nanoseconds / 1_000_000_000, tv_nsec: nanoseconds % 1_000_000_000)
        pthread_cond_timedwait(condition, mutex, &deadline)
    }
}
