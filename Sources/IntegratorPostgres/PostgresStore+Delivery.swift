import Foundation
import IntegratorModel
import IntegratorStore
import PostgresNIO

/// Delivery on PostgreSQL: claiming due deliveries fairly with `SKIP LOCKED`, recording attempts.
extension PostgresStore {
    // MARK: Delivery

    public func claim(
        owner: String,
        now: Date,
        limit: Int,
        limits: ClaimLimits,
        lease: @escaping @Sendable (String, String) -> Double
    ) async throws -> [ClaimedDelivery] {
        try await transaction { db in
            let exclusion = limits.exclusionSQL
            let candidates = try await db.rows(
                HealthSQL.claimCandidates(exclusion: exclusion.sql, suffix: " FOR UPDATE OF d SKIP LOCKED"),
                [.time(now), .time(now)] + exclusion.arguments.map { .text($0) } + [.int(ClaimLimits.candidates(for: limit))]
            )
            let keys = try candidates.map { MappingKey(storeID: try $0.text("store_id"), mapping: try $0.text("mapping")) }
            let rows = FairClaim.select(keys, limit: limit, room: limits.room).map { candidates[$0] }
            var claimed: [ClaimedDelivery] = []
            for row in rows {
                let id = try row.text("id")
                let storeID = try row.text("store_id")
                let mapping = try row.text("mapping")
                if let breaker = try row.optionalText("breaker"), breaker != BreakerState.closed.rawValue {
                    // An open breaker whose cool-down is over lets one probe go, across processes.
                    let taken = try await db.run(
                        HealthSQL.takeProbe,
                        [.real(now.timeIntervalSince1970 + lease(storeID, mapping)), .text(storeID), .text(mapping), .time(now)]
                    )
                    if taken == 0 { continue }
                }
                var attempts = try row.int("attempts")
                if try row.text("state") == "running" {
                    attempts += 1
                    try await db.run(
                        "INSERT INTO attempts (delivery_id, number, started_at, duration, url, status, response, error) VALUES (?, ?, ?, 0, "
                            + "'', NULL, NULL, ?)",
                        [
                            .text(id), .int(attempts), .time(now),
                            .text("the lease expired before the attempt was reported (the worker or its process stopped); trying again"),
                        ]
                    )
                }
                try await db.run(
                    "UPDATE deliveries SET state = 'running', lease_owner = ?, next_attempt_at = ?, attempts = ?, updated_at = ? WHERE id = ?",
                    [.text(owner), .real(now.timeIntervalSince1970 + lease(storeID, mapping)), .int(attempts), .time(now), .text(id)]
                )
                claimed.append(
                    ClaimedDelivery(
                        id: id,
                        messageID: try row.text("message_id"),
                        storeID: storeID,
                        mapping: mapping,
                        attempts: attempts,
                        url: try row.optionalText("url"),
                        messageName: try row.text("name"),
                        payload: try row.json("payload") ?? .object([:]),
                        depth: try row.int("depth"),
                        origin: try row.text("origin")
                    )
                )
            }
            return claimed
        }
    }

