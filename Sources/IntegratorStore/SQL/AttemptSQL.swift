import Foundation
import IntegratorModel

/// What claiming and recording an attempt write, for both engines: the statements with their
/// values and the decisions between them (does the worker still own the delivery, what the
/// breaker row says). How due deliveries are found and locked stays with each engine.
public enum AttemptSQL {
    // MARK: Claiming

    /// The log line for an attempt whose worker never reported: delivery, number, at, error.
    public static let expiredLease = """
        INSERT INTO attempts (delivery_id, number, started_at, duration, url, status, response, error) VALUES (?, ?, ?, 0, '', NULL, NULL, ?)
        """
    public static let expiredLeaseError = "the lease expired before the attempt was reported (the worker or its process stopped); trying again"

    /// Leases a delivery to a worker: owner, lease expiry, attempts, now, id.
    public static let takeLease =
        "UPDATE deliveries SET state = 'running', lease_owner = ?, next_attempt_at = ?, attempts = ?, updated_at = ? WHERE id = ?"

    /// The earliest time any delivery is due. A lease's expiry counts: a running delivery is
    /// due again when its lease runs out.
    public static let nextDue = "SELECT MIN(next_attempt_at) AS due FROM deliveries WHERE \(DueStates.condition())"

    // MARK: Recording

    /// The delivery as the attempt found it: id. (PostgreSQL adds `FOR UPDATE`.)
    public static let currentDelivery = "SELECT state, lease_owner, attempts FROM deliveries WHERE id = ?"

    /// Whether the worker that reports still holds the delivery's lease: only then does its
    /// attempt decide the delivery's state (a late report is logged, nothing more).
    public static func stillOwned(_ current: (any StoreRow)?, by owner: String) throws -> Bool {
        guard let current else { return false }
        return try current.optionalText("state") == "running" && current.optionalText("lease_owner") == owner
    }

    public static let insertAttempt = """
        INSERT INTO attempts (delivery_id, number, started_at, duration, url, status, response, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """

    public static func attempt(_ report: AttemptReport, number: Int) -> [SQLValue] {
        [
            .text(report.deliveryID), .int(number), .time(report.startedAt), .real(report.duration), .text(report.url), .int(report.status),
            .text(report.response), .text(report.error),
        ]
    }

    public static let finishDelivery = """
        UPDATE deliveries SET state = ?, attempts = ?, next_attempt_at = ?, lease_owner = NULL, url = ?, last_error = ?, last_status = ?,
            result = COALESCE(?, result), updated_at = ?, completed_at = CASE WHEN ? = 'completed' THEN ? ELSE completed_at END
        WHERE id = ?
        """

    /// `finishDelivery` only while the reporting worker still holds the lease and the attempts
    /// are as its claim left them (`AttemptReport.claimedAttempts`): the values of `finish`,
    /// then owner and claimed attempts. Nothing changed means a late or unusual report, read
    /// before it is written (`currentDelivery`); otherwise the record need not read at all.
    public static let finishOwnedDelivery = finishDelivery + " AND state = 'running' AND lease_owner = ? AND attempts = ?"

    /// The number of the attempt after `attempts` stored ones. A stored count is not trusted to
    /// leave room: it stays at `Int.max` rather than overflow.
    public static func number(after attempts: Int?) -> Int {
        let stored = max(0, attempts ?? 0)
        return stored == Int.max ? stored : stored + 1
    }

    public static func finish(_ report: AttemptReport, attempts: Int, now: Date) -> [SQLValue] {
        let transition = report.transition
        return [
            .text(transition.state.rawValue), .int(attempts), .time(transition.nextAttemptAt), .text(transition.nextURL), .text(report.error),
            .int(report.status), .text(report.result.map(\.jsonString)), .time(now), .text(transition.state.rawValue), .time(now),
            .text(report.deliveryID),
        ]
    }

    /// A late report only counts its attempt: attempts, now, id.
    public static let countAttempt = "UPDATE deliveries SET attempts = ?, updated_at = ? WHERE id = ?"

    // MARK: Notifications

    /// A notification, not written again when the same one exists (then it counts once more).
    public static let insertNotification = """
        INSERT INTO notifications (store_id, message_id, delivery_id, mapping, level, subject, description, extra, reference,
        occurrences, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT DO NOTHING
        """

    public static func notification(_ new: NewNotification, now: Date) -> [SQLValue] {
        let n = new.notification
        return [
            .text(new.storeID), .text(new.messageID), .text(new.deliveryID), .text(new.mapping), .text(n.level.rawValue), .text(n.subject),
            .text(n.description), .text(JSONValue.object(n.extra).jsonString), .text(new.reference), .time(now), .time(now),
        ]
    }

    public static let repeatNotification = """
        UPDATE notifications SET occurrences = occurrences + 1, updated_at = ?
        WHERE message_id = ? AND mapping = ? AND level = ? AND subject = ? AND description = ?
        """

    public static func repeated(_ new: NewNotification, now: Date) -> [SQLValue] {
        let n = new.notification
        return [.time(now), .text(new.messageID), .text(new.mapping), .text(n.level.rawValue), .text(n.subject), .text(n.description)]
    }

    // MARK: The breaker

    /// A mapping's breaker as stored (closed when it has no row).
    public static func breaker(_ row: (any StoreRow)?) throws -> BreakerStatus {
        BreakerStatus(
            state: try row?.optionalText("state").flatMap(BreakerState.init(rawValue:)) ?? .closed,
            consecutiveFailures: try row?.optionalInt("consecutive_failures") ?? 0,
            probeAt: try row?.optionalTime("probe_at")
        )
    }

    /// `HealthSQL.saveBreaker`'s values for the breaker after an attempt.
    public static func saveBreaker(_ report: AttemptReport, _ next: BreakerStatus, succeeded: Bool, now: Date) -> [SQLValue] {
        [
            .text(report.storeID), .text(report.mapping), .text(next.state.rawValue), .int(next.consecutiveFailures), .time(next.probeAt),
            .time(succeeded ? now : nil), .time(succeeded ? nil : now),
        ]
    }

    /// The breaker after an attempt, and whether it must be written (a healthy mapping's row
    /// is written at most once a second on success).
    public static func breakerAfter(
        _ report: AttemptReport,
        row: (any StoreRow)?,
        policy: BreakerPolicy,
        now: Date
    ) throws -> (next: BreakerStatus, event: BreakerStatus.Event?, write: Bool) {
        let current = try breaker(row)
        let succeeded = report.error == nil
        let (next, event) = current.after(succeeded: succeeded, policy: policy, now: now)
        let lastSuccess = try row?.optionalTime("last_success_at")
        let redundant =
            succeeded
            && BreakerStatus.successWriteIsRedundant(before: current, after: next, event: event, lastSuccess: lastSuccess, now: now)
        return (next, event, !redundant)
    }
}
