import Foundation

/// When a failed delivery is tried again: exponential back-off with jitter.
///
/// The default schedule waits 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h, 12 h and 24 h
/// between attempts: twelve attempts over about two days, then the delivery is parked for a
/// person. A mapping may give its own schedule in `options.retry_schedule`.
public struct RetryPolicy: Sendable, Hashable {
    public static let defaultSchedule: [Double] = [5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800, 43200, 86400]
    /// The longest `Retry-After` the hub honours; a longer one is cut to this.
    public static let maximumRetryAfter: Double = 3600
    /// The longest wait a mapping's `options.retry_schedule` may give: 30 days.
    public static let maximumWait: Double = 30 * 24 * 3600

    /// Seconds before retry 1, 2, …
    public var schedule: [Double]
    /// The share of each wait that is randomised, ±.
    public var jitter: Double

    public init(schedule: [Double] = RetryPolicy.defaultSchedule, jitter: Double = 0.2) {
        self.schedule = schedule
        self.jitter = jitter
    }

    /// The wait after failed attempt number `attempt` (1-based), or nil when no retry is left.
    /// `random` is a number in 0..<1; `retryAfter` is what the endpoint asked for, if anything.
    public func delay(afterAttempt attempt: Int, random: Double, retryAfter: Double? = nil) -> Double? {
        guard attempt >= 1, attempt <= schedule.count else { return nil }
        // Bounded whatever the schedule holds, so no stored schedule can put a time past 9999.
        let base = min(max(schedule[attempt - 1].isFinite ? schedule[attempt - 1] : 0, 0), Self.maximumWait)
        let jittered = base * (1 + jitter * (2 * random - 1))
        if let retryAfter, retryAfter.isFinite, retryAfter > 0 {
            return max(jittered, min(retryAfter, Self.maximumRetryAfter))
        }
        return max(0, jittered)
    }
}
