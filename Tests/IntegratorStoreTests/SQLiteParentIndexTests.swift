import Foundation
import GRDB
import IntegratorStore
import Testing

/// The parent index on SQLite holds only replies: a push (no parent) writes nothing to it, and
/// the queries that look children up still use it.
@Suite struct SQLiteParentIndexTests {
    @Test func childLookupsUseTheParentIndexAndAPushAddsNoEntryToIt() async throws {
        try await MigratedSQLiteFile.with { queue in
            try await queue.write { db in
                func plan(_ sql: String) throws -> String { try MigratedSQLiteFile.plan(sql, in: db) }
                let children = try plan(ReadSQL.children.replacingOccurrences(of: "?", with: "'m1'"))
                #expect(children.contains("USING INDEX messages_parent"), "\(children)")
                let prune = try plan(HealthSQL.pruneCandidates.replacingOccurrences(of: "?", with: "0"))
                #expect(prune.contains("messages_parent"), "\(prune)")

                for (id, parent) in [("m1", nil), ("m2", nil), ("m3", "m1")] as [(String, String?)] {
                    try db.execute(
                        sql: """
                            INSERT INTO messages (id, store_id, name, payload, origin, parent_message_id, depth, state, created_at)
                            VALUES (?, 's', 'order:new', '{}', 'push', ?, 0, 'accepted', 0)
                            """,
                        arguments: [id, parent]
                    )
                }
                // Cells on the index's leaf pages: one, for the reply.
                let entries = try Int.fetchOne(db, sql: "SELECT SUM(ncell) FROM dbstat WHERE name = 'messages_parent' AND pagetype = 'leaf'")
                #expect(entries == 1)
                let found = try Row.fetchAll(db, sql: ReadSQL.children, arguments: ["m1"])
                #expect(found.map { $0["id"] as String? } == ["m3"])
            }
        }
    }
}
