import Foundation
import GRDB
import IntegratorModel

/// Retention and endpoint health on SQLite: removing finished history in small batches,
/// handing freed pages back, and reading each mapping's breaker.
extension SQLiteDatabase {
    public func pruneMessages(storeID: String, before: Date, limit: Int) async throws -> Int {
        let batch = min(max(limit, 1), 500)
        let candidates = try await pool.read { db in
            try Row.fetchAll(db, sql: HealthSQL.pruneCandidates, arguments: [storeID, before.timeIntervalSince1970, batch]).map {
                (id: try $0.text("id"), parent: try $0.optionalText("parent_message_id"))
            }
        }
        guard !candidates.isEmpty else { return 0 }
        let removable = try await RetentionWalk.removable(candidates) { ids in
            try await pool.read { db in
                try Row.fetchAll(db, sql: HealthSQL.ancestors(count: ids.count), arguments: StatementArguments(ids)).map {
                    RetentionWalk.Link(id: try $0.text("id"), parent: try $0.optionalText("parent_message_id"), open: try $0.bool("is_open"))
                }
            }
        }
        guard !removable.isEmpty else { return 0 }
        // Through the group committer: the batch shares its fsync with the pushes around it.
        try await committer.perform { db in
            for statement in HealthSQL.prune(count: removable.count) {
                try db.execute(sql: statement, arguments: StatementArguments(removable))
            }
        }
        return removable.count
    }

    /// Hands freed pages back to the file system once more than a tenth of the file is free,
    /// 2,000 pages (8 MB) per step, so no step holds the writer for long.
    public func reclaimSpace() async throws {
        for _ in 0..<64 {
            let (free, total) = try await pool.read { db in
                (try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0, try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0)
            }
            guard free > 256, free * 10 > total else { return }
            try await committer.perform { db in try db.execute(sql: "PRAGMA incremental_vacuum(2000)") }
        }
    }

    public func mappingHealth(storeID: String, failuresSince since: Date?) async throws -> [MappingHealth] {
        try await pool.read { db in
            var failures: [String: Int] = [:]
            for row in try since.map({ try Row.fetchAll(db, sql: HealthSQL.recentFailures, arguments: [storeID, $0.timeIntervalSince1970]) }) ?? [] {
                failures[try row.text("mapping")] = try row.int("n")
            }
            return try Row.fetchAll(db, sql: HealthSQL.breakers, arguments: [storeID]).map { try HealthSQL.mappingHealth($0, failures: failures) }
        }
    }

    /// Rows per table (`HealthSQL.countedTables`): what the tests and the soak benchmark watch.
    public func rowCounts() async throws -> [String: Int] {
        try await pool.read { db in
            var counts: [String: Int] = [:]
            for table in HealthSQL.countedTables { counts[table] = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
            return counts
        }
    }

    /// How the file is laid out: its auto-vacuum mode (2 is incremental), pages and free pages.
    public func storageReport() async throws -> (autoVacuum: Int, pages: Int, freePages: Int, pageSize: Int) {
        try await pool.read { db in
            (
                try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") ?? -1, try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0,
                try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0, try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0
            )
        }
    }
}
