import Foundation
import GRDB

/// Moves the WAL into the database file off the commit path. SQLite's automatic checkpoint
/// runs inside the commit that crosses 1,000 pages, so one push in a thousand waited for the
/// copy and the database file's fsync (the benchmark's p99 of tens of milliseconds). The
/// writer's automatic checkpoint is turned off and this thread runs a PASSIVE checkpoint on
/// its own connection every `interval`, which never blocks the writer.
///
/// The WAL stays bounded: once a checkpoint has copied every frame, the writer starts the WAL
/// over from its beginning and `journal_size_limit` cuts the file back to 16 MB. Under steady
/// load that start-over rarely happens by itself: some reader is nearly always inside a snapshot
/// older than the last checkpoint, and the next commit comes within a millisecond (a soak at
/// 500 pushes/s grew the WAL to 742 MB). So when the WAL holds more than `limit` bytes, a
/// RESTART checkpoint holds new commits back for the moment it takes the readers of the old
/// snapshot to finish (at most `restartWait`; if they take longer it gives up and tries again
/// a second later), and the next commit starts the WAL over. Tried every tick, it cost a
/// backlog's drain a quarter of its speed; once a second, the WAL still stays near its limit. When nothing was written for a
/// whole tick and every frame is copied, the hub is idle and a TRUNCATE checkpoint empties the
/// WAL file.
final class SQLiteCheckpointer: Sendable {
    private let core: Core

    init(path: String, interval: Double = 0.05, limit: Int, restartWait: Int = 50) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(1)
        let connection = try DatabaseQueue(path: path, configuration: configuration)
        try connection.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let pageSize = try connection.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") } ?? 4096
        core = Core(connection: connection, interval: interval, limitFrames: max(1, limit / max(pageSize, 512)), restartWait: restartWait)
        let core = self.core
        let thread = Thread { core.run() }
        thread.start()
    }

    deinit { core.stop() }

    private final class Core: @unchecked Sendable {
        let connection: DatabaseQueue
        let interval: Double
        let condition = NSCondition()
        var stopped = false  // guarded by condition
        /// The WAL's frame count at the last tick, to tell an idle hub (only the loop uses it).
        var lastFrames = -1
        /// When the last RESTART was tried (only the loop uses it): at most one a second, so a
        /// busy drain, whose readers keep it waiting, loses at most a few percent of its commits.
        var lastRestart: ContinuousClock.Instant?

        /// WAL frames past which a RESTART checkpoint is made.
        let limitFrames: Int
        /// Milliseconds a RESTART waits for old readers (and holds commits back) at most.
        let restartWait: Int

        init(connection: DatabaseQueue, interval: Double, limitFrames: Int, restartWait: Int) {
            self.connection = connection
            self.interval = interval
            self.limitFrames = limitFrames
            self.restartWait = restartWait
        }

        func stop() {
            condition.lock()
            stopped = true
            condition.signal()
            condition.unlock()
        }

        func run() {
            while true {
                condition.lock()
                if !stopped { _ = condition.wait(until: Date().addingTimeInterval(interval)) }
                let done = stopped
                condition.unlock()
                if done { return }
                // A busy or failed checkpoint is retried at the next tick; the WAL only grows meanwhile.
                let frames = try? connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
                if let frames, frames.walFrameCount > 0, frames.walFrameCount == frames.checkpointedFrameCount,
                    frames.walFrameCount == lastFrames
                {
                    try? connection.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
                    lastFrames = 0
                } else if let frames, frames.walFrameCount > limitFrames, lastRestart.map({ .now - $0 >= .seconds(1) }) ?? true {
                    lastRestart = .now
                    restart()
                    lastFrames = -1
                } else {
                    lastFrames = frames?.walFrameCount ?? -1
                }
            }
        }

        /// A RESTART checkpoint with a short wait, so commits are never held back for long.
        func restart() {
            try? connection.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA busy_timeout = \(restartWait)")
                defer { try? db.execute(sql: "PRAGMA busy_timeout = 1000") }
                _ = try db.checkpoint(.restart)
            }
        }
    }
}
