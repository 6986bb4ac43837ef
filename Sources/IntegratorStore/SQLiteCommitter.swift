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

    /// How many transactions committed how many jobs: the batching at work.
    var statistics: (transactions: Int, jobs: Int) { core.statistics }

    /// Runs `work` in the next group transaction and returns its value once it is durable, or,
    /// with `early`, as soon as it ran: a delivery's lease need not wait for the fsync, since
    /// losing it in a crash only means the delivery is made again (at least once, as always).
    func perform<T: Sendable>(early: Bool = false, _ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let slot = ResultSlot<T>()
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            core.enqueue(SQLiteJob(body: { db in slot.set(try work(db)) }, early: early), continuation)
        }
        return slot.take()
    }

    /// The queue and the thread's loop; held by the thread, so the pool stays open until the
    /// committer is gone and the loop has finished what was queued.
    private final class Core: @unchecked Sendable {
        let pool: DatabasePool
        let condition = NSCondition()
        // Guarded by `condition`.
        var queue: [(job: SQLiteJob, waiter: CheckedContinuation<Void, any Error>)] = []
        var stopped = false
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

        func run() {
            while true {
                condition.lock()
                while queue.isEmpty && !stopped { condition.wait() }
                if queue.isEmpty && stopped {
                    condition.unlock()
                    return
                }
                let batch = queue
                queue = []
                condition.unlock()

                var resumed = [Bool](repeating: false, count: batch.count)
                let errors = commit(batch) { index in
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

        /// Writes the batch in one transaction. An `early` job's writer is let go (through
        /// `release`) as soon as its statements ran in the first pass; if that pass fails, the
        /// batch runs again with savepoints, without the jobs already let go.
        func commit(_ batch: [(job: SQLiteJob, waiter: CheckedContinuation<Void, any Error>)], release: (Int) -> Void) -> [(any Error)?] {
            var released = Set<Int>()
            if batch.count > 1 || batch.first?.job.early == true {
                do {
                    try pool.write { db in
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
                return try pool.write { db -> [(any Error)?] in
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
    }
}

/// A write for the SQLite group committer.
struct SQLiteJob: Sendable {
    let body: @Sendable (Database) throws -> Void
    /// Whether the writer may go on as soon as the job's statements ran, before the commit is
    /// durable: for writes whose loss in a crash is harmless (a delivery's lease).
    var early = false
}
