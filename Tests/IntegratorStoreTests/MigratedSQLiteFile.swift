import Foundation
import GRDB
import IntegratorStore

/// A SQLite file the store has created and migrated, opened on its own by GRDB so a test can
/// read its schema, plans and pages; removed afterwards.
enum MigratedSQLiteFile {
    static func with<Result>(_ body: (DatabaseQueue) async throws -> Result) async throws -> Result {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("integrator-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("hub.sqlite").path
        _ = try SQLiteDatabase.open(path: path)
        // The store just dropped may still be closing (its last connection checkpoints the WAL
        // under a lock): wait for it rather than fail at once, GRDB's default.
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        return try await body(try DatabaseQueue(path: path, configuration: configuration))
    }

    /// SQLite's plan for `sql`, its steps joined.
    static func plan(_ sql: String, in db: Database) throws -> String {
        try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String? ?? "" }.joined(separator: "; ")
    }
}
