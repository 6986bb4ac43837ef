import Foundation
import IntegratorModel
import IntegratorStore
import IntegratorTestSupport
import PostgresNIO
import Testing

@testable import IntegratorPostgres

/// On PostgreSQL the attempts of one group commit are recorded together (`recordMany`); the
/// outcome must be the one recording them one at a time gives, breaker and alerts included.
@Suite struct BatchedRecordTests {
    /// The plan for each of six deliveries: how its attempt ends, and who reports it.
    private enum Ending: CaseIterable {
        case completedWithAChildAndANotification, failing, failingAgain, parked, reportedLateByAnotherWorker, completed
    }

    /// Pushes six messages to mapping `m`, claims them as worker `w`, records one attempt each
    /// (all in one group transaction, or each in its own) and describes what the store holds.
    private static func recordSix(together: Bool) async throws -> [String] {
        try await withStore(.postgres) { store, _ in
            let database = try #require(store as? IntegratorPostgres.PostgresDatabase)
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            let ids = Ending.allCases.indices.map { "msg-\($0)" }
            for id in ids {
                var pushed = message(id, at: now)
                pushed.deliveries[0].id = "del-\(id)"
                _ = try await store.push(PushRecord(storeID: "acme", idempotencyKey: nil, messages: [pushed], replyStatus: 202, reply: [:], now: now))
            }
            let claimed = try await store.claim(owner: "w", now: now, limit: 10) { _, _ in 60 }.sorted { $0.messageID < $1.messageID }
            #expect(claimed.count == 6)
            let reports = zip(claimed, Ending.allCases).map { delivery, ending in Self.report(delivery, ending, at: now) }
            let jobs = reports.map { PostgresJob(.record($0)) }
            let errors = try await database.client.withConnection { connection in
                if together { return try await IntegratorPostgres.PostgresDatabase.commit(jobs, on: connection, secrets: .clear, report: nil) }
                var errors: [(any Error)?] = []
                for job in jobs {
                    errors += try await IntegratorPostgres.PostgresDatabase.commit([job], on: connection, secrets: .clear, report: nil)
                }
                return errors
            }
            #expect(errors.allSatisfy { $0 == nil })
            var described: [String] = []
            for id in ids {
                let detail = try #require(try await store.message(storeID: "acme", id: id))
                for delivery in detail.message.deliveries {
                    described.append(
                        "\(id): \(delivery.state) attempts \(delivery.attempts) next \(String(describing: delivery.nextAttemptAt)) "
                            + "error \(delivery.lastError ?? "-") status \(String(describing: delivery.lastStatus)) "
                            + "log \(delivery.attemptLog.map { "\($0.number):\($0.error ?? "ok")" })"
                    )
                }
                described.append("\(id) children \(detail.children.map(\.id)) notifications \(detail.notifications.map(\.subject))")
            }
            let health = try await store.mappingHealth(storeID: "acme", failuresSince: now.addingTimeInterval(-1))
            described.append("health \(health.map { "\($0.mapping) \($0.breaker) \($0.recentFailures)" })")
            let alerts = try await store.messages(MessageQuery(storeID: "acme", perPage: 100)).items.filter { $0.name.hasPrefix("hub:") }
            described.append("alerts \(alerts.map(\.id).sorted())")
            return described
        }
    }

    private static func report(_ delivery: ClaimedDelivery, _ ending: Ending, at now: Date) -> AttemptReport {
        let ok = ending == .completed || ending == .completedWithAChildAndANotification || ending == .reportedLateByAnotherWorker
        let transition: DeliveryTransition =
            switch ending {
            case .failing, .failingAgain: DeliveryTransition(state: .failing, nextAttemptAt: now.addingTimeInterval(30))
            case .parked: DeliveryTransition(state: .parked)
            default: DeliveryTransition(state: .completed)
            }
        var report = AttemptReport(
            deliveryID: delivery.id,
            storeID: "acme",
            messageID: delivery.messageID,
            owner: ending == .reportedLateByAnotherWorker ? "someone-else" : "w",
            startedAt: now,
            duration: 0.25,
            url: "http://x/m",
            status: ok ? 200 : 500,
            response: ok ? "{}" : "down",
            error: ok ? nil : "the endpoint answered 500",
            transition: transition
        )
        report.mapping = delivery.mapping
        report.breaker = BreakerPolicy(threshold: 2, cooldown: 60)
        report.alerts = alerts(for: delivery.messageID, at: now)
        if ending == .completedWithAChildAndANotification {
            report.children = [message("child-of-\(delivery.messageID)", at: now)]
            report.children[0].parentMessageID = delivery.messageID
            report.notifications = [
                notification(about: delivery, subject: "imported", description: "order imported")
            ]
        }
        return report
    }

    @Test(.enabled(if: TestBackend.postgresURL != nil)) func attemptsRecordedTogetherEndAsRecordedOneAtATime() async throws {
        let together = try await Self.recordSix(together: true)
        let alone = try await Self.recordSix(together: false)
        #expect(together == alone)
        // And the outcome is the expected one, not merely the same twice.
        #expect(together.contains { $0.hasPrefix("msg-4: running attempts 1") }, "a late report only counts its attempt: \(together)")
        #expect(together.contains { $0.hasPrefix("msg-3: parked") })
        // Two failures open the breaker, the parked attempt fails once more, and the late
        // report's success (an attempt counts on the breaker whoever reports it) closes it.
        let alerts = ["alert-hub:delivery:parked-msg-3", "alert-hub:mapping:failing-msg-2", "alert-hub:mapping:recovered-msg-4"]
        #expect(together.last == "alerts \(alerts)", "\(together)")
        #expect(together.contains { $0.hasPrefix("health [\"m BreakerStatus(state: IntegratorModel.BreakerState.closed") }, "\(together)")
        #expect(together.contains("msg-0 children [\"child-of-msg-0\"] notifications [\"imported\"]"))
    }
}
