import Foundation
import GRDB
import Synchronization

/// Batches concurrent writes into one transaction, so that one fsync acknowledges many pushes.
///
/// The first writer to arrive leads: it commits every job queued so far in one transaction,
/// each job in its own savepoint so one failure does not undo the others. Writers that arrive
/// meanwhile queue for the next batch; when the leader's batch is done it hands the lead to the
/// oldest waiting writer, so no request drains the queue for others forever.
final class GroupCommitter: Sendable {
    private struct Job: Sendable {
        let body: @Sendable (Database) throws -> Void
        let ticket: Ticket
    }

    private struct Queue {
        var jobs: [Job] = []
        var leaderActive = false
    }

    private let writer: any DatabaseWriter
    private let queue = Mutex(Queue())
    private let counters = Mutex((transactions: 0, jobs: 0))

    /// How many transactions committed how many jobs: the batching at work.
    var statistics: (transactions: Int, jobs: Int) { counters.withLock { $0 } }

    init(writer: any DatabaseWriter) {
        self.writer = writer
    }

    /// Runs `work` in the next group transaction and returns once that transaction is durable.
    func perform<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let slot = Slot<T>()
        let ticket = Ticket()
        let job = Job(body: { db in
            try db.inSavepoint {
                slot.set(try work(db))
                return .commit
            }
        }, ticket: ticket)
        let lead = queue.withLock { queue in
            queue.jobs.append(job)
            if queue.leaderActive { return false }
            queue.leaderActive = true
            return true
        }
        if lead { await drainOnce() }
        while true {
            switch await ticket.wait() {
            case .lead:
                await drainOnce()
            case .done(let error):
                if let error { throw error }
                return slot.take()
            }
        }
    }

    private func drainOnce() async {
        let jobs = queue.withLock { queue in
            let jobs = queue.jobs
            queue.jobs = []
            return jobs
        }
        if !jobs.isEmpty {
            do {
                let failures = try await writer.write { db -> [Int: any Error] in
                    var failures: [Int: any Error] = [:]
                    for (index, job) in jobs.enumerated() {
                        do { try job.body(db) } catch { failures[index] = error }
                    }
                    return failures
                }
                counters.withLock { $0.transactions += 1; $0.jobs += jobs.count }
                for (index, job) in jobs.enumerated() { job.ticket.finish(failures[index]) }
            } catch {
                for job in jobs { job.ticket.finish(error) }
            }
        }
        let next = queue.withLock { queue -> Ticket? in
            guard let first = queue.jobs.first else {
                queue.leaderActive = false
                return nil
            }
            return first.ticket
        }
        next?.promote()
    }
}

/// Holds a job's value between its savepoint and the commit that makes it durable.
private final class Slot<T: Sendable>: Sendable {
    private let value = Mutex<T?>(nil)
    func set(_ newValue: T) { value.withLock { $0 = newValue } }
    func take() -> T { value.withLock { $0! } }
}

/// How a waiting writer learns its job is committed, or that it now leads.
private final class Ticket: Sendable {
    enum Signal: Sendable {
        case lead
        case done((any Error)?)
    }

    private struct State {
        var done: Signal?
        var promoted = false
        var waiter: CheckedContinuation<Signal, Never>?
    }

    private let state = Mutex(State())

    func finish(_ error: (any Error)?) {
        let waiter = state.withLock { state -> CheckedContinuation<Signal, Never>? in
            state.done = .done(error)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: .done(error))
    }

    func promote() {
        let waiter = state.withLock { state -> CheckedContinuation<Signal, Never>? in
            if state.waiter == nil {
                state.promoted = true
                return nil
            }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: .lead)
    }

    func wait() async -> Signal {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Signal? in
                if let done = state.done { return done }
                if state.promoted {
                    state.promoted = false
                    return .lead
                }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
