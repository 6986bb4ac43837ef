import Foundation
import Synchronization

/// Pushes per second per store, as a token bucket: a store may burst up to one second's worth,
/// then gets 429 with `Retry-After` until the bucket refills. Off when the rate is 0.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Date
    }

    let rate: Double
    private let buckets = Mutex<[String: Bucket]>([:])

    init(rate: Double) {
        self.rate = rate
    }

    /// Takes `cost` tokens for `storeID`, or returns the seconds to wait before trying again.
    func take(_ cost: Int, storeID: String, now: Date) -> Double? {
        guard rate > 0 else { return nil }
        let capacity = max(rate, Double(cost))
        return buckets.withLock { buckets in
            var bucket = buckets[storeID] ?? Bucket(tokens: capacity, updated: now)
            bucket.tokens = min(capacity, bucket.tokens + max(0, now.timeIntervalSince(bucket.updated)) * rate)
            bucket.updated = now
            defer { buckets[storeID] = bucket }
            if bucket.tokens >= Double(cost) {
                bucket.tokens -= Double(cost)
                return nil
            }
            return (Double(cost) - bucket.tokens) / rate
        }
    }
}
