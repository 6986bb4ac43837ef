import Foundation
import GRDB
import IntegratorModel

/// Delivery on SQLite: claiming due deliveries fairly, recording attempts and what they caused.
extension SQLiteDatabase {
    // MARK: Delivery

    public func claim(owner: String, now: Date, limit: Int, limits: ClaimLimits, lease: @escaping LeaseLength) async throws -> [ClaimedDelivery] {
        // Through the group committer, so a claim shares its fsync with the pushes and reports
        // committed beside it. Payloads stay text: a delivery is made from the stored bytes.
        try await committer.perform(early: true) { db -> [ClaimedDelivery] in
            let nowSeconds = now.timeIntervalSince1970
            let exclusion = limits.exclusionSQL
            let sql = HealthSQL.claimCandidates(exclusion: exclusion.sql)
            let values: [SQLValue] =
                [.real(nowSeconds), .real(nowSeconds)] + exclusion.arguments.map { .text($0) }
                + [.int(ClaimLimits.candidates(for: limit))]
            let candidates = try db.indexedRows(
                exclusion.arguments.isEmpty ? db.cachedStatement(sql: sql) : db.makeStatement(sql: sql),
                values: values
            )
            let picked = FairClaim.select(
                try candidates.map { MappingKey(storeID: try $0.text("store_id"), mapping: try $0.text("mapping")) },
                limit: limit,
                room: limits.room
            )
            let rows = picked.map { candidates[$0] }
            var claimed: [ClaimedDelivery] = []
            for row in rows {
                // Read through `StoreRow`, as PostgreSQL's claim: a stored value of another type is
                // an error, where GRDB's typed subscripts trap (and look generic metadata up).
                let id = try row.text("id")
                let storeID = try row.text("store_id")
                let mapping = try row.text("mapping")
                // The candidates were read with their message's existence checked, in this same
                // transaction: the message is there. Read before anything is written for it.
                guard let message = try db.indexedRow(sql: HealthSQL.claimedMessage, values: [.text(try row.text("message_id"))]) else {
                    continue
                }
                var probe = false
                if let breaker = try row.optionalText("breaker"), breaker != BreakerState.closed.rawValue {
                    // An open breaker whose cool-down is over lets one probe go, across processes.
                    try db.cachedExecute(
                        sql: HealthSQL.takeProbe,
                        values: [.real(nowSeconds + lease(storeID, mapping)), .text(storeID), .text(mapping), .real(nowSeconds)]
                    )
                    if db.changesCount == 0 { continue }
                    probe = true
                }
                var attempts = try row.int("attempts")
                if try row.text("state") == "running" {
                    // The worker that held this lease never reported: keep that in the log.
                    attempts = AttemptSQL.number(after: attempts)
                    try db.cachedExecute(
                        sql: AttemptSQL.expiredLease,
                        values: [.text(id), .int(attempts), .real(nowSeconds), .text(AttemptSQL.expiredLeaseError)]
                    )
                }
                let expiry = nowSeconds + lease(storeID, mapping)
                try db.cachedExecute(sql: AttemptSQL.takeLease, values: [.text(owner), .real(expiry), .int(attempts), .real(nowSeconds), .text(id)])
                var delivery = try HealthSQL.claimed(row, message: message, attempts: attempts)
                delivery.probe = probe
                claimed.append(delivery)
            }
            return claimed
        }
    }

    public func record(_ report: AttemptReport) async throws {
        try await committer.perform(patient: true) { [secrets] db in
            let now = report.finishedAt
            var attempts = 0
            var stillOwned = false
            if let claimed = report.claimedAttempts {
                // The usual case, in one statement: the lease and the count are as the claim left them.
                attempts = AttemptSQL.number(after: claimed)
                let values = AttemptSQL.finish(report, attempts: attempts, now: now) + [.text(report.owner), .int(claimed)]
                try db.cachedExecute(sql: AttemptSQL.finishOwnedDelivery, values: values)
                stillOwned = db.changesCount == 1
            }
            if !stillOwned {
                let current = try db.indexedRow(sql: AttemptSQL.currentDelivery, values: [.text(report.deliveryID)])
                attempts = AttemptSQL.number(after: try current?.optionalInt("attempts"))
                stillOwned = try AttemptSQL.stillOwned(current, by: report.owner)
                if stillOwned {
                    try db.cachedExecute(sql: AttemptSQL.finishDelivery, values: AttemptSQL.finish(report, attempts: attempts, now: now))
                } else {
                    try db.cachedExecute(sql: AttemptSQL.countAttempt, values: [.int(attempts), .time(now), .text(report.deliveryID)])
                }
            }
            try db.cachedExecute(sql: AttemptSQL.insertAttempt, values: AttemptSQL.attempt(report, number: attempts))
            if stillOwned, report.transition.state == .parked, let parked = report.alerts.make?(.parked) { try Self.insert(db, parked) }
            if let policy = report.breaker { try Self.updateBreaker(db, report, policy: policy, at: now) }
            for child in report.children { try Self.insert(db, child) }
            for parameter in report.parameters { try Self.upsertParameter(db, storeID: report.storeID, parameter, at: now, secrets: secrets) }
            for notification in report.notifications { try Self.insert(db, notification, at: now) }
        }
    }

    /// Counts the attempt on its mapping's breaker and writes the alert it causes, if any.
    static func updateBreaker(_ db: Database, _ report: AttemptReport, policy: BreakerPolicy, at now: Date) throws {
        let row = try db.indexedRow(sql: HealthSQL.breakerRow, values: [.text(report.storeID), .text(report.mapping)])
        let (next, event, write) = try AttemptSQL.breakerAfter(report, row: row, policy: policy, now: now)
        guard write else { return }
        try db.cachedExecute(sql: HealthSQL.saveBreaker, values: AttemptSQL.saveBreaker(report, next, succeeded: report.error == nil, now: now))
        if let alert = report.alerts.message(for: event) { try insert(db, alert) }
    }

    static func insert(_ db: Database, _ new: NewNotification, at now: Date) throws {
        try db.cachedExecute(sql: AttemptSQL.insertNotification, values: AttemptSQL.notification(new, now: now))
        if db.changesCount == 1 {
            if let message = new.message { try insert(db, message) }
        } else {
            try db.cachedExecute(sql: AttemptSQL.repeatNotification, values: AttemptSQL.repeated(new, now: now))
        }
    }

    public func nextDueTime() async throws -> Date? {
        try await pool.read { db in
            try Double.fetchOne(db, sql: AttemptSQL.nextDue).map { Date(timeIntervalSince1970: $0) }
        }
    }
}
