import Foundation
import IntegratorModel
import IntegratorStore
import Logging
import ServiceLifecycle

/// Keeps what the hub stores bounded: removes finished history past each store's retention,
/// forgets idempotency keys after their 24 hours, and gives the freed space back. Runs in
/// small batches with a pause between, so pushes and deliveries never wait long behind it.
struct RetentionService: Service {
    let hub: Hub

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                var interval = 60.0
                do {
                    interval = try await hub.applyRetention().nextPassIn
                } catch is CancellationError {
                    return
                } catch {
                    if Task.isCancelled { return }
                    hub.logger.error("applying retention failed, trying again in a minute: \(error)")
                }
                try? await Task.sleep(for: .seconds(interval))
            }
        }
    }
}

/// What one retention pass did.
public struct RetentionPass: Sendable, Equatable {
    /// Messages removed, with everything under them.
    public var removed: Int
    /// Seconds until the next pass: a twentieth of the shortest retention in force, from 1 s to 60 s.
    public var nextPassIn: Double
}

extension Hub {
    /// Messages removed per batch, and the pause between batches that leaves the writer to the hot path.
    static let retentionBatch = 200
    static let retentionPause: Duration = .milliseconds(20)

    /// The retention in force on a store: its own, or the hub's.
    func retention(of store: StoreInfo) -> RetentionPeriod {
        store.retention ?? configuration.retention
    }

    /// Runs one retention pass over every store now (the service calls it on a timer; tests
    /// call it after moving their clock).
    @discardableResult
    public func applyRetention() async throws -> RetentionPass {
        let now = clock.now()
        var removed = 0
        var shortest = Double.infinity
        for info in try await database.stores() {
            let period = retention(of: info)
            guard let cutoff = period.cutoff(now: now) else { continue }
            shortest = min(shortest, period.seconds)
            while !Task.isCancelled {
                let count = try await database.pruneMessages(storeID: info.id, before: cutoff, limit: Self.retentionBatch)
                removed += count
                if count < Self.retentionBatch { break }
                try await Task.sleep(for: Self.retentionPause)
            }
        }
        try await database.pruneIdempotencyKeys(before: now.addingTimeInterval(-24 * 3600))
        if removed > 0 {
            try await database.reclaimSpace()
            logger.info("retention removed \(removed) finished message(s) with their deliveries and attempts")
        }
        return RetentionPass(removed: removed, nextPassIn: min(max(shortest / 20, 1), 60))
    }
}
