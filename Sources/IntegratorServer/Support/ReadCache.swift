import Foundation
import Synchronization

/// A few store reads the hot paths make on every request (a store's token hash on every push,
/// its parameters on every delivery), kept for a short time. Changes this process makes drop
/// the entry at once; changes another process makes (several hubs on one PostgreSQL) are
/// seen within `lifetime`. Missing values are not kept, so a store created elsewhere works
/// at once.
final class ReadCache<Value: Sendable>: Sendable {
    private let entries = Mutex<[String: (value: Value, expires: ContinuousClock.Instant)]>([:])
    let lifetime: Duration
    /// The most entries kept.
    static var capacity: Int { 10_000 }

    init(lifetime: Duration) {
        self.lifetime = lifetime
    }

    func value(_ key: String, load: () async throws -> Value?) async rethrows -> Value? {
        let now = ContinuousClock.now
        if let hit = entries.withLock({ $0[key] }), hit.expires > now { return hit.value }
        guard let loaded = try await load() else {
            entries.withLock { _ = $0.removeValue(forKey: key) }
            return nil
        }
        entries.withLock { entries in
            // Bounded: keys come from requests (store ids), so a caller inventing ids cannot grow it.
            if entries.count >= Self.capacity {
                entries = entries.filter { $0.value.expires > now }
                if entries.count >= Self.capacity { entries.removeAll() }
            }
            entries[key] = (loaded, now + lifetime)
        }
        return loaded
    }

    func invalidate(_ key: String) {
        entries.withLock { _ = $0.removeValue(forKey: key) }
    }

    func invalidateAll() {
        entries.withLock { $0.removeAll() }
    }
}
