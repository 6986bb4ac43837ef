import IntegratorModel
import IntegratorStore
import Synchronization

/// A count shared between the loop and the attempts it starts.
final class SharedCounter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func add(_ delta: Int) { count.withLock { $0 += delta } }
}

/// An action that runs at most once, however many times `release` is called: an attempt's
/// slot is given back when its answer is in, or at its end if it never got one.
final class ReleaseOnce: Sendable {
    private let action: Mutex<(@Sendable () -> Void)?>

    init(_ action: @escaping @Sendable () -> Void) {
        self.action = Mutex(action)
    }

    @Sendable func release() {
        action.withLock { action in
            defer { action = nil }
            return action
        }?()
    }
}

/// A flag set once, from the graceful-shutdown handler.
final class SharedFlag: Sendable {
    private let flag = Mutex(false)
    var isSet: Bool { flag.withLock { $0 } }
    func set(to value: Bool = true) { flag.withLock { $0 = value } }
}

/// Attempts under way per mapping in this process, for `options.max_in_flight`.
final class InFlightTable: Sendable {
    private let counts = Mutex<[MappingKey: Int]>([:])

    func add(_ key: MappingKey, _ delta: Int) {
        counts.withLock { counts in
            let value = counts[key, default: 0] + delta
            counts[key] = value > 0 ? value : nil
        }
    }

    /// The limits of the next claim: mappings at their in-flight cap, or whose rate limit the
    /// starts in the last second (`started`) already reach, are left out; the others' room is
    /// the smaller of what the two leave.
    func limits(
        cap: @escaping @Sendable (MappingKey) -> Int,
        rateLimit: @escaping @Sendable (MappingKey) -> Int? = { _ in nil },
        started: [MappingKey: Int] = [:]
    ) -> ClaimLimits {
        let snapshot = counts.withLock { $0 }
        var full = Set(snapshot.filter { $0.value >= cap($0.key) }.map(\.key))
        for (key, count) in started where count >= (rateLimit(key) ?? Int.max) { full.insert(key) }
        return ClaimLimits(full: full.sorted { ($0.storeID, $0.mapping) < ($1.storeID, $1.mapping) }) { key in
            let inFlightRoom = cap(key) - snapshot[key, default: 0]
            guard let limit = rateLimit(key) else { return inFlightRoom }
            return min(inFlightRoom, limit - started[key, default: 0])
        }
    }
}

extension Duration {
    /// The duration in seconds, for attempt durations and what is left of a timeout.
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
