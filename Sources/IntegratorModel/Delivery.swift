import Foundation

/// Where a delivery is in its life.
public enum DeliveryState: String, Sendable, CaseIterable, Codable {
    /// Waiting for its first attempt.
    case pending
    /// Leased to a worker; a lease that expires is taken again.
    case running
    /// Failed and will retry at `next_attempt_at`.
    case failing
    /// The endpoint asked to be called again later (`delay` + `update_url`).
    case scheduled
    /// Held while its mapping is paused; resuming makes it pending again, in the order received.
    case paused
    /// Failed with no retry left or allowed: waits for a person.
    case parked
    /// The endpoint answered 200.
    case completed
    /// Put away by a person.
    case archived

    /// States a worker may claim once `next_attempt_at` has come.
    public static let claimable: [DeliveryState] = [.pending, .failing, .scheduled, .running]
}

/// How one attempt ended, as the worker saw it.
public enum AttemptOutcome: Sendable, Equatable {
    /// HTTP 200.
    case success
    /// HTTP 200 asking to be called again after `delay` seconds at `updateURL`.
    case later(delay: Double, updateURL: String)
    /// Any other status, a timeout or a refused connection.
    case failure(retryAfter: Double?)
}

/// What a delivery becomes after an attempt: the pure decision, apart from any I/O.
public struct DeliveryTransition: Sendable, Equatable {
    public var state: DeliveryState
    public var nextAttemptAt: Date?
    /// The URL of the next attempt when it differs from the mapping's (an `update_url`).
    public var nextURL: String?

    public init(state: DeliveryState, nextAttemptAt: Date? = nil, nextURL: String? = nil) {
        self.state = state
        self.nextAttemptAt = nextAttemptAt
        self.nextURL = nextURL
    }

    /// The next state after attempt number `attempt` ended with `outcome`.
    public static func after(
        _ outcome: AttemptOutcome,
        attempt: Int,
        retriesAllowed: Bool,
        policy: RetryPolicy,
        now: Date,
        random: Double
    ) -> DeliveryTransition {
        switch outcome {
        case .success:
            return DeliveryTransition(state: .completed)
        case .later(let delay, let url):
            return DeliveryTransition(state: .scheduled, nextAttemptAt: Timestamp.adding(max(0, delay), to: now), nextURL: url)
        case .failure(let retryAfter):
            guard retriesAllowed, let wait = policy.delay(afterAttempt: attempt, random: random, retryAfter: retryAfter) else {
                return DeliveryTransition(state: .parked)
            }
            return DeliveryTransition(state: .failing, nextAttemptAt: Timestamp.adding(wait, to: now))
        }
    }
}
