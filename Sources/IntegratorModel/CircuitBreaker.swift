import Foundation

/// A mapping's circuit breaker, as pure decisions: after `threshold` consecutive failed attempts
/// it opens and the mapping's due deliveries wait without spending attempts; after `cooldown`
/// seconds one probe attempt goes out (half-open); a success closes it, a failure waits another
/// cool-down. The stores keep the state in a row per mapping, so every process sees one breaker.
public enum BreakerState: String, Sendable, Hashable, CaseIterable {
    /// Deliveries flow.
    case closed
    /// Deliveries wait until `probeAt`.
    case open
    /// One probe attempt is under way; the rest wait.
    case halfOpen = "half_open"
}

/// What a mapping's `options` say about its breaker.
public struct BreakerPolicy: Sendable, Hashable {
    /// Consecutive failed attempts that open the breaker.
    public var threshold: Int
    /// Seconds the breaker stays open before a probe.
    public var cooldown: Double

    public static let defaultThreshold = 20
    public static let defaultCooldown: Double = 60
    public static let thresholdRange = 1...1_000_000
    public static let cooldownRange: ClosedRange<Double> = 1...86_400

    public init(threshold: Int = BreakerPolicy.defaultThreshold, cooldown: Double = BreakerPolicy.defaultCooldown) {
        self.threshold = threshold
        self.cooldown = cooldown
    }
}

/// A breaker's stored state.
public struct BreakerStatus: Sendable, Hashable {
    public var state: BreakerState
    public var consecutiveFailures: Int
    /// When an open breaker lets its next probe go (or when a half-open probe's lease runs out).
    public var probeAt: Date?

    public init(state: BreakerState = .closed, consecutiveFailures: Int = 0, probeAt: Date? = nil) {
        self.state = state
        self.consecutiveFailures = consecutiveFailures
        self.probeAt = probeAt
    }

    /// What the breaker did, for the hub's alerts.
    public enum Event: Sendable, Hashable {
        /// It opened: `hub:mapping:failing`.
        case opened
        /// It closed after being open: `hub:mapping:recovered`.
        case closed
    }

    /// The state after one attempt ended, and the event it caused, if any.
    public func after(succeeded: Bool, policy: BreakerPolicy, now: Date) -> (status: BreakerStatus, event: Event?) {
        if succeeded {
            return (BreakerStatus(), state == .closed ? nil : .closed)
        }
        // Counts stop at a bound, so no run of failures can overflow the stored integer.
        let failures = min(consecutiveFailures, 1_000_000_000) + 1
        let reopen = Timestamp.adding(policy.cooldown, to: now)
        switch state {
        case .closed:
            guard failures >= policy.threshold else { return (BreakerStatus(consecutiveFailures: failures), nil) }
            return (BreakerStatus(state: .open, consecutiveFailures: failures, probeAt: reopen), .opened)
        case .open, .halfOpen:
            // The probe failed, or an attempt started before the breaker opened ended badly:
            // wait a whole cool-down from now.
            return (BreakerStatus(state: .open, consecutiveFailures: failures, probeAt: reopen), nil)
        }
    }

    /// Whether writing the breaker after a success would change nothing worth a write: it was
    /// and stays closed with no failures, and its last success is under a second old. Saves a
    /// row write per delivery on a busy healthy mapping, at the cost of `last_success_at` being
    /// up to a second behind.
    public static func successWriteIsRedundant(
        before: BreakerStatus,
        after: BreakerStatus,
        event: Event?,
        lastSuccess: Date?,
        now: Date
    ) -> Bool {
        guard event == nil, before == after, after == BreakerStatus(), let lastSuccess else { return false }
        let age = now.timeIntervalSince(lastSuccess)
        return age >= 0 && age < 1
    }
}
