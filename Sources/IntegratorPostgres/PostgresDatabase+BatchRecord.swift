import Foundation
import IntegratorModel
import IntegratorStore
import PostgresNIO

/// The attempts of a whole group commit recorded together: the deliveries locked by one
/// statement, the attempts written and the deliveries moved on by another, the breakers read
/// by a third, whatever the number of attempts.
///
/// Why: recorded one by one, an attempt cost seven or eight round trips inside the commit that
/// every other write waits for (savepoint, lock, insert, update, breaker, release), and a
/// process drained a few hundred deliveries a second. The outcome is the one `recordAlone`
/// gives for each attempt in turn; when these statements fail, the attempts are recorded one at
/// a time (`PostgresDatabase.commit`).
extension PostgresDatabase {
    /// The deliveries as the attempts found them, locked in the order of their ids so that two
    /// processes' batches cannot wait on each other.
    static let lockDeliveries = """
        SELECT id, state, lease_owner, attempts FROM deliveries WHERE id = ANY(?::text[]) ORDER BY id FOR UPDATE
        """
    /// Every attempt written, and every delivery moved on: by the attempt when its worker still
    /// held the lease (`owned`), else only counted, as `finishDelivery` and `countAttempt` do.
    static let writeAttempts = """
        WITH a AS (
            INSERT INTO attempts (delivery_id, number, started_at, duration, url, status, response, error)
            SELECT * FROM unnest(?::text[], ?::int8[], ?::float8[], ?::float8[], ?::text[], ?::int8[], ?::text[], ?::text[])
        )
        UPDATE deliveries SET
            state = CASE WHEN u.owned THEN u.state ELSE deliveries.state END,
            attempts = u.attempts,
            next_attempt_at = CASE WHEN u.owned THEN u.next_attempt_at ELSE deliveries.next_attempt_at END,
            lease_owner = CASE WHEN u.owned THEN NULL ELSE deliveries.lease_owner END,
            url = CASE WHEN u.owned THEN u.url ELSE deliveries.url END,
            last_error = CASE WHEN u.owned THEN u.last_error ELSE deliveries.last_error END,
            last_status = CASE WHEN u.owned THEN u.last_status ELSE deliveries.last_status END,
            result = CASE WHEN u.owned THEN COALESCE(u.result, deliveries.result) ELSE deliveries.result END,
            updated_at = u.now,
            completed_at = CASE WHEN u.owned AND u.state = 'completed' THEN u.now ELSE deliveries.completed_at END
        FROM unnest(?::text[], ?::bool[], ?::text[], ?::int8[], ?::float8[], ?::text[], ?::text[], ?::int8[], ?::text[], ?::float8[])
            AS u(id, owned, state, attempts, next_attempt_at, url, last_error, last_status, result, now)
        WHERE deliveries.id = u.id
        """
    /// The breakers of some mappings: stores, mappings (`FOR UPDATE` added when one is written).
    static let breakerRows = """
        SELECT store_id, mapping, state, consecutive_failures, probe_at, last_success_at FROM mapping_health
        WHERE (store_id, mapping) IN (SELECT * FROM unnest(?::text[], ?::text[])) ORDER BY store_id, mapping
        """

    static func recordMany(_ db: PostgresConnection, _ reports: [AttemptReport], secrets: SecretBox) async throws {
        let ids = reports.map(\.deliveryID)
        // Two reports for one delivery would have one statement change a row twice.
        guard Set(ids).count == ids.count else { throw StoreError.invalid("two attempts of one delivery in one batch") }
        var current: [String: PostgresRandomAccessRow] = [:]
        for row in try await db.rows(lockDeliveries, [.texts(ids)]) { current[try row.text("id")] = row }

        var attempts: [Int] = []
        var owned: [Bool] = []
        for report in reports {
            let row = current[report.deliveryID]
            attempts.append(AttemptSQL.number(after: try row?.optionalInt("attempts")))
            owned.append(try AttemptSQL.stillOwned(row, by: report.owner))
        }
        let ends = reports.map(\.finishedAt.timeIntervalSince1970)
        try await db.run(
            writeAttempts,
            [
                .texts(ids), .ints(attempts), .reals(reports.map(\.startedAt.timeIntervalSince1970)), .reals(reports.map(\.duration)),
                .texts(reports.map(\.url)), .ints(reports.map(\.status)), .texts(reports.map(\.response)), .texts(reports.map(\.error)),
                .texts(ids), .bools(owned), .texts(reports.map(\.transition.state.rawValue)), .ints(attempts),
                .reals(reports.map { $0.transition.nextAttemptAt?.timeIntervalSince1970 }), .texts(reports.map(\.transition.nextURL)),
                .texts(reports.map(\.error)), .ints(reports.map(\.status)), .texts(reports.map { $0.result?.jsonString }), .reals(ends),
            ]
        )
        for (report, isOwned) in zip(reports, owned) where isOwned && report.transition.state == .parked {
            if let parked = report.alerts.make?(.parked) { try await insert(db, parked) }
        }
        try await updateBreakers(db, reports)
        for report in reports {
            try await writeReplyEffects(db, report, at: report.finishedAt, secrets: secrets)
        }
    }

