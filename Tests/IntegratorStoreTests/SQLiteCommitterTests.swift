import Foundation
import GRDB
import IntegratorTestSupport
import Testing

@testable import IntegratorStore

/// The SQLite group committer: what a lease let go before its batch commits may see.
@Suite struct SQLiteCommitterTests {
    /// A claim is let go as soon as its statements ran, before the commit. If it ran after a
    /// push of its own batch it could hand out a message that is not committed yet (and that a
    /// reader, or a crash, would not find): leases run first in every batch.
    @Test func aLeaseLetGoEarlyNeverSeesWhatItsOwnBatchWrote() async throws {
        try await Self.withCommitter { committer, _ in try await Self.leaseLetGoEarly(committer) }
    }

    static func leaseLetGoEarly(_ committer: SQLiteCommitter) async throws {
        let arranged = Locked(0)
        for round in 0..<20 {
            try await withThrowingTaskGroup(of: Int?.self) { group in
                // Holds the thread until the write and the lease below have both queued, so they
                // go into one batch, the write queued first. Every wait is bounded: on a loaded
                // machine a round that could not be arranged is only not counted.
                let together = Locked(false)
                group.addTask {
                    try await committer.perform { _ in
                        let deadline = Date().addingTimeInterval(5)
                        while committer.queuedJobs < 2, Date() < deadline { usleep(500) }
                        together.update { $0 = committer.queuedJobs >= 2 }
                    }
                    return nil
                }
                try await Self.wait { committer.queuedJobs == 0 }
                try await Task.sleep(for: .milliseconds(2))
                group.addTask {
                    try await committer.perform { db in try db.execute(sql: "INSERT INTO rows VALUES (?)", arguments: [round]) }
                    return nil
                }
                try await Self.wait { committer.queuedJobs >= 1 }
                group.addTask { try await committer.perform(early: true) { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM rows") } }
                var seen: [Int] = []
                for try await count in group { if let count { seen.append(count) } }
                if together.value {
                    arranged.update { $0 += 1 }
                    #expect(seen == [round], "the lease saw the write queued before it in its own batch")
                }
            }
        }
        #expect(arranged.value > 0, "no round put the write and the lease in one batch")
    }

    /// A delivery's record is patient: alone in the queue it waits for company (here a push
    /// queued a moment later) and shares its commit; with none it is committed alone within
    /// `patience`. Either way it returns once committed.
    @Test func aPatientJobSharesTheNextJobsCommitOrGoesAloneWithinItsPatience() async throws {
        try await Self.withCommitter { committer, pool in try await Self.patientJob(committer, pool: pool) }
    }

    static func patientJob(_ committer: SQLiteCommitter, pool: DatabasePool) async throws {
        let insert = { @Sendable (n: Int) in { @Sendable (db: Database) in try db.execute(sql: "INSERT INTO rows VALUES (?)", arguments: [n]) } }

        // Alone: committed after about `patience`, and visible to a reader once it returns.
        let start = ContinuousClock.now
        try await committer.perform(patient: true, insert(1))
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM rows") } == 1)
        #expect(committer.statistics.transactions == 1)

        // With company: a job that is not patient, queued while it waits, takes it along.
        var shared = 0
        for _ in 0..<20 {
            let before = committer.statistics
            async let patient: Void = committer.perform(patient: true, insert(2))
            try await Self.wait { committer.queuedJobs == 1 }
            try await committer.perform(insert(3))
            try await patient
            let after = committer.statistics
            if after.transactions - before.transactions == 1 { shared += 1 }
            #expect(after.jobs - before.jobs == 2)
        }
        // A loaded machine may let `patience` pass before the second job queues; not every time.
        #expect(shared > 10, "a patient job and the next one shared a commit in \(shared) rounds of 20")
        #expect(try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM rows") } == 41)
    }

    /// A committer over a new file holding an empty table `rows (n)`, removed afterwards.
    static func withCommitter(_ body: (SQLiteCommitter, DatabasePool) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("integrator-committer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let pool = try DatabasePool(path: folder.appendingPathComponent("c.sqlite").path)
        try await pool.write { db in try db.execute(sql: "CREATE TABLE rows (n INTEGER)") }
        let committer = SQLiteCommitter(pool)
        try await body(committer, pool)
    }

    /// Waits up to 5 s for `condition`.
    static func wait(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(1)) }
    }
}
