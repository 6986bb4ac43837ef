import Foundation
import GRDB

/// Group commit for SQLite on a thread of its own: writers queue their jobs and wait; the
/// thread takes everything queued, writes it in one transaction (one fsync) and wakes the
/// writers, then at once takes what queued meanwhile. Committing from one long-lived thread
/// with GRDB's synchronous API avoids the task and queue hops of an async leader hand-off,
/// which a profile showed as most of the time between two commits.
///
/// A batch first runs without savepoints; if a job fails, the transaction is rolled back
/// and the batch runs again with a savepoint per job, so only the failing job is refused.
///
/// The WAL is started over from this thread too (`requestRestart`): between two batches, where
/// no write of ours is pending, so it costs the writers at most `WALRestart.budget`.
final class SQLiteCommitter: Sendable {
    private let core: Core

    init(_ pool: DatabasePool) {
        core = Core(pool: pool)
        let core = self.core
        let thread = Thread { core.run() }
        thread.name = "integrator-sqlite-commit"
        thread.start()
    }

    deinit { core.stop() }

    /// How many times the thread yields before it takes a batch (`Core.gather`). Two took row 2
    /// of `integrator-bench` from 16 to 21 pushes a commit and its CPU a push down by about a
    /// tenth; more did no better.
    static let gatherYields = 2

    /// How many jobs must be queued already for the thread to yield: a load, under which more
    /// are on their way. A lone job (a push at a quiet moment) is committed at once, so its
    /// latency never depends on what else the machine runs: a yield hands the CPU to any ready
    /// thread, another program's too, for as long as the kernel's time slice.
    static let gatherQueued = 2

    /// How long a patient job (`perform(patient:)`) waits for another to share its commit.
    static let patience: Duration = .milliseconds(2)

    /// How many transactions committed how many jobs: the batching at work.
    var statistics: (transactions: Int, jobs: Int) { core.statistics }

    /// Where each batch reports its stages.
    var observer: CommitObserver { core.observer }

    /// Jobs waiting for the next batch (for tests that need two jobs in one batch).
    var queuedJobs: Int {
        core.condition.lock()
        defer { core.condition.unlock() }
        return core.queue.count
    }

    /// Asks the thread to start the WAL over after its current batch, holding the writers
    /// back for at most `budget` (see `WALRestart`).
    func requestRestart(budget: Duration) { core.requestRestart(budget: budget) }

