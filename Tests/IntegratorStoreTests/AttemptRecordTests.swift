import Foundation
import GRDB
import IntegratorModel
import IntegratorTestSupport
import Testing

@testable import IntegratorStore

/// An attempt's record when the worker says how many attempts its claim left
/// (`AttemptReport.claimedAttempts`): written without reading the delivery while the lease and
/// the count are as the claim left them, and exactly as before when they are not.
@Suite struct AttemptRecordTests {
    static func report(_ delivery: ClaimedDelivery, owner: String, claimed: Int?, at now: Date) -> AttemptReport {
        var report = AttemptReport(
            deliveryID: delivery.id,
            storeID: "acme",
            messageID: delivery.messageID,
            owner: owner,
            startedAt: now,
            duration: 0.01,
            url: "http://x",
            status: 200,
            response: nil,
            error: nil,
            transition: DeliveryTransition(state: .completed)
        )
        report.claimedAttempts = claimed
        return report
    }

    /// One message pushed at `now` and its delivery claimed by `owner`.
    static func pushedAndClaimed(_ store: any HubDatabase, by owner: String, at now: Date) async throws -> ClaimedDelivery {
        _ = try await store.push(
            PushRecord(storeID: "acme", idempotencyKey: nil, messages: [message(at: now)], replyStatus: 202, reply: [:], now: now)
        )
        let claimed = try await store.claim(owner: owner, now: now, limit: 10) { _, _ in 10 }
        try #require(claimed.count == 1)
        return claimed[0]
    }

    static func delivery(_ store: any HubDatabase, of claimed: ClaimedDelivery) async throws -> DeliveryRecord {
        try #require(try await store.message(storeID: "acme", id: claimed.messageID)?.message.deliveries.first)
    }

    @Test(arguments: TestBackend.all) func theLeaseHoldersReportFinishesItsDelivery(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let now = Date()
            let claimed = try await Self.pushedAndClaimed(store, by: "a", at: now)
            try await store.record(Self.report(claimed, owner: "a", claimed: claimed.attempts, at: now))
            let delivery = try await Self.delivery(store, of: claimed)
            #expect(delivery.state == .completed)
            #expect(delivery.attempts == 1)
            #expect(delivery.attemptLog.map(\.number) == [1])
        }
    }

    @Test(arguments: TestBackend.all) func aLateReportWithItsClaimsCountOnlyLogsItsAttempt(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let now = Date()
            let first = try await Self.pushedAndClaimed(store, by: "a", at: now)
            // The lease runs out and another worker takes the delivery (logging the lost attempt).
            let retaken = try await store.claim(owner: "b", now: now.addingTimeInterval(11), limit: 10) { _, _ in 10 }
            try #require(retaken.count == 1)
            try await store.record(Self.report(first, owner: "a", claimed: first.attempts, at: now))
            let delivery = try await Self.delivery(store, of: first)
            #expect(delivery.state == .running)
            #expect(delivery.attempts == 2)
            #expect(delivery.attemptLog.map(\.number) == [1, 2])
            // The worker holding the lease now reports with its own claim's count.
            try await store.record(Self.report(retaken[0], owner: "b", claimed: retaken[0].attempts, at: now.addingTimeInterval(12)))
            let finished = try await Self.delivery(store, of: first)
            #expect(finished.state == .completed)
            #expect(finished.attemptLog.map(\.number) == [1, 2, 3])
        }
    }

    @Test(arguments: TestBackend.all) func aReportWhoseCountMovedIsReadBeforeItIsWritten(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let now = Date()
            let claimed = try await Self.pushedAndClaimed(store, by: "a", at: now)
            // A count the store no longer holds: the record reads the delivery and goes on from what it holds.
            try await store.record(Self.report(claimed, owner: "a", claimed: claimed.attempts + 5, at: now))
            let delivery = try await Self.delivery(store, of: claimed)
            #expect(delivery.state == .completed)
            #expect(delivery.attemptLog.map(\.number) == [1])
        }
    }

    /// A stored count at the top of its range (a hostile or damaged file) is neither a trap in
    /// the claim that finds its lease expired nor in the record after it.
    @Test func aStoredCountAtItsLimitIsNoTrap() async throws {
        try await withStore(.sqlite) { store, _ in
            let sqlite = try #require(store as? SQLiteDatabase)
            let now = Date()
            let first = try await Self.pushedAndClaimed(store, by: "a", at: now)
            try await sqlite.pool.write { db in try db.execute(sql: "UPDATE deliveries SET attempts = ?", arguments: [Int.max]) }
            let retaken = try await store.claim(owner: "b", now: now.addingTimeInterval(11), limit: 10) { _, _ in 10 }
            try #require(retaken.count == 1)
            #expect(retaken[0].attempts == Int.max)
            try await store.record(Self.report(retaken[0], owner: "b", claimed: retaken[0].attempts, at: now.addingTimeInterval(12)))
            let delivery = try await Self.delivery(store, of: first)
            #expect(delivery.state == .completed)
            #expect(delivery.attempts == Int.max)
        }
    }

    @Test(arguments: [(nil, 1), (0, 1), (-3, 1), (1, 2), (Int.max - 1, Int.max), (Int.max, Int.max)] as [(Int?, Int)])
    func theNextAttemptsNumberStaysInRange(stored: Int?, next: Int) {
        #expect(AttemptSQL.number(after: stored) == next)
    }
}
