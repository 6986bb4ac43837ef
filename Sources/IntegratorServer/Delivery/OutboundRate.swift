import Foundation
import IntegratorModel
import IntegratorStore
import Synchronization

/// `options.rate_limit` in this process: the attempts each limited mapping started in the last
/// second. A claim gives a mapping no more room than its limit less what started in the window,
/// so no one-second window ever holds more starts than the limit; held deliveries stay due.
/// Each process keeps its own window (see README, Limits: across processes the limits add up).
final class OutboundRate: Sendable {
    private let starts = Mutex<[MappingKey: [ContinuousClock.Instant]]>([:])
    static let window: Duration = .seconds(1)

    /// Starts still inside the window at `now`, per mapping; older ones are dropped.
    private func trimmed(_ starts: inout [MappingKey: [ContinuousClock.Instant]], now: ContinuousClock.Instant) {
        for (key, list) in starts {
            let kept = list.drop { now - $0 >= Self.window }
            starts[key] = kept.isEmpty ? nil : Array(kept)
        }
    }

    /// How many attempts each mapping started in the window ending at `now`.
    func counts(now: ContinuousClock.Instant = .now) -> [MappingKey: Int] {
        starts.withLock { starts in
            trimmed(&starts, now: now)
            return starts.mapValues(\.count)
        }
    }

    /// Notes attempts of a limited mapping started at `now`.
    func started(_ key: MappingKey, count: Int = 1, now: ContinuousClock.Instant = .now) {
        starts.withLock { starts in starts[key, default: []].append(contentsOf: repeatElement(now, count: count)) }
    }

    /// How long until the first full window has room again, for the workers' nap.
    func nextOpening(limit: (MappingKey) -> Int?, now: ContinuousClock.Instant = .now) -> Duration? {
        starts.withLock { starts in
            var soonest: Duration?
            for (key, list) in starts {
                guard let limit = limit(key), list.count >= limit, let first = list.first else { continue }
                let wait = max(.zero, first + Self.window - now)
                soonest = min(soonest ?? wait, wait)
            }
            return soonest
        }
    }
}
