import Synchronization

/// The stages of a durable write, timed by the group committers so `/metrics` can say where a
/// slow push waited: for its batch to start (`queued`), for the batch's statements (`written`)
/// or for the commit and its fsync (`synced`).
public enum CommitStage: String, Sendable, CaseIterable {
    /// From a write's arrival at the committer to the start of the transaction that carries it.
    case queued
    /// The statements of one batch.
    case written
    /// COMMIT: on SQLite the WAL append and its fsync; on PostgreSQL the round trip that waits
    /// for the WAL flush.
    case synced
}

/// Where a store reports its commit stages; set once by the hub, read by the commit thread.
public final class CommitObserver: Sendable {
    public typealias Report = @Sendable (CommitStage, Duration) -> Void
    /// The closure sits in a struct: a bare function value read through `Mutex.withLock`'s
    /// `inout` is re-abstracted on the way in and out, and every read wrapped the stored
    /// closure in two more thunks (a profile found the commit thread a thousand thunks deep).
    private struct Held: Sendable {
        let report: Report
    }
    private let held = Mutex<Held?>(nil)

    public init() {}

    public func set(_ report: @escaping Report) { held.withLock { $0 = Held(report: report) } }

    /// The current observer, fetched once per batch so the lock is not taken per write.
    public var current: Report? { held.withLock { $0 }?.report }
}
