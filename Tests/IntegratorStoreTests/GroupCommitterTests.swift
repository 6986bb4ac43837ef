import Foundation
import IntegratorStore
import Synchronization
import Testing

/// The group committer alone, with a commit that only counts: who commits what, and how many
/// at once.
@Suite struct GroupCommitterTests {
    @Test(.timeLimit(.minutes(1)), arguments: [1, 2, 3])
    func everyJobIsCommittedOnceAndNoMoreBatchesRunAtOnceThanItsLanes(lanes: Int) async throws {
        let committed = Mutex<[Int: Int]>([:])
        let running = Mutex((now: 0, most: 0))
        let committer = GroupCommitter<Int>(lanes: lanes) { jobs in
            running.withLock {
                $0.now += 1
                $0.most = max($0.most, $0.now)
            }
            try? await Task.sleep(for: .microseconds(Int.random(in: 0...1500)))
            committed.withLock { counts in for job in jobs { counts[job, default: 0] += 1 } }
            running.withLock { $0.now -= 1 }
            return jobs.map { $0 % 97 == 0 ? StoreError.invalid("job \($0) fails") : nil }
        }
        let failures = try await withThrowingTaskGroup(of: Bool.self) { group in
            for job in 0..<3000 {
                group.addTask {
                    if job % 50 == 0 { try await Task.sleep(for: .microseconds(Int.random(in: 0...3000))) }
                    do {
                        try await committer.submit(job)
                        return false
                    } catch {
                        return true
                    }
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(committed.withLock { $0.count } == 3000)
        #expect(committed.withLock { $0.values.allSatisfy { $0 == 1 } }, "a job was committed twice")
        #expect(failures == (0..<3000).filter { $0 % 97 == 0 }.count, "each job gets its own outcome")
        #expect(running.withLock { $0.most } <= lanes)
        #expect(committer.statistics.jobs == 3000)
        #expect(committer.statistics.transactions < 3000, "no batching at all")
    }

    @Test(.timeLimit(.minutes(1))) func aJobTheCommitGivesNoOutcomeForFails() async throws {
        let committer = GroupCommitter<Int> { _ in [] }
        await #expect(throws: StoreError.self) { try await committer.submit(1) }
    }

    /// A leader commits batches in a row while writers wait, but hands the lead on after a few
    /// (eight), so that its own reply does not wait for a queue that never empties: 40 batches
    /// take at least five leads.
    @Test(.timeLimit(.minutes(1))) func aLeaderHandsTheLeadOnAfterAFewBatches() async throws {
        let batches = Atomic<Int>(0)
        let holder = Mutex<GroupCommitter<Int>?>(nil)
        let committer = GroupCommitter<Int> { jobs in
            let batch = batches.add(1, ordering: .relaxed).newValue
            // Every batch brings a new writer while it is under way: the queue does not empty
            // until 40 batches are done.
            if batch < 40, let committer = holder.withLock({ $0 }) { Task { try await committer.submit(batch) } }
            try? await Task.sleep(for: .milliseconds(1))
            return jobs.map { _ in nil }
        }
        holder.withLock { $0 = committer }
        try await committer.submit(0)
        while committer.statistics.jobs < 40 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(committer.statistics.transactions == 40)
        #expect(committer.leads >= 5, "40 batches in \(committer.leads) leads")
    }
}
