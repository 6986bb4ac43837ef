import Foundation
import IntegratorModel
import IntegratorPostgres
import IntegratorStore
import IntegratorTestSupport
import Testing

/// Retention, the circuit breaker and pausing, as every store must keep them.
@Suite struct RetentionAndHealthStoreTests {
    func rowCounts(_ store: any HubDatabase) async throws -> [String: Int] {
        if let sqlite = store as? SQLiteDatabase { return try await sqlite.rowCounts() }
        return try await (store as! PostgresDatabase).rowCounts()
    }

    func push(_ store: any HubDatabase, _ messages: [NewMessage]) async throws {
        _ = try await store.push(PushRecord(storeID: "acme", idempotencyKey: nil, messages: messages, replyStatus: 202, reply: [:], now: Date()))
    }

    /// A message of `acme` created at `at`, with one delivery per mapping named, due at `at`.
    func made(_ id: String, at: Date, due: Date? = nil, mappings: [String] = ["m"], parent: String? = nil, paused: Bool = false) -> NewMessage {
        NewMessage(
            id: id,
            storeID: "acme",
            name: "order:new",
            payload: ["order": ["number": .string(id)]],
            origin: parent == nil ? "push" : "reply",
            parentMessageID: parent,
            createdAt: at,
            identifiers: [IdentifierValue(name: "number", value: id)],
            deliveries: mappings.map { NewDelivery(id: "d-\(id)-\($0)", mapping: $0, dedupKey: nil, nextAttemptAt: due ?? at, paused: paused) }
        )
    }

    /// Claims every due delivery and ends each as `plan` says (by message id); unplanned ones stay running.
    func settle(_ store: any HubDatabase, now: Date, _ plan: [String: DeliveryState], children: [String: [NewMessage]] = [:]) async throws {
        let claimed = try await store.claim(owner: "w", now: now, limit: 100) { _, _ in 60 }
        for delivery in claimed {
            guard let state = plan[delivery.messageID] else { continue }
            var report = AttemptReport(
                deliveryID: delivery.id,
                storeID: "acme",
                messageID: delivery.messageID,
                owner: "w",
                startedAt: now,
                duration: 0.01,
                url: "http://x",
                status: state == .completed ? 200 : 500,
                response: nil,
                error: state == .completed ? nil : "the endpoint answered 500",
                transition: DeliveryTransition(
                    state: state,
                    nextAttemptAt: state == .failing || state == .scheduled ? now.addingTimeInterval(3600) : nil
                ),
                children: children[delivery.messageID] ?? []
            )
            report.notifications = [
                notification(about: delivery, subject: "done", description: "attempt \(delivery.messageID)")
            ]
            try await store.record(report)
        }
    }

