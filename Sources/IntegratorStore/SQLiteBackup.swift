import Foundation
import GRDB

/// `integrator backup`: a consistent copy of a SQLite database taken while the hub serves.
/// SQLite's online backup, through GRDB, copies every page inside one read transaction, so the
/// copy holds exactly what was committed when it began; the hub goes on writing meanwhile
/// (readers never block the writer in WAL mode). The hub's file lock is not taken.
public enum SQLiteBackup {
    /// What a backup wrote.
    public struct Summary: Sendable {
        public var pages: Int
        public var bytes: Int
        public var messages: Int
    }

    /// Copies the database at `source` into a new file `destination` (readable by its owner
    /// only), then checks the copy. Refuses to overwrite a file.
    public static func copy(from source: String, to destination: String) throws -> Summary {
        guard FileManager.default.fileExists(atPath: source) else {
            throw StoreError.notFound("there is no SQLite database at \(source)")
        }
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw StoreError.conflict("\(destination) already exists; choose a new file, so no backup is overwritten by mistake")
        }
        let descriptor = open(destination, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StoreError.unavailable("cannot create \(destination): \(String(cString: strerror(errno)))")
        }
        close(descriptor)
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            let from = try DatabaseQueue(path: source, configuration: configuration)
            let to = try DatabaseQueue(path: destination)
            try from.backup(to: to)
            return try to.writeWithoutTransaction { db in
                // The copy keeps WAL mode; fold its WAL in so the file stands alone.
                try db.checkpoint(.truncate)
                let check = try String.fetchOne(db, sql: "PRAGMA quick_check") ?? ""
                guard check == "ok" else { throw StoreError.invalid("the copy failed its check: \(check)") }
                let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
                let size = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0
                let messages = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM messages") ?? 0
                return Summary(pages: pages, bytes: pages * size, messages: messages)
            }
        } catch let error as StoreError {
            try? FileManager.default.removeItem(atPath: destination)
            throw error
        } catch {
            try? FileManager.default.removeItem(atPath: destination)
            throw StoreError.unavailable("the backup of \(source) failed: \(error)")
        }
    }
}
