import Foundation
import IntegratorModel
import IntegratorStore
import PostgresNIO

/// Retention and endpoint health on PostgreSQL. Pruning runs in one process at a time: each
/// batch holds a transaction-scoped advisory lock, and a process that cannot take it skips.
extension PostgresDatabase {
    /// The advisory lock a pruning batch holds.
    static let pruneLock = 727_275

    public func pruneMessages(storeID: String, before: Date, limit: Int) async throws -> Int {
        let batch = min(max(limit, 1), 500)
        return try await transaction { db in
            guard try await db.rows("SELECT pg_try_advisory_xact_lock(?) AS taken", [.int(Self.pruneLock)]).first?.bool("taken") == true else {
                return 0
            }
            let candidates = try await db.rows(HealthSQL.pruneCandidates, [.text(storeID), .time(before), .int(batch)]).map {
                (id: try $0.text("id"), parent: try $0.optionalText("parent_message_id"))
            }
            guard !candidates.isEmpty else { return 0 }
            let removable = try await RetentionWalk.removable(candidates) { ids in
                try await db.rows(HealthSQL.ancestors(count: ids.count), ids.map { .text($0) }).map {
                    RetentionWalk.Link(id: try $0.text("id"), parent: try $0.optionalText("parent_message_id"), open: try $0.bool("is_open"))
                }
            }
            for statement in HealthSQL.prune(count: removable.count) where !removable.isEmpty {
                try await db.run(statement, removable.map { .text($0) })
            }
            return removable.count
        }
    }

    public func mappingHealth(storeID: String, failuresSince since: Date?) async throws -> [MappingHealth] {
        var failures: [String: Int] = [:]
        let recent = since == nil ? [] : try await client.rows(HealthSQL.recentFailures, [.text(storeID), .time(since)])
        for row in recent {
            failures[try row.text("mapping")] = try row.int("n")
        }
        return try await client.rows(HealthSQL.breakers, [.text(storeID)]).map { try HealthSQL.mappingHealth($0, failures: failures) }
    }

    /// Rows per table (`HealthSQL.countedTables`): what the tests and the soak benchmark watch.
    public func rowCounts() async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for table in HealthSQL.countedTables {
            counts[table] = try await client.rows("SELECT COUNT(*) AS n FROM \(table)", []).first?.int("n") ?? 0
        }
        return counts
    }
}
