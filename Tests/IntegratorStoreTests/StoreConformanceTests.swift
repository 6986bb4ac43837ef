import Foundation
import IntegratorModel
import IntegratorPostgres
import IntegratorStore
import IntegratorTestSupport
import Testing

/// A fresh store of `backend` with one store, `acme`.
func withStore<T>(_ backend: TestBackend, _ body: (any HubDatabase, URL) async throws -> T) async throws -> T {
    try await withFreshStore(backend) { store, directory in
        try await store.createStore(id: "acme", name: "Acme", tokenHash: "h", at: Date())
        return try await body(store, directory)
    }
}

func groupCommitStatistics(_ store: any HubDatabase) -> (transactions: Int, writes: Int) {
    (store as? SQLiteDatabase)?.groupCommitStatistics ?? (store as? PostgresDatabase)?.groupCommitStatistics ?? (0, 0)
}

func message(
    _ id: String = MessageID.make(),
    name: String = "order:new",
    mapping: String? = "m",
    dedup: String? = nil,
    at now: Date = Date()
) -> NewMessage {
    NewMessage(
        id: id,
        storeID: "acme",
        name: name,
        payload: ["order": ["number": "R1"]],
        origin: "push",
        createdAt: now,
        deliveries: mapping.map { [NewDelivery(id: MessageID.make(), mapping: $0, dedupKey: dedup, nextAttemptAt: now)] } ?? []
    )
}

/// Alerts an attempt on `messageID`'s delivery may cause, each named after its kind and message.
func alerts(for messageID: String, at now: Date) -> AttemptAlerts {
    AttemptAlerts { kind in
        NewMessage(id: "alert-\(kind.rawValue)-\(messageID)", storeID: "acme", name: kind.rawValue, payload: [:], origin: "hub", createdAt: now)
    }
}

/// An info notification about `delivery`, as an endpoint's reply brings one.
func notification(about delivery: ClaimedDelivery, subject: String, description: String) -> NewNotification {
    NewNotification(
        storeID: "acme",
        messageID: delivery.messageID,
        deliveryID: delivery.id,
        mapping: delivery.mapping,
        notification: IntegratorModel.Notification(level: .info, subject: subject, description: description),
        reference: nil,
        message: nil
    )
}