    /// Counts the attempts on their mappings' breakers, in order, and writes the alerts they
    /// cause (for one attempt alone too). The breakers are read without a lock; only the
    /// mappings where one must be written (a failure, a change of state, a success not written
    /// for a second) are read again locked and their attempts counted from there. A healthy
    /// mapping's successes, the common case, then take no lock that every process's records
    /// would queue on.
    static func updateBreakers(_ db: PostgresConnection, _ reports: [AttemptReport]) async throws {
        let counted = reports.filter { $0.breaker != nil }
        guard !counted.isEmpty else { return }
        let keys = Set(counted.map(\.mappingKey))
        let unlocked = try await breakerRows(db, breakerRows, keys)
        let writing = Set(try BreakerRun.count(counted, from: unlocked).writes.map(\.key))
        guard !writing.isEmpty else { return }
        let locked = try await breakerRows(db, breakerRows + " FOR UPDATE", writing)
        let run = try BreakerRun.count(counted.filter { writing.contains($0.mappingKey) }, from: locked)
        for write in run.writes {
            try await db.run(
                HealthSQL.saveBreaker,
                values: AttemptSQL.saveBreaker(write.report, write.next, succeeded: write.report.error == nil, now: write.now)
            )
            if let alert = write.report.alerts.message(for: write.event) { try await insert(db, alert) }
        }
    }

    private static func breakerRows(_ db: PostgresConnection, _ sql: String, _ keys: Set<MappingKey>) async throws -> [MappingKey: BreakerRow] {
        var rows: [MappingKey: BreakerRow] = [:]
        let keys = Array(keys)
        for row in try await db.rows(sql, [.texts(keys.map(\.storeID)), .texts(keys.map(\.mapping))]) {
            rows[MappingKey(storeID: try row.text("store_id"), mapping: try row.text("mapping"))] = BreakerRow(
                state: try row.optionalText("state"),
                consecutiveFailures: try row.optionalInt("consecutive_failures"),
                probeAt: try row.optionalReal("probe_at"),
                lastSuccessAt: try row.optionalReal("last_success_at")
            )
        }
        return rows
    }
}

/// A breaker as stored, kept in memory while a batch's attempts are counted on it in turn.
struct BreakerRow: StoreRow {
    var state: String?
    var consecutiveFailures: Int?
    var probeAt: Double?
    var lastSuccessAt: Double?

    func optionalText(_ column: String) throws -> String? { column == "state" ? state : nil }
    func optionalInt(_ column: String) throws -> Int? { column == "consecutive_failures" ? consecutiveFailures : nil }
    func optionalBool(_ column: String) throws -> Bool? { nil }
    func optionalReal(_ column: String) throws -> Double? {
        switch column {
        case "probe_at": probeAt
        case "last_success_at": lastSuccessAt
        default: nil
        }
    }
}

/// The breaker writes a batch's attempts make, decided in order from the stored rows: each
/// attempt sees the breaker as the writes before it left it (`AttemptSQL.breakerAfter`).
struct BreakerRun {
    struct Write {
        let key: MappingKey
        let report: AttemptReport
        let next: BreakerStatus
        let event: BreakerStatus.Event?
        let now: Date
    }

    var writes: [Write] = []

    static func count(_ reports: [AttemptReport], from stored: [MappingKey: BreakerRow]) throws -> BreakerRun {
        var rows = stored
        var run = BreakerRun()
        for report in reports {
            guard let policy = report.breaker else { continue }
            let key = report.mappingKey
            let now = report.finishedAt
            let (next, event, write) = try AttemptSQL.breakerAfter(report, row: rows[key], policy: policy, now: now)
            guard write else { continue }
            run.writes.append(Write(key: key, report: report, next: next, event: event, now: now))
            rows[key] = BreakerRow(
                state: next.state.rawValue,
                consecutiveFailures: next.consecutiveFailures,
                probeAt: next.probeAt?.timeIntervalSince1970,
                lastSuccessAt: report.error == nil ? now.timeIntervalSince1970 : rows[key]?.lastSuccessAt
            )
        }
        return run
    }
}

extension AttemptReport {
    /// The mapping whose breaker the attempt counts on.
    var mappingKey: MappingKey { MappingKey(storeID: storeID, mapping: mapping) }
}
