import Foundation
import IntegratorModel
import IntegratorStore
import IntegratorTestSupport
import Testing

/// The store protocol's read and operator requirements, on every engine: the message list and
/// its filters, one message whole (found by its id or a delivery's), attempt now, archive,
/// resend, recover, the queue counts, the activity chart, notifications and the next due time.
@Suite struct OperatorConformanceTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func push(_ store: any HubDatabase, _ messages: [NewMessage]) async throws {
        _ = try await store.push(PushRecord(storeID: "acme", idempotencyKey: nil, messages: messages, replyStatus: 202, reply: [:], now: now))
    }

    /// Claims every due delivery and records each as failing with `error`, with a notification.
    func failAll(_ store: any HubDatabase, at time: Date, error: String = "boom") async throws -> [ClaimedDelivery] {
        let claimed = try await store.claim(owner: "w", now: time, limit: 100) { _, _ in 30 }
        for delivery in claimed {
            let notice = NewNotification(
                storeID: "acme",
                messageID: delivery.messageID,
                deliveryID: delivery.id,
                mapping: delivery.mapping,
                notification: Notification(level: .error, subject: "down", description: "the ERP is down"),
                reference: "R1",
                message: nil
            )
            try await store.record(
                AttemptReport(
                    deliveryID: delivery.id,
                    storeID: "acme",
                    messageID: delivery.messageID,
                    owner: "w",
                    startedAt: time,
                    duration: 0.5,
                    url: "http://erp",
                    status: 500,
                    response: "no",
                    error: error,
                    transition: DeliveryTransition(state: .parked),
                    notifications: [notice]
                )
            )
        }
        return claimed
    }

    @Test(arguments: TestBackend.all) func theMessageListFiltersByNameStateMappingIdentifierAndTime(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            var tagged = message(at: now)
            tagged.identifiers = [IdentifierValue(name: "order_number", value: "R7")]
            try await push(
                store,
                [tagged, message(name: "user:new", mapping: "crm", at: now.addingTimeInterval(10)), message(mapping: nil, at: now)]
            )
            func ids(_ query: MessageQuery) async throws -> (count: Int, names: [String]) {
                let page = try await store.messages(query)
                return (page.count, page.items.map(\.name))
            }
            #expect(try await ids(MessageQuery(storeID: "acme")).count == 3)
            #expect(try await ids(MessageQuery(storeID: "acme", message: "user:new")).names == ["user:new"])
            #expect(try await ids(MessageQuery(storeID: "acme", state: "skipped")).count == 1)
            #expect(try await ids(MessageQuery(storeID: "acme", state: "pending", mapping: "crm")).names == ["user:new"])
            #expect(try await ids(MessageQuery(storeID: "acme", mapping: "m")).count == 1)
            #expect(try await ids(MessageQuery(storeID: "acme", identifier: IdentifierValue(name: "order_number", value: "R7"))).count == 1)
            #expect(try await ids(MessageQuery(storeID: "acme", since: now.addingTimeInterval(5))).names == ["user:new"])
            #expect(try await ids(MessageQuery(storeID: "acme", until: now.addingTimeInterval(5))).count == 2)
            let second = try await store.messages(MessageQuery(storeID: "acme", page: 2, perPage: 2))
            #expect(second.count == 3 && second.items.count == 1)
            #expect(try await store.messages(MessageQuery(storeID: "acme", state: "pending")).items.allSatisfy { !$0.deliveries.isEmpty })
        }
    }

    @Test(arguments: TestBackend.all) func oneMessageIsFoundByItsIdOrADeliverysWithAttemptsAndNotifications(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let pushed = message(at: now)
            try await push(store, [pushed])
            let claimed = try await failAll(store, at: now)
            let byMessage = try #require(try await store.message(storeID: "acme", id: pushed.id))
            let byDelivery = try #require(try await store.message(storeID: "acme", id: claimed[0].id))
            #expect(byMessage.message.id == byDelivery.message.id)
            let delivery = try #require(byMessage.message.deliveries.first)
            #expect(delivery.state == .parked && delivery.attempts == 1 && delivery.lastStatus == 500 && delivery.lastError == "boom")
            #expect(delivery.attemptLog.map(\.status) == [500])
            #expect(byMessage.notifications.map(\.subject) == ["down"])
            #expect(try await store.message(storeID: "acme", id: "nothing") == nil)
            #expect(try await store.message(storeID: "other", id: pushed.id) == nil, "a store sees only its own")
        }
    }

    @Test(arguments: TestBackend.all) func attemptNowArchiveRecoverAndResendMoveTheRightDeliveries(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let first = message(at: now)
            let second = message(at: now)
            try await push(store, [first, second])
            _ = try await failAll(store, at: now)
            #expect(try await store.queueCounts(storeID: "acme")["parked"] == 2)
            #expect(try await store.attemptNow(storeID: "acme", id: first.id, now: now) == 1)
            #expect(try await store.queueCounts(storeID: "acme")["pending"] == 1)
            #expect(try await store.archive(storeID: "acme", id: first.id, now: now) == 1)
            #expect(try await store.archive(storeID: "acme", id: first.id, now: now) == 0, "archiving twice changes nothing")
            #expect(try await store.recover(storeID: "acme", since: now.addingTimeInterval(-60), now: now) == 1)
            #expect(try await store.recover(storeID: "acme", since: now.addingTimeInterval(60), now: now) == 0, "nothing that recent")
            let counts = try await store.queueCounts(storeID: "acme")
            #expect(counts["archived"] == 1 && counts["pending"] == 1 && counts["parked"] == 0 && counts["incoming"] == 2)
            #expect(try await store.nextDueTime() != nil)

            var copy = message(at: now)
            copy.origin = "resend"
            try await store.resend(storeID: "acme", originalID: second.id, copy: copy, now: now)
            #expect(try await store.message(storeID: "acme", id: second.id)?.message.deliveries.first?.state == .archived)
            #expect(try await store.message(storeID: "acme", id: copy.id)?.message.deliveries.first?.state == .pending)
        }
    }

    @Test(arguments: TestBackend.all) func theActivityChartCountsMessagesAndFailedAttemptsPerSlot(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            try await push(store, [message(at: now), message(at: now.addingTimeInterval(61)), message(at: now.addingTimeInterval(62))])
            _ = try await failAll(store, at: now.addingTimeInterval(130))
            let slots = try await store.activity(storeID: "acme", since: now, slot: 60, slots: 3)
            #expect(slots.map(\.received) == [1, 2, 0])
            #expect(slots.map(\.failed) == [0, 0, 3])
        }
    }

    @Test(arguments: TestBackend.all) func notificationsAreListedByLevelAndByReferenceOrIdentifier(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            var tagged = message(at: now)
            tagged.identifiers = [IdentifierValue(name: "order_number", value: "R9")]
            try await push(store, [tagged])
            _ = try await failAll(store, at: now)
            #expect(try await store.notifications(storeID: "acme", level: nil, reference: nil, page: 1, perPage: 10).count == 1)
            #expect(try await store.notifications(storeID: "acme", level: "error", reference: "R1", page: 1, perPage: 10).count == 1)
            #expect(try await store.notifications(storeID: "acme", level: "info", reference: nil, page: 1, perPage: 10).count == 0)
            #expect(try await store.notifications(storeID: "acme", level: nil, reference: "R9", page: 1, perPage: 10).count == 1)
            #expect(try await store.notifications(storeID: "acme", level: nil, reference: "R404", page: 1, perPage: 10).count == 0)
        }
    }
}