    /// Runs `work` in the next group transaction and returns its value once it is durable, or,
    /// with `early`, as soon as it ran: a delivery's lease need not wait for the fsync, since
    /// losing it in a crash only means the delivery is made again (at least once, as always).
    ///
    /// A `patient` job, when nothing else is queued, waits up to `patience` for another job to
    /// share its commit, and is durable when it returns all the same. A delivery's record is: no
    /// caller waits on it (the attempt's slot is free once the answer is in), and at 1,000 pushes
    /// a second a record committed alone was a second fsync and WAL write a push, which the next
    /// push then queued behind (`integrator-bench` row 4, issue 17's twelfth session).
    func perform<T: Sendable>(early: Bool = false, patient: Bool = false, _ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let slot = ResultSlot<T>()
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            core.enqueue(SQLiteJob(body: { db in slot.set(try work(db)) }, early: early, patient: patient), continuation)
        }
        return slot.take()
    }

    /// The queue and the thread's loop; held by the thread, so the pool stays open until the
    /// committer is gone and the loop has finished what was queued.
    private final class Core: @unchecked Sendable {
        let pool: DatabasePool
        let observer = CommitObserver()
        let condition = MonotonicCondition()
        // Guarded by `condition`.
        var queue: [(job: SQLiteJob, waiter: CheckedContinuation<Void, any Error>)] = []
        var stopped = false
        var restartRequested: Duration?
        var counts = (transactions: 0, jobs: 0)

        init(pool: DatabasePool) { self.pool = pool }

        var statistics: (transactions: Int, jobs: Int) {
            condition.lock()
            defer { condition.unlock() }
            return counts
        }

        func enqueue(_ job: SQLiteJob, _ waiter: CheckedContinuation<Void, any Error>) {
            condition.lock()
            queue.append((job, waiter))
            condition.signal()
            condition.unlock()
        }

        func stop() {
            condition.lock()
            stopped = true
            condition.signal()
            condition.unlock()
        }

        func requestRestart(budget: Duration) {
            condition.lock()
            restartRequested = max(restartRequested ?? .zero, budget)
            condition.signal()
            condition.unlock()
        }

        func run() {
            while true {
                condition.lock()
                while true {
                    while queue.isEmpty && !stopped && restartRequested == nil { condition.wait() }
                    guard !stopped, restartRequested == nil, let patience = patienceLeft() else { break }
                    condition.wait(for: patience)
                }
                if queue.isEmpty && stopped {
                    condition.unlock()
                    return
                }
                gather()
                let restart = restartRequested
                restartRequested = nil
                // Leases first: a claim let go before the commit must not see rows that an
                // earlier job of its own batch wrote (a delivery made of an uncommitted message);
                // what this batch writes is claimed by the next one.
                let batch = queue.filter { $0.job.early } + queue.filter { !$0.job.early }
                queue = []
                condition.unlock()

                if let restart { WALRestart.attempt(pool, budget: restart) }
                if batch.isEmpty { continue }

                let report = observer.current
                let started = ContinuousClock.now
                if let report { for entry in batch { report(.queued, started - entry.job.arrived) } }
                var resumed = [Bool](repeating: false, count: batch.count)
                let errors = commit(batch, report: report) { index in
                    resumed[index] = true
                    batch[index].waiter.resume()
                }
                condition.lock()
                counts.transactions += 1
                counts.jobs += batch.count
                condition.unlock()
                for (index, entry) in batch.enumerated() where !resumed[index] {
                    if let error = errors[index] { entry.waiter.resume(throwing: error) } else { entry.waiter.resume() }
                }
            }
        }

        /// How long the queue may wait for company: only patient jobs are queued, and the
        /// first of them has waited less than `patience`. Called with `condition` locked.
        func patienceLeft() -> Duration? {
            guard let first = queue.first?.job.arrived, queue.allSatisfy({ $0.job.patient }) else { return nil }
            let left = SQLiteCommitter.patience - (ContinuousClock.now - first)
            return left > .zero ? left : nil
        }

        /// Under load (`gatherQueued` jobs waiting), lets the threads that are ready to run go
        /// first, `gatherYields` times, so that the pushes they are about to queue join this
        /// batch instead of the next. Under load the handlers of the pushes that arrived during
        /// the last commit are runnable when it ends; taking the queue at once commits the first
        /// few and makes the rest wait a whole commit (its frames and its fsync) more. With no
        /// other thread ready a yield returns at once: unlike a timed wait (PostgreSQL's
        /// `commit_delay`, tried in BENCHMARKS.md), it holds a batch back only while another
        /// thread is ready to run. Called and returns with `condition` locked.
        func gather() {
            var yields = 0
            while yields < SQLiteCommitter.gatherYields, !stopped, queue.count >= SQLiteCommitter.gatherQueued {
                condition.unlock()
                sched_yield()
                condition.lock()
                yields += 1
            }
        }

        /// Writes the batch in one transaction. An `early` job's writer is let go (through
        /// `release`) as soon as its statements ran in the first pass; if that pass fails, the
        /// batch runs again with savepoints, without the jobs already let go.
        func commit(
            _ batch: [(job: SQLiteJob, waiter: CheckedContinuation<Void, any Error>)],
            report: CommitObserver.Report?,
            release: (Int) -> Void
        ) -> [(any Error)?] {
            var released = Set<Int>()
            // A batch of leases alone is not fsync'd: losing it in a crash only means its
            // deliveries are made again, and the next durable commit syncs its frames anyway
            // (the WAL is one file, written in order). Pushes never wait for its fsync.
            let durable = batch.contains { !$0.job.early }
            if batch.count > 1 || batch.first?.job.early == true {
                do {
                    try timed(report, durable: durable) { db in
                        for (index, entry) in batch.enumerated() {
                            try entry.job.body(db)
                            if entry.job.early, !released.contains(index) {
                                released.insert(index)
                                release(index)
                            }
                        }
                    }
                    return Array(repeating: nil, count: batch.count)
                } catch {
                    // Find the failing job with savepoints below.
                }
            }
            do {
                return try timed(report, durable: durable) { db -> [(any Error)?] in
                    batch.enumerated().map { index, entry in
                        if released.contains(index) { return nil }
                        do {
                            try db.inSavepoint {
                                try entry.job.body(db)
                                return .commit
                            }
                            return nil
                        } catch {
                            return error
                        }
                    }
                }
            } catch {
                return Array(repeating: error, count: batch.count)
            }
        }

        /// One transaction, its statements and its commit timed apart; with `durable` false,
        /// committed without an fsync (`synchronous = NORMAL` for that one commit).
        func timed<T>(_ report: CommitObserver.Report?, durable: Bool, _ body: (Database) throws -> T) throws -> T {
            let started = ContinuousClock.now
            var written = started
            let value = try pool.writeWithoutTransaction { db in
                if !durable { try db.execute(sql: "PRAGMA synchronous = NORMAL") }
                defer { if !durable { try? db.execute(sql: "PRAGMA synchronous = FULL") } }
                try db.beginTransaction()
                do {
                    let value = try body(db)
                    written = .now
                    try db.commit()
                    return value
                } catch {
                    try? db.rollback()
                    throw error
                }
            }
            report?(.written, written - started)
            report?(.synced, .now - written)
            return value
        }
    }
}