/// One conformance suite for every store: SQLite always, PostgreSQL when a server is given.
@Suite struct StoreConformanceTests {
    @Test(arguments: TestBackend.all) func concurrentPushesShareCommits(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let before = groupCommitStatistics(store)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<400 {
                    group.addTask {
                        let outcome = try await store.push(
                            PushRecord(storeID: "acme", idempotencyKey: nil, messages: [message()], replyStatus: 202, reply: [:], now: Date())
                        )
                        #expect(outcome == .stored)
                    }
                }
                try await group.waitForAll()
            }
            let after = groupCommitStatistics(store)
            #expect(after.writes - before.writes == 400)
            #expect(after.transactions - before.transactions < 400, "every push took its own transaction: no group commit")
            #expect(try await store.queueCounts(storeID: "acme")["pending"] == 400)
        }
    }

    @Test(arguments: TestBackend.all) func aFailingWriteDoesNotUndoItsBatch(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let duplicateID = MessageID.make()
            _ = try await store.push(
                PushRecord(storeID: "acme", idempotencyKey: nil, messages: [message(duplicateID)], replyStatus: 202, reply: [:], now: Date())
            )
            let results = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<50 {
                    group.addTask {
                        let id = index == 25 ? duplicateID : MessageID.make()
                        return
                            (try? await store.push(
                                PushRecord(storeID: "acme", idempotencyKey: nil, messages: [message(id)], replyStatus: 202, reply: [:], now: Date())
                            )) != nil
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(results.filter { !$0 }.count == 1)
            #expect(try await store.queueCounts(storeID: "acme")["incoming"] == 50)
        }
    }

    @Test(arguments: TestBackend.all) func anIdempotencyKeyReplaysItsReplyForADay(backend: TestBackend) async throws {
        try await withStore(backend) { store, directory in
            let now = Date()
            let first = try await store.push(
                PushRecord(storeID: "acme", idempotencyKey: "k", messages: [message()], replyStatus: 202, reply: ["message_id": "a"], now: now)
            )
            #expect(first == .stored)
            let again = try await store.push(
                PushRecord(storeID: "acme", idempotencyKey: "k", messages: [message()], replyStatus: 202, reply: ["message_id": "b"], now: now)
            )
            #expect(again == .replayed(status: 202, reply: ["message_id": "a"]))
            let later = try await store.push(
                PushRecord(
                    storeID: "acme",
                    idempotencyKey: "k",
                    messages: [message()],
                    replyStatus: 202,
                    reply: ["message_id": "c"],
                    now: now.addingTimeInterval(25 * 3600)
                )
            )
            #expect(later == .stored)
            #expect(try await store.queueCounts(storeID: "acme")["incoming"] == 2)
        }
    }

    @Test(arguments: TestBackend.all) func aDuplicateByIdentifiersIsSkippedUntilTheFirstIsArchived(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let now = Date()
            let first = message(dedup: "n=1")
            let second = message(dedup: "n=1")
            for m in [first, second] {
                _ = try await store.push(PushRecord(storeID: "acme", idempotencyKey: nil, messages: [m], replyStatus: 202, reply: [:], now: now))
            }
            let skipped = try #require(try await store.message(storeID: "acme", id: second.id))
            #expect(skipped.message.state == "skipped")
            #expect(skipped.message.note?.contains(first.id) == true)
            _ = try await store.archive(storeID: "acme", id: first.id, now: now)
            let third = message(dedup: "n=1")
            _ = try await store.push(PushRecord(storeID: "acme", idempotencyKey: nil, messages: [third], replyStatus: 202, reply: [:], now: now))
            #expect(try await store.message(storeID: "acme", id: third.id)?.message.state == "accepted")
        }
    }

    @Test(arguments: TestBackend.all) func anExpiredLeaseIsTakenAgainAndLogged(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let now = Date()
            _ = try await store.push(
                PushRecord(storeID: "acme", idempotencyKey: nil, messages: [message(at: now)], replyStatus: 202, reply: [:], now: now)
            )
            let first = try await store.claim(owner: "a", now: now, limit: 10) { _, _ in 10 }
            try #require(first.count == 1)
            #expect(try await store.claim(owner: "b", now: now.addingTimeInterval(5), limit: 10) { _, _ in 10 }.isEmpty)
            let retaken = try await store.claim(owner: "b", now: now.addingTimeInterval(11), limit: 10) { _, _ in 10 }
            #expect(retaken.map(\.id) == first.map(\.id))
            // The worker that lost its lease reports late: its attempt is kept, the state is not its to change.
            try await store.record(
                AttemptReport(
                    deliveryID: first[0].id,
                    storeID: "acme",
                    messageID: first[0].messageID,
                    owner: "a",
                    startedAt: now,
                    duration: 1,
                    url: "http://x",
                    status: 200,
                    response: nil,
                    error: nil,
                    transition: DeliveryTransition(state: .completed)
                )
            )
            let detail = try #require(try await store.message(storeID: "acme", id: first[0].messageID))
            #expect(detail.message.deliveries[0].state == .running)
            #expect(detail.message.deliveries[0].attemptLog.count == 2)
            #expect(detail.message.deliveries[0].attemptLog[0].error?.contains("lease expired") == true)
        }
    }

    @Test(arguments: TestBackend.all) func schedulersFireOncePerTickEvenWhenAskedTwice(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let now = Date()
            try await store.saveScheduler(storeID: "acme", Scheduler(id: "s", message: "hub:poll", payload: [:], interval: 60), at: now)
            let plan: @Sendable (String, Scheduler) -> NewMessage = { _, s in message(name: s.message, mapping: nil) }
            async let a = store.fireDueSchedulers(now: now, plan: plan)
            async let b = store.fireDueSchedulers(now: now, plan: plan)
            let fired = try await a.count + b.count
            #expect(fired == 1)
            #expect(try await store.fireDueSchedulers(now: now.addingTimeInterval(30), plan: plan).isEmpty)
            #expect(try await store.fireDueSchedulers(now: now.addingTimeInterval(6000), plan: plan).count == 1)
        }
    }
}

@Suite struct SQLiteOnlyTests {
    /// GRDB sets `synchronous = NORMAL` on a pool's writer when it turns WAL on; the store
    /// must put FULL back, or commits are synced only at checkpoints.
    @Test func theWriterSyncsEveryCommit() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("integrator-sync-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteDatabase.open(path: directory.appendingPathComponent("hub.sqlite").path)
        #expect(try await store.writerSynchronousLevel() == 2)
    }

    /// A batch holding only leases is committed without an fsync (a lost lease only means the
    /// delivery is made again): the writer must be back at FULL for the next push.
    @Test func aBatchOfLeasesAloneLeavesTheWriterSyncingEveryCommit() async throws {
        try await withStore(.sqlite) { store, _ in
            let now = Date()
            _ = try await store.push(
                PushRecord(storeID: "acme", idempotencyKey: nil, messages: [message(at: now)], replyStatus: 202, reply: [:], now: now)
            )
            let claimed = try await store.claim(owner: "a", now: now, limit: 10) { _, _ in 10 }
            #expect(claimed.count == 1)
            #expect(try await #require(store as? SQLiteDatabase).writerSynchronousLevel() == 2)
            #expect(try await store.claim(owner: "b", now: now, limit: 10) { _, _ in 10 }.isEmpty)
        }
    }

    @Test func aSecondProcessCannotOpenTheSameFile() async throws {
        try await withStore(.sqlite) { _, directory in
            #expect(throws: StoreError.self) { try SQLiteDatabase.open(path: directory.appendingPathComponent("hub.sqlite").path) }
        }
    }
}
