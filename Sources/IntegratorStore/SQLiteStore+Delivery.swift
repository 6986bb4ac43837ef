import Foundation
import GRDB
import IntegratorModel

/// Delivery on SQLite: claiming due deliveries fairly, recording attempts and what they caused.
extension SQLiteStore {
    // MARK: Delivery

    public func claim(
        owner: String,
        now: Date,
        limit: Int,
        limits: ClaimLimits,
        lease: @escaping @Sendable (String, String) -> Double
    ) async throws -> [ClaimedDelivery] {
        // Through the group committer, so a claim shares its fsync with the pushes and reports
        // committed beside it; payloads are parsed after, off the commit thread.
        let rows = try await committer.perform(early: true) { db -> [(ClaimedDelivery, String)] in
            let nowSeconds = now.timeIntervalSince1970
            let exclusion = limits.exclusionSQL
            let sql = HealthSQL.claimCandidates(exclusion: exclusion.sql)
            var arguments: StatementArguments = [nowSeconds, nowSeconds]
            _ = arguments.append(contentsOf: StatementArguments(exclusion.arguments))
            _ = arguments.append(contentsOf: [ClaimLimits.candidates(for: limit)])
            let candidates = try Row.fetchAll(
                exclusion.arguments.isEmpty ? db.cachedStatement(sql: sql) : db.makeStatement(sql: sql),
                arguments: arguments
            )
            let picked = FairClaim.select(
                candidates.map { MappingKey(storeID: $0["store_id"], mapping: $0["mapping"]) },
                limit: limit,
                room: limits.room
            )
            let rows = picked.map { candidates[$0] }
            var claimed: [(ClaimedDelivery, String)] = []
            for row in rows {
                let id: String = row["id"]
                let storeID: String = row["store_id"]
                let mapping: String = row["mapping"]
                if let breaker: String = row["breaker"], breaker != BreakerState.closed.rawValue {
                    // An open breaker whose cool-down is over lets one probe go, across processes.
                    try db.cachedExecute(
                        sql: HealthSQL.takeProbe,
                        arguments: [nowSeconds + lease(storeID, mapping), storeID, mapping, nowSeconds]
                    )
                    if db.changesCount == 0 { continue }
                }
                var attempts: Int = row["attempts"]
                if (row["state"] as String) == "running" {
                    // The worker that held this lease never reported: keep that in the log.
                    attempts += 1
                    try db.cachedExecute(
                        sql:
                            "INSERT INTO attempts (delivery_id, number, started_at, duration, url, status, response, error) VALUES (?, ?, "
                            + "?, 0, '', NULL, NULL, ?)",
                        arguments: [
                            id, attempts, nowSeconds,
                            "the lease expired before the attempt was reported (the worker or its process stopped); trying again",
                        ]
                    )
                }
                let expiry = nowSeconds + lease(storeID, mapping)
                try db.cachedExecute(
                    sql: "UPDATE deliveries SET state = 'running', lease_owner = ?, next_attempt_at = ?, attempts = ?, updated_at = ? WHERE id = ?",
                    arguments: [owner, expiry, attempts, nowSeconds, id]
                )
                claimed.append(
                    (
                        ClaimedDelivery(
                            id: id,
                            messageID: row["message_id"],
                            storeID: storeID,
                            mapping: mapping,
                            attempts: attempts,
                            url: row["url"],
                            messageName: row["name"],
                            payload: .null,
                            depth: row["depth"],
                            origin: row["origin"]
                        ), row["payload"]
                    )
                )
            }
            return claimed
        }
        return rows.map { claimed, payload in
            var claimed = claimed
            claimed.payload = Self.json(payload) ?? .object([:])
            return claimed
        }
    }