/// A write for the SQLite group committer.
struct SQLiteJob: Sendable {
    let body: @Sendable (Database) throws -> Void
    /// Whether the writer may go on as soon as the job's statements ran, before the commit is
    /// durable: for writes whose loss in a crash is harmless (a delivery's lease).
    var early = false
    /// Whether it may wait, alone in the queue, for another job to share its commit.
    var patient = false
    /// When the writer queued it.
    var arrived: ContinuousClock.Instant = .now
}

/// Starts the WAL over without holding the writers back for long.
///
/// A WAL starts over from its beginning only when a checkpoint has copied every frame and no
/// reader is still inside an older snapshot. Under steady load that almost never happens by
/// itself (some reader nearly always is, and the next commit comes within a millisecond), so
/// the WAL would grow by everything written. A RESTART checkpoint from another connection
/// makes it happen, but it holds the write lock while it copies the frames, syncs the database
/// file and waits for the readers, and the writers' busy handler sleeps in steps of up to
/// 25 ms: a push waited 30 to 150 ms once a second (row 4's p99 of 60 ms).
///
/// So the commit thread does it itself, between batches: the checkpointer's PASSIVE checkpoints
/// have already copied nearly every frame, so a RESTART here copies only the last few, and
/// instead of a busy handler it polls the readers every `poll` for at most a budget the
/// checkpointer sets: `budget` normally, `urgentBudget` once the WAL is past twice its limit
/// (readers that keep overlapping for longer than `budget` must not let it grow without end).
/// If a reader is still inside an old snapshot by then, it gives up; the checkpointer asks
/// again later.
enum WALRestart {
    static let budget: Duration = .milliseconds(2)
    static let urgentBudget: Duration = .milliseconds(25)
    static let poll: UInt32 = 200  // microseconds

    /// Whether the WAL was started over.
    @discardableResult
    static func attempt(_ pool: DatabasePool, budget: Duration) -> Bool {
        (try? pool.writeWithoutTransaction { db -> Bool in
            try db.execute(sql: "PRAGMA busy_timeout = 0")
            defer { try? db.execute(sql: "PRAGMA busy_timeout = \(Int(SQLiteDatabase.busyTimeout * 1000))") }
            let deadline = ContinuousClock.now + budget
            while true {
                do {
                    _ = try db.checkpoint(.restart)
                    return true
                } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
                    if ContinuousClock.now >= deadline { return false }
                    usleep(poll)
                }
            }
        }) ?? false
    }
}
