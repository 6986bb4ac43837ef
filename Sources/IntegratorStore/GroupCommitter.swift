import Foundation
import Synchronization

/// Batches concurrent writes into one transaction, so that one fsync acknowledges many writes.
///
/// The first writer to arrive leads: it commits every job queued so far in one transaction
/// (through `commit`, which runs each job in its own savepoint so one failure does not undo the
/// others, and returns each job's error). Writers that arrive meanwhile queue for the next
/// batch; when the leader's batch is done it hands the lead to the oldest waiting writer, so no
/// request drains the queue for others forever. The store decides what a job and a transaction
/// are; this type only decides who commits what, when.
///
/// Up to `lanes` batches may be under way at once (each on its own connection): while one
/// waits for its commit to reach the disk, the next is already being written, and the server
/// flushes both with one sync. A writer handed the lead is marked in the queue, and the other
/// leaders leave its job for it, so it cannot be finished by someone else before it leads.
///
/// A leader commits up to `roundsPerLead` batches in a row while writers are waiting, then
/// hands the lead on (so its own reply waits for at most that many), and it commits them in a
/// task of its own, above the requests' priority. Why: between two batches the commit waited in
/// the task pool behind the requests' work, about a millisecond in row 10, for a batch whose
/// statements took half that. (The PostgreSQL store also runs each batch's statements on its
/// connection's event loop, for the same reason.)
public final class GroupCommitter<Job: Sendable>: Sendable {
    private struct Entry: Sendable {
        let job: Job
        let ticket: Ticket
        let arrived: ContinuousClock.Instant
        /// Handed the lead: its own drain writes this job, no other leader's.
        var designated = false
    }

    private struct Queue {
        var entries: [Entry] = []
        var leaders = 0
    }

    /// How many batches one leader commits in a row before it hands the lead on.
    static var roundsPerLead: Int { 8 }

    private let commit: @Sendable ([Job]) async -> [(any Error)?]
    private let observer: CommitObserver
    private let lanes: Int
    private let queue = Mutex(Queue())
    private let counters = Mutex((transactions: 0, jobs: 0))
    private let leadCount = Atomic<Int>(0)

    /// `commit` writes the jobs in one transaction and returns, per job, its error or nil;
    /// when the transaction itself fails, every job gets that error. At most `lanes`
    /// transactions are under way at once. How long each job waited for its batch goes to
    /// `observer`.
    public init(lanes: Int = 1, observer: CommitObserver = CommitObserver(), commit: @escaping @Sendable ([Job]) async -> [(any Error)?]) {
        self.lanes = max(1, lanes)
        self.observer = observer
        self.commit = commit
    }

    /// How many transactions committed how many jobs: the batching at work.
    public var statistics: (transactions: Int, jobs: Int) { counters.withLock { $0 } }

    /// How many times a writer took the lead: at least one for every `roundsPerLead` batches.
    public var leads: Int { leadCount.load(ordering: .relaxed) }

    /// Queues `job` and returns once the transaction holding it is durable.
    public func submit(_ job: Job) async throws {
        let ticket = Ticket()
        let leading = queue.withLock { queue in
            queue.entries.append(Entry(job: job, ticket: ticket, arrived: .now))
            if queue.leaders >= lanes { return false }
            queue.leaders += 1
            return true
        }
        if leading { await lead(as: ticket) }
        while true {
            switch await ticket.wait() {
            case .lead:
                await lead(as: ticket)
            case .done(let error):
                if let error { throw error }
                return
            }
        }
    }

    /// Commits batches while writers wait, up to `roundsPerLead`, then hands the lead on.
    private func lead(as leader: Ticket) async {
        leadCount.add(1, ordering: .relaxed)
        await withTaskGroup(of: Void.self) { group in
            group.addTask(priority: .high) {
                var round = 1
                while await self.drainOnce(as: leader, handOff: round == Self.roundsPerLead) { round += 1 }
            }
        }
    }

    /// Commits what is queued (but the jobs of writers handed the lead by another leader).
    /// Returns true when this leader should commit again (writers wait and `handOff` is false);
    /// otherwise hands the lead on, or gives the lane up when nobody waits.
    private func drainOnce(as leader: Ticket, handOff: Bool) async -> Bool {
        let entries = queue.withLock { queue in
            let entries = queue.entries.filter { !$0.designated || $0.ticket === leader }
            queue.entries.removeAll { !$0.designated || $0.ticket === leader }
            return entries
        }
        if !entries.isEmpty {
            if let report = observer.current {
                let started = ContinuousClock.now
                for entry in entries { report(.queued, started - entry.arrived) }
            }
            let errors = await commit(entries.map(\.job))
            counters.withLock {
                $0.transactions += 1
                $0.jobs += entries.count
            }
            // A job the commit gave no outcome for is not known to be durable: it fails.
            let missing = StoreError.unavailable("the store gave no outcome for this write; it may not be saved")
            for (index, entry) in entries.enumerated() { entry.ticket.finish(index < errors.count ? errors[index] : missing) }
        }
        let next = queue.withLock { queue -> (again: Bool, next: Ticket?) in
            guard let index = queue.entries.firstIndex(where: { !$0.designated }) else {
                queue.leaders -= 1
                return (false, nil)
            }
            if !handOff { return (true, nil) }
            queue.entries[index].designated = true
            return (false, queue.entries[index].ticket)
        }
        next.next?.promote()
        return next.again
    }
}

/// Holds a job's value between its savepoint and the commit that makes it durable.
public final class ResultSlot<T: Sendable>: Sendable {
    private let value = Mutex<T?>(nil)
    public init() {}
    public func set(_ newValue: T) { value.withLock { $0 = newValue } }
    public func take() -> T { value.withLock { $0! } }
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
