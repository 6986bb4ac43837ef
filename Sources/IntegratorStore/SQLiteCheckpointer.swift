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
/// load that start-over rarely happens by itself (a soak at 500 pushes/s grew the WAL to
/// 742 MB), so when the WAL holds more than `limit` bytes this thread asks the commit thread to
/// start it over (`restart`, see `WALRestart`), at most every `restartGap`. When nothing was
/// written for a whole tick and every frame is copied, the hub is idle and a TRUNCATE
/// checkpoint empties the WAL file.
final class SQLiteCheckpointer: Sendable {
    private let core: Core

    init(path: String, interval: Duration = .milliseconds(50), limit: Int, restart: @escaping @Sendable (Duration) -> Void) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(1)
        let connection = try DatabaseQueue(path: path, configuration: configuration)
        try connection.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let pageSize = try connection.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") } ?? 4096
        core = Core(connection: connection, interval: interval, limitFrames: max(1, limit / max(pageSize, 512)), restart: restart)
        let core = self.core
        let thread = Thread { core.run() }
        thread.start()
    }

    deinit { core.stop() }

    private final class Core: @unchecked Sendable {
        let connection: DatabaseQueue
        let interval: Duration
        let condition = MonotonicCondition()
        var stopped = false  // guarded by condition
        /// The WAL's frame count at the last tick, to tell an idle hub (only the loop uses it).
        var lastFrames = -1
        /// When a start-over was last asked for (only the loop uses it). Each attempt holds the
        /// commits back for up to `WALRestart.budget`, so a few a second at most.
        var lastRestart: ContinuousClock.Instant?
        static let restartGap: Duration = .milliseconds(250)

        /// WAL frames past which the WAL is started over.
        let limitFrames: Int
        /// Asks the commit thread to start the WAL over, within a budget.
        let restart: @Sendable (Duration) -> Void

        init(connection: DatabaseQueue, interval: Duration, limitFrames: Int, restart: @escaping @Sendable (Duration) -> Void) {
            self.connection = connection
            self.interval = interval
            self.limitFrames = limitFrames
            self.restart = restart
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
                if !stopped { condition.wait(for: interval) }
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
                } else if let frames, frames.walFrameCount > limitFrames, lastRestart.map({ .now - $0 >= Self.restartGap }) ?? true {
                    lastRestart = .now
                    restart(frames.walFrameCount > 2 * limitFrames ? WALRestart.urgentBudget : WALRestart.budget)
                    lastFrames = -1
                } else {
                    lastFrames = frames?.walFrameCount ?? -1
                }
            }
        }
    }
}