    public func record(_ report: AttemptReport) async throws {
        try await perform { [secrets] db in
            let now = report.startedAt.addingTimeInterval(report.duration)
            let current = try await db.rows("SELECT state, lease_owner, attempts FROM deliveries WHERE id = ? FOR UPDATE", [.text(report.deliveryID)])
                .first
            let attempts = (try current?.int("attempts") ?? 0) + 1
            try await db.run(
                "INSERT INTO attempts (delivery_id, number, started_at, duration, url, status, response, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    .text(report.deliveryID), .int(attempts), .time(report.startedAt), .real(report.duration), .text(report.url), .int(report.status),
                    .text(report.response), .text(report.error),
                ]
            )
            let stillOwned = try current?.text("state") == "running" && current?.optionalText("lease_owner") == report.owner
            if stillOwned {
                let transition = report.transition
                try await db.run(
                    """
                    UPDATE deliveries SET state = ?, attempts = ?, next_attempt_at = ?, lease_owner = NULL, url = ?, last_error = ?, last_status = ?,
                        result = COALESCE(?, result), updated_at = ?, completed_at = CASE WHEN ? = 'completed' THEN ? ELSE completed_at END
                    WHERE id = ?
                    """,
                    [
                        .text(transition.state.rawValue), .int(attempts), .time(transition.nextAttemptAt), .text(transition.nextURL),
                        .text(report.error),
                        .int(report.status), .text(report.result.map(\.jsonString)), .time(now), .text(transition.state.rawValue), .time(now),
                        .text(report.deliveryID),
                    ]
                )
            } else {
                try await db.run(
                    "UPDATE deliveries SET attempts = ?, updated_at = ? WHERE id = ?",
                    [.int(attempts), .time(now), .text(report.deliveryID)]
                )
            }
            if stillOwned, report.transition.state == .parked, let parked = report.alerts.make?(.parked) { try await Self.insert(db, parked) }
            if let policy = report.breaker { try await Self.updateBreaker(db, report, policy: policy, at: now) }
            for child in report.children { try await Self.insert(db, child) }
            for parameter in report.parameters { try await Self.upsertParameter(db, storeID: report.storeID, parameter, at: now, secrets: secrets) }
            for notification in report.notifications {
                let n = notification.notification
                let inserted = try await db.run(
                    """
                    INSERT INTO notifications (store_id, message_id, delivery_id, mapping, level, subject, description, extra, reference,
                    occurrences, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT DO NOTHING
                    """,
                    [
                        .text(notification.storeID), .text(notification.messageID), .text(notification.deliveryID), .text(notification.mapping),
                        .text(n.level.rawValue), .text(n.subject), .text(n.description), .text(JSONValue.object(n.extra).jsonString),
                        .text(notification.reference), .time(now), .time(now),
                    ]
                )
                if inserted == 1 {
                    if let message = notification.message { try await Self.insert(db, message) }
                } else {
                    try await db.run(
                        "UPDATE notifications SET occurrences = occurrences + 1, updated_at = ? WHERE message_id = ? AND mapping = ? AND "
                            + "level = ? AND subject = ? AND description = ?",
                        [
                            .time(now), .text(notification.messageID), .text(notification.mapping), .text(n.level.rawValue), .text(n.subject),
                            .text(n.description),
                        ]
                    )
                }
            }
        }
    }

    /// Counts the attempt on its mapping's breaker and writes the alert it causes, if any.
    static func updateBreaker(_ db: PostgresConnection, _ report: AttemptReport, policy: BreakerPolicy, at now: Date) async throws {
        let row = try await db.rows(HealthSQL.breakerRow + " FOR UPDATE", [.text(report.storeID), .text(report.mapping)]).first
        let current = BreakerStatus(
            state: try row?.optionalText("state").flatMap(BreakerState.init(rawValue:)) ?? .closed,
            consecutiveFailures: try row?.int("consecutive_failures") ?? 0,
            probeAt: try row?.optionalTime("probe_at")
        )
        let succeeded = report.error == nil
        let (next, event) = current.after(succeeded: succeeded, policy: policy, now: now)
        if succeeded,
            BreakerStatus.successWriteIsRedundant(
                before: current,
                after: next,
                event: event,
                lastSuccess: try row?.optionalTime("last_success_at"),
                now: now
            )
        {
            return
        }
        try await db.run(
            HealthSQL.saveBreaker,
            [
                .text(report.storeID), .text(report.mapping), .text(next.state.rawValue), .int(next.consecutiveFailures), .time(next.probeAt),
                .time(succeeded ? now : nil), .time(succeeded ? nil : now),
            ]
        )
        switch event {
        case .opened?: if let alert = report.alerts.make?(.failing) { try await insert(db, alert) }
        case .closed?: if let alert = report.alerts.make?(.recovered) { try await insert(db, alert) }
        case nil: break
        }
    }

    public func nextDueTime() async throws -> Date? {
        try await client.rows("SELECT MIN(next_attempt_at) AS due FROM deliveries WHERE state IN ('pending', 'failing', 'scheduled', 'running')", [])
            .first?.optionalTime("due")
    }
}
