import Foundation
import IntegratorModel

/// What a push writes, for both engines: the statements and their values in one order, and the
/// decisions a push makes (what a message's state and note become). Each store runs them inside
/// its own transaction: the SQLite commit thread, a PostgreSQL connection.
public enum IngestSQL {
    /// How long an idempotency key holds: 24 hours.
    public static let idempotencyWindow: TimeInterval = 24 * 3600

    public static let idempotentReply = "SELECT status, reply FROM idempotency_keys WHERE store_id = ? AND key = ? AND created_at >= ?"
    public static let putIdempotencyKey = """
        INSERT INTO idempotency_keys (store_id, key, status, reply, created_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (store_id, key) DO UPDATE SET status = excluded.status, reply = excluded.reply, created_at = excluded.created_at
        """
    public static let pruneIdempotencyKeys = "DELETE FROM idempotency_keys WHERE created_at < ?"

    public static func idempotencyKey(_ record: PushRecord, key: String) -> [SQLValue] {
        [.text(record.storeID), .text(key), .int(record.replyStatus), .text(record.reply.jsonString), .time(record.now)]
    }

    public static let insertMessage = """
        INSERT INTO messages (id, store_id, name, payload, origin, parent_message_id, parent_delivery_id, depth, state, note, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'accepted', NULL, ?)
        """

    /// `payloadText`: the payload already encoded (off the commit path), when it was.
    public static func message(_ message: NewMessage, payloadText: String? = nil) -> [SQLValue] {
        [
            .text(message.id), .text(message.storeID), .text(message.name), .text(payloadText ?? message.storedPayload),
            .text(message.origin.rawValue), .text(message.parentMessageID), .text(message.parentDeliveryID), .int(message.depth),
            .time(message.createdAt),
        ]
    }

    public static let insertIdentifier =
        "INSERT INTO message_identifiers (store_id, name, value, message_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"

    public static func identifier(_ identifier: IdentifierValue, of message: NewMessage) -> [SQLValue] {
        [.text(message.storeID), .text(identifier.name), .text(identifier.value), .text(message.id)]
    }

    /// Change detection's latest copy of an object: store, type, identity. (PostgreSQL adds `FOR UPDATE`.)
    public static let objectCopy = "SELECT body FROM object_copies WHERE store_id = ? AND type = ? AND identity = ?"
    public static let putObjectCopy = """
        INSERT INTO object_copies (store_id, type, identity, body, updated_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (store_id, type, identity) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at
        """

    public static func copyKey(_ copy: ObjectCopy, of message: NewMessage) -> [SQLValue] {
        [.text(message.storeID), .text(copy.type), .text(copy.identity)]
    }

    public static func copy(_ copy: ObjectCopy, of message: NewMessage) -> [SQLValue] {
        copyKey(copy, of: message) + [.text(copy.object.jsonString), .time(message.createdAt)]
    }

    /// A delivery, not written when its identifier values already went to its mapping (the
    /// unique dedup key refuses it).
    public static let insertDelivery = """
        INSERT INTO deliveries (id, message_id, store_id, mapping, state, attempts, next_attempt_at, dedup_key, ordering_key,
        created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
        """

    public static func delivery(_ delivery: NewDelivery, of message: NewMessage) -> [SQLValue] {
        [
            .text(delivery.id), .text(message.id), .text(message.storeID), .text(delivery.mapping),
            .text(delivery.paused ? "paused" : "pending"), .time(delivery.nextAttemptAt), .text(delivery.dedupKey),
            .text(delivery.orderingKey), .time(message.createdAt), .time(message.createdAt),
        ]
    }

    /// The open delivery that took the same identifier values to the mapping first.
    public static let earlierDelivery =
        "SELECT message_id FROM deliveries WHERE store_id = ? AND mapping = ? AND dedup_key = ? AND state <> 'archived'"

    public static func earlierKey(_ delivery: NewDelivery, of message: NewMessage) -> [SQLValue] {
        [.text(message.storeID), .text(delivery.mapping), .text(delivery.dedupKey)]
    }

    public static let setMessageState = "UPDATE messages SET state = ?, note = ? WHERE id = ?"

    /// What a message becomes once its deliveries are written: nothing to change when some
    /// went out and nothing was noted; else `skipped` (none went out) or `accepted`, with the
    /// notes joined, saying so when no mapping takes its name.
    public static func settledState(_ message: NewMessage, written: Int, notes: [String]) -> (state: String, note: String)? {
        guard written == 0 || !notes.isEmpty else { return nil }
        var notes = notes
        if written == 0, message.deliveries.isEmpty, message.note == nil { notes.append("no mapping of the store takes '\(message.name)'") }
        return (written == 0 ? "skipped" : "accepted", notes.joined(separator: "; "))
    }

    /// `setMessageState`'s values for `settledState`, or nil when nothing changes.
    public static func outcome(_ message: NewMessage, written: Int, notes: [String]) -> [SQLValue]? {
        settledState(message, written: written, notes: notes).map { [.text($0.state), .text($0.note), .text(message.id)] }
    }
}