    @Test(arguments: TestBackend.all) func retentionRemovesFinishedHistoryAndNothingOpen(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let now = Date()
            let old = now.addingTimeInterval(-40 * 86_400)
            let skipped = NewMessage(id: "skipped", storeID: "acme", name: "order:new", payload: [:], origin: "push", createdAt: old)
            try await push(
                store,
                [
                    skipped, made("completed", at: old), made("archived", at: old), made("parked", at: old), made("failing", at: old),
                    made("scheduled", at: old), made("running", at: old), made("paused", at: old, paused: true),
                    made("root", at: old), made("open-root", at: old), made("grand-root", at: old),
                    made("recent", at: now.addingTimeInterval(-86_400), due: old),
                ]
            )
            try await push(
                store,
                [
                    NewMessage(
                        id: "pending",
                        storeID: "acme",
                        name: "order:new",
                        payload: [:],
                        origin: "push",
                        createdAt: old,
                        deliveries: [NewDelivery(id: "d-pending", mapping: "m", dedupKey: nil, nextAttemptAt: now.addingTimeInterval(86_400))]
                    )
                ]
            )
            try await settle(
                store,
                now: old,
                [
                    "completed": .completed, "parked": .parked, "failing": .failing, "scheduled": .scheduled, "root": .completed,
                    "open-root": .parked, "grand-root": .failing, "recent": .completed, "archived": .parked,
                ],
                children: [
                    "root": [made("child", at: old, parent: "root")], "open-root": [made("open-child", at: old, parent: "open-root")],
                    "grand-root": [made("middle", at: old, parent: "grand-root")],
                ]
            )
            // Children made by replies: finished, one under a finished parent, one under a parked one,
            // one two levels under a failing one.
            try await settle(
                store,
                now: old,
                ["child": .completed, "open-child": .completed, "middle": .completed],
                children: ["middle": [made("grandchild", at: old, parent: "middle")]]
            )
            try await settle(store, now: old, ["grandchild": .completed])
            #expect(try await store.archive(storeID: "acme", id: "archived", now: old) == 1)

            var removed = 0
            while true {
                let count = try await store.pruneMessages(storeID: "acme", before: now.addingTimeInterval(-30 * 86_400), limit: 3)
                removed += count
                if count == 0 { break }
            }
            let gone = ["skipped", "completed", "archived", "root", "child"]
            let kept = [
                "parked", "failing", "scheduled", "running", "paused", "pending", "open-root", "open-child", "grand-root", "middle", "grandchild",
                "recent",
            ]
            #expect(removed == gone.count)
            for id in gone { #expect(try await store.message(storeID: "acme", id: id) == nil, "\(id) should be removed") }
            for id in kept { #expect(try await store.message(storeID: "acme", id: id) != nil, "\(id) should be kept") }
            let counts = try await rowCounts(store)
            #expect(counts["messages"] == kept.count)
            #expect(counts["message_identifiers"] == kept.count - 1)  // every kept message but "pending" has one identifier row
            let notified = Set(["parked", "failing", "scheduled", "open-root", "open-child", "grand-root", "middle", "grandchild", "recent"])
            #expect(counts["notifications"] == notified.count)
            // Attempts: one per settled delivery still kept.
            #expect(counts["attempts"] == notified.count)
        }
    }

    @Test(arguments: TestBackend.all) func aBreakerOpensHoldsProbesOnceAndCloses(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let start = Date()
            let policy = BreakerPolicy(threshold: 2, cooldown: 60)
            try await push(store, (0..<4).map { made("b\($0)", at: start) })
            func attempt(_ delivery: ClaimedDelivery, at now: Date, ok: Bool) async throws {
                var report = AttemptReport(
                    deliveryID: delivery.id,
                    storeID: "acme",
                    messageID: delivery.messageID,
                    owner: "w",
                    startedAt: now,
                    duration: 0.01,
                    url: "http://x",
                    status: ok ? 200 : 500,
                    response: nil,
                    error: ok ? nil : "the endpoint answered 500",
                    transition: ok ? DeliveryTransition(state: .completed) : DeliveryTransition(state: .failing, nextAttemptAt: now)
                )
                report.mapping = "m"
                report.breaker = policy
                report.alerts = alerts(for: delivery.messageID, at: now)
                try await store.record(report)
            }
            // Two failures open it: the second makes hub:mapping:failing.
            let first = try await store.claim(owner: "w", now: start, limit: 2) { _, _ in 30 }
            #expect(first.count == 2)
            for delivery in first { try await attempt(delivery, at: start, ok: false) }
            var health = try await store.mappingHealth(storeID: "acme", failuresSince: start.addingTimeInterval(-1))
            #expect(health.first?.breaker.state == .open)
            #expect(health.first?.recentFailures == 2)
            #expect(try await store.message(storeID: "acme", id: "alert-hub:mapping:failing-\(first[1].messageID)") != nil)
            #expect(try await store.message(storeID: "acme", id: "alert-hub:mapping:failing-\(first[0].messageID)") == nil)
            // Open: due deliveries wait and spend no attempts.
            #expect(try await store.claim(owner: "w", now: start.addingTimeInterval(30), limit: 10) { _, _ in 30 }.isEmpty)
            // Cooled down: exactly one probe, even for claimers racing (on PostgreSQL, two transactions at once).
            let probeTime = start.addingTimeInterval(61)
            async let racing = store.claim(owner: "w", now: probeTime, limit: 10) { _, _ in 30 }
            async let rival = store.claim(owner: "v", now: probeTime, limit: 10) { _, _ in 30 }
            let probes = try await racing + rival
            #expect(probes.count == 1)
            // Marked as the probe, so its record wakes the delivery loop whatever else it waits for.
            #expect(probes.allSatisfy { $0.probe })
            let probe = probes
            // The probe fails: another whole cool-down.
            try await attempt(probe[0], at: probeTime, ok: false)
            #expect(try await store.claim(owner: "w", now: probeTime.addingTimeInterval(59), limit: 10) { _, _ in 30 }.isEmpty)
            let second = try await store.claim(owner: "w", now: probeTime.addingTimeInterval(61), limit: 10) { _, _ in 30 }
            #expect(second.count == 1)
            // It succeeds: closed, hub:mapping:recovered made, and the held deliveries flow.
            try await attempt(second[0], at: probeTime.addingTimeInterval(61), ok: true)
            health = try await store.mappingHealth(storeID: "acme", failuresSince: nil)
            #expect(health.first?.breaker == BreakerStatus())
            #expect(health.first?.lastSuccessAt != nil)
            #expect(try await store.message(storeID: "acme", id: "alert-hub:mapping:recovered-\(second[0].messageID)") != nil)
            let flowing = try await store.claim(owner: "w", now: probeTime.addingTimeInterval(62), limit: 10) { _, _ in 30 }
            #expect(flowing.filter { $0.mapping == "m" }.count == 3)
            #expect(!flowing.contains { $0.probe })
        }
    }

    @Test(arguments: TestBackend.all) func pausingHoldsWaitingDeliveriesAndResumingReleasesThemInOrder(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let now = Date()
            var mapping = Mapping(name: "m", messages: ["order:new"], url: "http://127.0.0.1:9/")
            try await store.saveMapping(storeID: "acme", mapping, at: now)
            try await push(store, [made("p1", at: now), made("p2", at: now)])
            mapping.paused = true
            try await store.saveMapping(storeID: "acme", mapping, at: now)
            try await push(store, [made("p3", at: now, paused: true)])
            #expect(try await store.queueCounts(storeID: "acme")["paused"] == 3)
            #expect(try await store.claim(owner: "w", now: now.addingTimeInterval(1), limit: 10) { _, _ in 30 }.isEmpty)
            mapping.paused = false
            try await store.saveMapping(storeID: "acme", mapping, at: now.addingTimeInterval(2))
            let released = try await store.claim(owner: "w", now: now.addingTimeInterval(2), limit: 10) { _, _ in 30 }
            #expect(released.map(\.messageID) == ["p1", "p2", "p3"])
        }
    }

    @Test(arguments: TestBackend.all) func aStoreKeepsItsOwnRetention(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            #expect(try await store.store(id: "acme")?.retention == nil)
            let week = try RetentionPeriod.parse("7d").get()
            #expect(try await store.setRetention(storeID: "acme", week))
            #expect(try await store.store(id: "acme")?.retention == week)
            #expect(try await store.setRetention(storeID: "acme", .keepEverything))
            #expect(try await store.stores().first?.retention == .keepEverything)
            #expect(try await store.setRetention(storeID: "nobody", week) == false)
        }
    }
}
