import Foundation
import IntegratorModel

/// What operators do to messages and what the dashboard counts: attempt now, archive, recover,
/// the queue counts and the activity chart, written once for both engines. Only the whole-number
/// bucket of the activity chart is spelled per engine.
public enum OperatorSQL {
    /// Makes a message's (or one delivery's) open deliveries due now, parked ones pending
    /// again: now, now, store, id, id.
    public static let attemptNow = """
        UPDATE deliveries SET state = CASE WHEN state = 'parked' THEN 'pending' ELSE state END, next_attempt_at = ?, updated_at = ?
        WHERE store_id = ? AND (message_id = ? OR id = ?) AND state IN ('pending', 'failing', 'scheduled', 'parked')
        """

    /// Puts a message's (or one delivery's) unfinished deliveries away: now, store, id, id.
    public static let archiveDeliveries = """
        UPDATE deliveries SET state = 'archived', next_attempt_at = NULL, lease_owner = NULL, updated_at = ?
        WHERE store_id = ? AND (message_id = ? OR id = ?) AND state NOT IN ('completed', 'archived')
        """
    /// An accepted message that is archived: store, id.
    public static let archiveMessage = "UPDATE messages SET state = 'archived' WHERE store_id = ? AND id = ? AND state = 'accepted'"

    /// Every parked or failing delivery since a time, due now: now, now, store, since.
    public static let recover = """
        UPDATE deliveries SET state = CASE WHEN state = 'parked' THEN 'pending' ELSE state END, next_attempt_at = ?, updated_at = ?
        WHERE store_id = ? AND state IN ('parked', 'failing') AND created_at >= ?
        """

    public static let deliveriesByState = "SELECT state, COUNT(*) AS n FROM deliveries WHERE store_id = ? GROUP BY state"
    public static let incoming = "SELECT COUNT(*) AS n FROM messages WHERE store_id = ?"
    public static let skipped = "SELECT COUNT(*) AS n FROM messages WHERE store_id = ? AND state = 'skipped'"

    /// The queue counts as the API shows them: every delivery state (0 when none), `incoming`
    /// (every message) and `skipped`.
    public static func queueCounts(byState: [(state: String, count: Int)], incoming: Int, skipped: Int) -> [String: Int] {
        var counts: [String: Int] = [:]
        for state in DeliveryState.allCases { counts[state.rawValue] = 0 }
        for (state, count) in byState { counts[state] = count }
        counts["incoming"] = incoming
        counts["skipped"] = skipped
        return counts
    }

    /// Messages received per slot: start, slot, store, start, end. `bucket` writes the engine's
    /// whole number of a `(time - ?) / ?` expression.
    public static func received(bucket: (String) -> String) -> String {
        """
        SELECT \(bucket("(created_at - ?) / ?")) AS b, COUNT(*) AS n FROM messages
        WHERE store_id = ? AND created_at >= ? AND created_at < ? GROUP BY b
        """
    }

    /// Failed attempts per slot: start, slot, store, start, end.
    public static func failed(bucket: (String) -> String) -> String {
        """
        SELECT \(bucket("(a.started_at - ?) / ?")) AS b, COUNT(*) AS n FROM attempts a JOIN deliveries d ON d.id = a.delivery_id
        WHERE d.store_id = ? AND a.started_at >= ? AND a.started_at < ? AND a.error IS NOT NULL GROUP BY b
        """
    }
}
