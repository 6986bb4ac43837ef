import Foundation
import IntegratorModel
import IntegratorStore
import PostgresNIO

/// Delivery on PostgreSQL: claiming due deliveries fairly with `SKIP LOCKED`, recording attempts.
extension PostgresDatabase {
    // MARK: Delivery

    public func claim(owner: String, now: Date, limit: Int, limits: ClaimLimits, lease: @escaping LeaseLength) async throws -> [ClaimedDelivery] {
        try await transaction { db in
            let exclusion = limits.exclusionSQL
            let candidates = try await db.rows(
                HealthSQL.claimCandidates(exclusion: exclusion.sql, suffix: " FOR UPDATE OF d SKIP LOCKED"),
                [.time(now), .time(now)] + exclusion.arguments.map { .text($0) } + [.int(ClaimLimits.candidates(for: limit))]
            )
            let keys = try candidates.map { MappingKey(storeID: try $0.text("store_id"), mapping: try $0.text("mapping")) }
            let rows = FairClaim.select(keys, limit: limit, room: limits.room).map { candidates[$0] }
            // The payloads of the deliveries taken only (`HealthSQL.claimCandidates`), in one round trip.
            let messageIDs = Array(Set(try rows.map { try $0.text("message_id") }))
            var messages: [String: PostgresRandomAccessRow] = [:]
            if !messageIDs.isEmpty {
                for message in try await db.rows(Self.claimedMessages, [.texts(messageIDs)]) {
                    messages[try message.text("id")] = message
                }
            }
            var claimed: [ClaimedDelivery] = []
            var expired: [(id: String, number: Int)] = []
            var leases: [(id: String, until: Double, attempts: Int)] = []
            for row in rows {
                let id = try row.text("id")
                let storeID = try row.text("store_id")
                let mapping = try row.text("mapping")
                // Checked by the candidates' query; a message removed since (not under a lock
                // of this claim) leaves its delivery for the next claim to pass over, before
                // anything is written for it.
                guard let message = messages[try row.text("message_id")] else { continue }
                var probe = false
                if let breaker = try row.optionalText("breaker"), breaker != BreakerState.closed.rawValue {
                    // An open breaker whose cool-down is over lets one probe go, across processes.
                    let taken = try await db.run(
                        HealthSQL.takeProbe,
                        [.real(now.timeIntervalSince1970 + lease(storeID, mapping)), .text(storeID), .text(mapping), .time(now)]
                    )
                    if taken == 0 { continue }
                    probe = true
                }
                var attempts = try row.int("attempts")
                if try row.text("state") == "running" {
                    attempts = AttemptSQL.number(after: attempts)
                    expired.append((id, attempts))
                }
                leases.append((id, now.timeIntervalSince1970 + lease(storeID, mapping), attempts))
                var delivery = try HealthSQL.claimed(row, message: message, attempts: attempts)
                delivery.probe = probe
                claimed.append(delivery)
            }
            guard !leases.isEmpty else { return claimed }
            // A lease lost in a crash only means the delivery is made again, so its commit does
            // not wait for the disk (as on SQLite); the next durable commit flushes it anyway.
            try await db.run("SET LOCAL synchronous_commit TO OFF", [])
            if !expired.isEmpty {
                try await db.run(
                    Self.logExpiredLeases,
                    [.time(now), .text(AttemptSQL.expiredLeaseError), .texts(expired.map(\.id)), .ints(expired.map(\.number))]
                )
            }
            try await db.run(
                Self.takeLeases,
                [.text(owner), .time(now), .texts(leases.map(\.id)), .reals(leases.map(\.until)), .ints(leases.map(\.attempts))]
            )
            return claimed
        }
    }

    /// `HealthSQL.claimedMessage` for many messages: their ids.
    static let claimedMessages = "SELECT id, name, payload, depth, origin FROM messages WHERE id = ANY(?::text[])"

    /// `AttemptSQL.takeLease` for many deliveries: owner, now, ids, lease ends, attempts.
    static let takeLeases = """
        UPDATE deliveries SET state = 'running', lease_owner = ?, next_attempt_at = u.until, attempts = u.attempts, updated_at = ?
        FROM unnest(?::text[], ?::float8[], ?::int8[]) AS u(id, until, attempts) WHERE deliveries.id = u.id
        """
    /// `AttemptSQL.expiredLease` for many deliveries: now, the error, ids, attempt numbers.
    static let logExpiredLeases = """
        INSERT INTO attempts (delivery_id, number, started_at, duration, url, status, response, error)
        SELECT id, number, ?, 0, '', NULL, NULL, ? FROM unnest(?::text[], ?::int8[]) AS e(id, number)
        """

    public func record(_ report: AttemptReport) async throws {
        try await committer.submit(PostgresJob(.record(report)))
    }

    /// Records one attempt on its own (`recordMany` writes a group commit's together).
    static func recordAlone(_ db: PostgresConnection, _ report: AttemptReport, secrets: SecretBox) async throws {
        let now = report.finishedAt
        let current = try await db.rows(AttemptSQL.currentDelivery + " FOR UPDATE", [.text(report.deliveryID)]).first
        let attempts = AttemptSQL.number(after: try current?.optionalInt("attempts"))
        try await db.run(AttemptSQL.insertAttempt, values: AttemptSQL.attempt(report, number: attempts))
        let stillOwned = try AttemptSQL.stillOwned(current, by: report.owner)
        if stillOwned {
            try await db.run(AttemptSQL.finishDelivery, values: AttemptSQL.finish(report, attempts: attempts, now: now))
        } else {
            try await db.run(AttemptSQL.countAttempt, [.int(attempts), .time(now), .text(report.deliveryID)])
        }
        if stillOwned, report.transition.state == .parked, let parked = report.alerts.make?(.parked) { try await insert(db, parked) }
        try await updateBreakers(db, [report])
        try await writeReplyEffects(db, report, at: now, secrets: secrets)
    }

    /// What the endpoint's answer brings: child messages, parameters and notifications.
    static func writeReplyEffects(_ db: PostgresConnection, _ report: AttemptReport, at now: Date, secrets: SecretBox) async throws {
        for child in report.children { try await insert(db, child) }
        for parameter in report.parameters { try await upsertParameter(db, storeID: report.storeID, parameter, at: now, secrets: secrets) }
        for notification in report.notifications {
            if try await db.run(AttemptSQL.insertNotification, values: AttemptSQL.notification(notification, now: now)) == 1 {
                if let message = notification.message { try await insert(db, message) }
            } else {
                try await db.run(AttemptSQL.repeatNotification, values: AttemptSQL.repeated(notification, now: now))
            }
        }
    }

    public func nextDueTime() async throws -> Date? {
        try await client.rows(AttemptSQL.nextDue, [])
            .first?.optionalTime("due")
    }
}
