import Foundation
import GRDB
import IntegratorModel
import Synchronization

/// The embedded default store: one SQLite file in WAL mode with `synchronous=FULL`, so every
/// commit is fsync'd before it returns. Writes that acknowledge clients go through a group
/// committer, so concurrent pushes share one fsync.
///
/// One process owns a database file at a time; `open` takes a lock file beside it and refuses
/// a second process with a clear error. Use PostgreSQL for several processes.
public final class SQLiteDatabase: HubDatabase {
    let pool: DatabasePool
    let committer: SQLiteCommitter
    private let lock: FileLock?
    private let checkpointer: SQLiteCheckpointer
    /// Seals mapping definitions and secret parameters on the way in, opens them on the way out.
    public let secrets: SecretBox

    /// Opens (creating and migrating as needed) the database at `path`. A new file is created
    /// readable by its owner only; SQLite gives its WAL and shared-memory files the same mode.
    public static func open(path: String, secrets: SecretBox = .clear) throws -> SQLiteDatabase {
        let lock = try FileLock(path: path + ".lock")
        if !FileManager.default.fileExists(atPath: path) {
            let descriptor = Foundation.open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
            if descriptor >= 0 { _ = Foundation.close(descriptor) }
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        let pool: DatabasePool
        let checkpointer: SQLiteCheckpointer
        let committer: SQLiteCommitter
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB turns WAL on for the writer and sets `synchronous = NORMAL` after any
            // `prepareDatabase` has run, which syncs only at checkpoints: an acknowledged push
            // could be lost with the machine's power. FULL syncs the WAL at every commit.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
                // A WAL reset after a checkpoint cuts the file back to this size, so a burst
                // does not leave a large WAL behind (the checkpointer truncates it when idle).
                try db.execute(sql: "PRAGMA journal_size_limit = \(Self.walSizeLimit)")
                try Self.enableIncrementalVacuum(db)
            }
            try SQLiteSchema.migrator.migrate(pool)
            committer = SQLiteCommitter(pool)
            checkpointer = try SQLiteCheckpointer(path: path, limit: Self.walRestartSize) { [committer] in committer.requestRestart(budget: $0) }
        } catch {
            throw StoreError.unavailable("cannot open the SQLite database at \(path): \(error)")
        }
        return SQLiteDatabase(pool: pool, committer: committer, lock: lock, checkpointer: checkpointer, secrets: secrets)
    }

    /// How long a connection waits for a lock another holds, in seconds.
    static let busyTimeout: TimeInterval = 10

    /// The WAL size past which the checkpointer has the writer start it over: 16 MB.
    static let walRestartSize = 16 << 20

    /// The size a WAL is cut back to when it starts over: 64 MB, above the restart size, so
    /// under steady load the WAL file keeps its blocks and every commit overwrites in place.
    /// Cut back to the restart size itself, each start-over (four a second at 1,000 pushes/s)
    /// freed the 2.8 MB the WAL had grown past it, the file system discarded those blocks
    /// (ext4 mounted with `discard`), and the next commits allocated them again. Row 4's
    /// 10 to 70 ms stalls turned out to be the disk's own (BENCHMARKS.md); this only spares
    /// the disk that churn.
    static let walSizeLimit = 64 << 20

    /// Freed pages are reused by later writes and handed back to the file system in steps
    /// (`reclaimSpace`): incremental auto-vacuum. The mode takes effect through VACUUM, since
    /// WAL mode has already written the file's first page: instant on a new file, a one-time
    /// rebuild of a file made by an older version.
    static func enableIncrementalVacuum(_ db: Database) throws {
        guard try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") != 2 else { return }
        try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
        try db.execute(sql: "VACUUM")
    }

    private init(pool: DatabasePool, committer: SQLiteCommitter, lock: FileLock?, checkpointer: SQLiteCheckpointer, secrets: SecretBox) {
        self.secrets = secrets
        self.pool = pool
        self.committer = committer
        self.lock = lock
        self.checkpointer = checkpointer
    }

    /// The writer connection's `PRAGMA synchronous`: 2 (FULL) when every commit is fsync'd.
    public func writerSynchronousLevel() async throws -> Int {
        try await pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// How many group transactions have committed how many writes since the store opened.
    public var groupCommitStatistics: (transactions: Int, writes: Int) {
        let stats = committer.statistics
        return (stats.transactions, stats.jobs)
    }

    public var commitObserver: CommitObserver { committer.observer }

    /// Lets go of the file when its user is done with it (the end of `withHub`): the lock file
    /// is released at once, so the next process, or the next hub in this one, can open it
    /// without waiting for the last reference to this value to go.
    public func close() {
        lock?.release()
    }

    /// Returns every lease to the queue. Only one process uses a SQLite file (the lock file
    /// proves it), so leases left at start belong to a process that died.
    public func releaseOrphanedLeases(now: Date) async throws -> Int {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE deliveries SET state = 'pending', lease_owner = NULL, next_attempt_at = ? WHERE state = 'running'",
                arguments: [now.timeIntervalSince1970]
            )
            return db.changesCount
        }
    }

}

/// An exclusive lock on a file beside the database, held for the life of the process: the
/// kernel drops it when the process dies, even by SIGKILL.
final class FileLock: Sendable {
    private let descriptor: Int32
    private let held = Mutex(true)

    init(path: String) throws {
        let fd = Foundation.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError.unavailable("cannot create the lock file \(path): \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            throw StoreError.unavailable(
                "the database is in use by another integrator process (lock file \(path)); stop it first, or use PostgreSQL to run several processes"
            )
        }
        self.descriptor = fd
    }

    /// Lets go of the lock (once; later calls do nothing).
    func release() {
        guard
            held.withLock({ held in
                defer { held = false }
                return held
            })
        else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    deinit { release() }
}

extension Database {
    /// Runs `sql` through the connection's prepared-statement cache. The write paths run the
    /// same few statements thousands of times a second; compiling each one every time showed
    /// as a tenth of the writer's time in a profile.
    func cachedExecute(sql: String, arguments: StatementArguments = StatementArguments()) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }
}
