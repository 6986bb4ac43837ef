import Foundation
import GRDB
import IntegratorStore
import Testing

/// The parent index on SQLite holds only replies: a push (no parent) writes nothing to it, and
/// the queries that look children up still use it.
@Suite struct SQLiteParentIndexTests {
    @Test func childLookupsUseTheParentIndexAndAPushAddsNoEntryToIt() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("integrator-parent-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("hub.sqlite").path
        _ = try SQLiteDatabase.open(path: path)
        // The store just dropped may still be closing (its last connection checkpoints the WAL
        // under a lock): wait for it rather than fail at once, GRDB's default.
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        try await queue.write { db in
            func plan(_ sql: String) throws -> String {
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String? ?? "" }.joined(separator: "; ")
            }
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