    public func record(_ report: AttemptReport) async throws {
        try await committer.perform { [secrets] db in
            let now = (report.startedAt.addingTimeInterval(report.duration)).timeIntervalSince1970
            let current = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT state, lease_owner, attempts FROM deliveries WHERE id = ?"),
                arguments: [report.deliveryID]
            )
            let attempts: Int = (current?["attempts"] ?? 0) + 1
            try db.cachedExecute(
                sql: "INSERT INTO attempts (delivery_id, number, started_at, duration, url, status, response, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    report.deliveryID, attempts, report.startedAt.timeIntervalSince1970, report.duration, report.url, report.status, report.response,
                    report.error,
                ]
            )
            let stillOwned = (current?["state"] as String?) == "running" && (current?["lease_owner"] as String?) == report.owner
            if stillOwned {
                let transition = report.transition
                try db.cachedExecute(
                    sql: """
                        UPDATE deliveries SET state = ?, attempts = ?, next_attempt_at = ?, lease_owner = NULL, url = ?,
                            last_error = ?, last_status = ?, result = COALESCE(?, result), updated_at = ?,
                            completed_at = CASE WHEN ? = 'completed' THEN ? ELSE completed_at END
                        WHERE id = ?
                        """,
                    arguments: [
                        transition.state.rawValue, attempts, transition.nextAttemptAt?.timeIntervalSince1970, transition.nextURL,
                        report.error, report.status, report.result.map(\.jsonString), now,
                        transition.state.rawValue, now, report.deliveryID,
                    ]
                )
            } else {
                try db.cachedExecute(
                    sql: "UPDATE deliveries SET attempts = ?, updated_at = ? WHERE id = ?",
                    arguments: [attempts, now, report.deliveryID]
                )
            }
            if stillOwned, report.transition.state == .parked, let parked = report.alerts.make?(.parked) { try Self.insert(db, parked) }
            if let policy = report.breaker { try Self.updateBreaker(db, report, policy: policy, at: now) }
            for child in report.children { try Self.insert(db, child) }
            for parameter in report.parameters {
                try Self.upsertParameter(db, storeID: report.storeID, parameter, at: Date(timeIntervalSince1970: now), secrets: secrets)
            }
            for notification in report.notifications {
                try Self.insert(db, notification, at: now)
            }
        }
    }

    /// Counts the attempt on its mapping's breaker and writes the alert it causes, if any.
    static func updateBreaker(_ db: Database, _ report: AttemptReport, policy: BreakerPolicy, at now: Double) throws {
        let row = try Row.fetchOne(db.cachedStatement(sql: HealthSQL.breakerRow), arguments: [report.storeID, report.mapping])
        let current = BreakerStatus(
            state: (row?["state"] as String?).flatMap(BreakerState.init(rawValue:)) ?? .closed,
            consecutiveFailures: row?["consecutive_failures"] ?? 0,
            probeAt: date(row?["probe_at"])
        )
        let succeeded = report.error == nil
        let (next, event) = current.after(succeeded: succeeded, policy: policy, now: Date(timeIntervalSince1970: now))
        if succeeded,
            BreakerStatus.successWriteIsRedundant(
                before: current,
                after: next,
                event: event,
                lastSuccess: date(row?["last_success_at"]),
                now: Date(timeIntervalSince1970: now)
            )
        {
            return
        }
        try db.cachedExecute(
            sql: HealthSQL.saveBreaker,
            arguments: [
                report.storeID, report.mapping, next.state.rawValue, next.consecutiveFailures, next.probeAt?.timeIntervalSince1970,
                succeeded ? now : nil, succeeded ? nil : now,
            ]
        )
        switch event {
        case .opened?: if let alert = report.alerts.make?(.failing) { try insert(db, alert) }
        case .closed?: if let alert = report.alerts.make?(.recovered) { try insert(db, alert) }
        case nil: break
        }
    }

    static func insert(_ db: Database, _ new: NewNotification, at now: Double) throws {
        let n = new.notification
        try db.cachedExecute(
            sql: """
                INSERT OR IGNORE INTO notifications (store_id, message_id, delivery_id, mapping, level, subject, description, extra,
                reference, occurrences, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
                """,
            arguments: [
                new.storeID, new.messageID, new.deliveryID, new.mapping, n.level.rawValue, n.subject, n.description,
                JSONValue.object(n.extra).jsonString, new.reference, now, now,
            ]
        )
        if db.changesCount == 1 {
            if let message = new.message { try insert(db, message) }
        } else {
            try db.cachedExecute(
                sql:
                    "UPDATE notifications SET occurrences = occurrences + 1, updated_at = ? WHERE message_id = ? AND mapping = ? AND level "
                    + "= ? AND subject = ? AND description = ?",
                arguments: [now, new.messageID, new.mapping, n.level.rawValue, n.subject, n.description]
            )
        }
    }

    public func nextDueTime() async throws -> Date? {
        try await pool.read { db in
            try Double.fetchOne(db, sql: "SELECT MIN(next_attempt_at) FROM deliveries WHERE state IN ('pending', 'failing', 'scheduled', 'running')")
                .map { Date(timeIntervalSince1970: $0) }
        }
    }
}
