import Foundation
import IntegratorModel
import IntegratorStore
import IntegratorTestSupport
import PostgresNIO
import Testing

@testable import IntegratorPostgres

/// Pushes that share a group commit are written together (on PostgreSQL, by one statement per
/// table for the whole batch); each must still end exactly as if it had been written alone.
@Suite struct BatchedIngestTests {
    /// One push of `messages`, sent with many others at once so that they share commits.
    private static func pushAll(_ store: any HubDatabase, _ pushes: [[NewMessage]]) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for messages in pushes {
                group.addTask {
                    let outcome = try await store.push(
                        PushRecord(storeID: "acme", idempotencyKey: nil, messages: messages, replyStatus: 202, reply: [:], now: Date())
                    )
                    #expect(outcome == .stored)
                }
            }
            try await group.waitForAll()
        }
    }

    @Test(arguments: TestBackend.all) func pushesWrittenTogetherEachEndAsIfWrittenAlone(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let now = Date()
            let plain = (0..<30).map { _ in message() }
            let sameOrder = (0..<10).map { _ in message(dedup: "order_number=R7") }
            let unmapped = (0..<5).map { _ in message(mapping: nil) }
            let twoWays = (0..<3).map { index -> NewMessage in
                var twoWay = message()
                twoWay.identifiers = [
                    IdentifierValue(name: "order_number", value: "T\(index)"), IdentifierValue(name: "email", value: "ü\(index)@x"),
                ]
                twoWay.deliveries.append(
                    NewDelivery(id: MessageID.make(), mapping: "second", dedupKey: nil, orderingKey: "o=\(index)", nextAttemptAt: now)
                )
                twoWay.parentMessageID = "parent-\(index)"
                return twoWay
            }
            try await Self.pushAll(store, (plain + sameOrder + unmapped + twoWays).map { [$0] } + [[message(), message()]])

            #expect(try await store.queueCounts(storeID: "acme")["pending"] == 30 + 1 + 3 * 2 + 2)
            var firsts: [String] = []
            for duplicate in sameOrder {
                let detail = try #require(try await store.message(storeID: "acme", id: duplicate.id))
                if detail.message.state == "accepted" { firsts.append(duplicate.id) }
            }
            #expect(firsts.count == 1, "one of the same order's pushes is delivered, the rest are duplicates")
            for duplicate in sameOrder where duplicate.id != firsts.first {
                let detail = try #require(try await store.message(storeID: "acme", id: duplicate.id))
                #expect(detail.message.state == "skipped")
                #expect(detail.message.note?.contains(firsts.first ?? "-") == true, "the note names the push that went first")
            }
            for skipped in unmapped {
                let detail = try #require(try await store.message(storeID: "acme", id: skipped.id))
                #expect(detail.message.state == "skipped")
                #expect(detail.message.note == "no mapping of the store takes 'order:new'")
            }
            for sent in plain + twoWays {
                let detail = try #require(try await store.message(storeID: "acme", id: sent.id))
                #expect(detail.message.state == "accepted")
                #expect(detail.message.note == nil)
                #expect(detail.message.deliveries.count == sent.deliveries.count)
                #expect(detail.message.parentMessageID == sent.parentMessageID)
                #expect(detail.message.identifiers.count == sent.identifiers.count)
            }
            let found = try await store.messages(MessageQuery(storeID: "acme", identifier: IdentifierValue(name: "email", value: "ü1@x")))
            #expect(found.items.map(\.id) == [twoWays[1].id], "identifiers are written with their message")
        }
    }

    @Test(.enabled(if: TestBackend.postgresURL != nil)) func oneStatementKeepsTheFirstOfTwoDuplicatesAndNamesItInTheOther() async throws {
        try await withStore(.postgres) { store, _ in
            let database = try #require(store as? IntegratorPostgres.PostgresDatabase)
            let first = message(dedup: "order_number=R9")
            let second = message(dedup: "order_number=R9")
            var noted = message()
            noted.note = "filtered out of mapping 'x'"
            let batch = [first, second, noted].map { EncodedMessage(message: $0, payload: $0.payload.jsonString) }
            try await database.transaction { db in try await IntegratorPostgres.PostgresDatabase.insertMany(db, batch) }
            #expect(try await store.message(storeID: "acme", id: first.id)?.message.state == "accepted")
            let skipped = try #require(try await store.message(storeID: "acme", id: second.id))
            #expect(skipped.message.state == "skipped")
            #expect(skipped.message.note?.contains(first.id) == true)
            #expect(try await store.message(storeID: "acme", id: noted.id)?.message.note == "filtered out of mapping 'x'")
            let listed = try await store.messages(MessageQuery(storeID: "acme", perPage: 10)).items.map(\.id)
            #expect(listed == [noted.id, second.id, first.id], "sequence numbers follow the batch's order (newest first)")

            // A batch with no identifiers and no deliveries at all binds empty columns.
            let unmapped = [message(mapping: nil), message(mapping: nil)]
            try await database.transaction { db in
                try await IntegratorPostgres.PostgresDatabase.insertMany(
                    db,
                    unmapped.map { EncodedMessage(message: $0, payload: $0.payload.jsonString) }
                )
            }
            for skipped in unmapped {
                #expect(try await store.message(storeID: "acme", id: skipped.id)?.message.state == "skipped")
            }
        }
    }

    @Test(.enabled(if: TestBackend.postgresURL != nil)) func aPushPostgreSQLRefusesFailsAloneAndTheRestOfItsBatchIsWritten() async throws {
        try await withStore(.postgres) { store, _ in
            let database = try #require(store as? IntegratorPostgres.PostgresDatabase)
            // A message id already stored: this row fails the batch's statement.
            let bad = message()
            _ = try await store.push(PushRecord(storeID: "acme", idempotencyKey: nil, messages: [bad], replyStatus: 202, reply: [:], now: Date()))
            let good = (0..<4).map { _ in message() }
            let jobs = ([bad] + good).map { PostgresJob(.push([EncodedMessage(message: $0, payload: $0.payload.jsonString)])) }
            let errors = try await database.client.withConnection { connection in
                try await IntegratorPostgres.PostgresDatabase.commit(jobs, on: connection, secrets: .clear, report: nil)
            }
            #expect(errors.count == 5)
            #expect(errors[0] != nil, "the refused push gets its error")
            #expect(errors.dropFirst().allSatisfy { $0 == nil }, "the others are written")
            #expect(
                try await store.messages(MessageQuery(storeID: "acme")).items.filter { $0.id == bad.id }.count == 1,
                "nothing of it written twice"
            )
            for sent in good { #expect(try await store.message(storeID: "acme", id: sent.id)?.message.state == "accepted") }
        }
    }

    @Test(arguments: TestBackend.all) func aNULCharacterFromOutsideIsKeptAsUFFFDAndFailsNoWrite(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let now = Date()
            // An identifier value read from a payload, and an endpoint's answer and notification.
            var pushed = message(at: now)
            pushed.identifiers = [IdentifierValue(name: "order_number", value: "R\u{0}1")]
            pushed.deliveries[0].orderingKey = "order_number=R\u{0}1"
            _ = try await store.push(PushRecord(storeID: "acme", idempotencyKey: nil, messages: [pushed], replyStatus: 202, reply: [:], now: now))
            let claimed = try #require(try await store.claim(owner: "w", now: now, limit: 1) { _, _ in 60 }.first)
            var report = AttemptReport(
                deliveryID: claimed.id,
                storeID: "acme",
                messageID: claimed.messageID,
                owner: "w",
                startedAt: now,
                duration: 0.01,
                url: "http://x/\u{0}",
                status: 200,
                response: "ok\u{0}ok",
                error: nil,
                transition: DeliveryTransition(state: .completed)
            )
            report.notifications = [notification(about: claimed, subject: "sub\u{0}ject", description: "nul \u{0} inside")]
            try await store.record(report)
            let detail = try #require(try await store.message(storeID: "acme", id: pushed.id))
            #expect(detail.message.deliveries.first?.state == .completed, "the attempt's record was written")
            #expect(detail.notifications.count == 1)
            let kept = detail.message.identifiers.first?.value ?? ""
            #expect(
                kept == "R\u{0}1" || kept == "R\u{FFFD}1",
                "kept as given, or with U+FFFD where the store cannot hold NUL: \(kept.debugDescription)"
            )
        }
    }
}
