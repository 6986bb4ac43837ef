import Foundation
import IntegratorModel
import IntegratorStore
import PostgresNIO

/// Ingest on PostgreSQL: a push and its deliveries in one transaction, and idempotency keys.
extension PostgresStore {
    static var idempotencyWindow: TimeInterval { 24 * 3600 }

    // MARK: Ingest

    public func push(_ record: PushRecord) async throws -> PushOutcome {
        try await perform { db in
            if let key = record.idempotencyKey,
                let row = try await db.rows(
                    "SELECT status, reply FROM idempotency_keys WHERE store_id = ? AND key = ? AND created_at >= ?",
                    [.text(record.storeID), .text(key), .time(record.now.addingTimeInterval(-Self.idempotencyWindow))]
                ).first
            {
                return .replayed(status: try row.int("status"), reply: try row.json("reply") ?? .null)
            }
            for message in record.messages { try await Self.insert(db, message) }
            if let key = record.idempotencyKey {
                try await db.run(
                    """
                    INSERT INTO idempotency_keys (store_id, key, status, reply, created_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (store_id, key) DO UPDATE SET status = excluded.status, reply = excluded.reply, created_at = excluded.created_at
                    """,
                    [.text(record.storeID), .text(key), .int(record.replyStatus), .text(record.reply.jsonString), .time(record.now)]
                )
            }
            return .stored
        }
    }

    public func idempotentReply(storeID: String, key: String, since: Date) async throws -> (status: Int, reply: JSONValue)? {
        guard
            let row = try await client.rows(
                "SELECT status, reply FROM idempotency_keys WHERE store_id = ? AND key = ? AND created_at >= ?",
                [.text(storeID), .text(key), .time(since)]
            ).first
        else { return nil }
        return (try row.int("status"), try row.json("reply") ?? .null)
    }

    public func pruneIdempotencyKeys(before: Date) async throws {
        try await client.run("DELETE FROM idempotency_keys WHERE created_at < ?", [.time(before)])
    }

    /// Writes a message, its identifiers and its deliveries, as the SQLite store does.
    static func insert(_ db: PostgresConnection, _ message: NewMessage) async throws {
        try await db.run(
            """
            INSERT INTO messages (id, store_id, name, payload, origin, parent_message_id, parent_delivery_id, depth, state, note, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'accepted', NULL, ?)
            """,
            [
                .text(message.id), .text(message.storeID), .text(message.name), .text(message.payload.jsonString), .text(message.origin),
                .text(message.parentMessageID), .text(message.parentDeliveryID), .int(message.depth), .time(message.createdAt),
            ]
        )
        for identifier in message.identifiers {
            try await db.run(
                "INSERT INTO message_identifiers (store_id, name, value, message_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [.text(message.storeID), .text(identifier.name), .text(identifier.value), .text(message.id)]
            )
        }
        var notes: [String] = []
        if let copy = message.objectCopy {
            let previous = try await db.rows(
                "SELECT body FROM object_copies WHERE store_id = ? AND type = ? AND identity = ? FOR UPDATE",
                [.text(message.storeID), .text(copy.type), .text(copy.identity)]
            ).first?.json("body")
            try await db.run(
                """
                INSERT INTO object_copies (store_id, type, identity, body, updated_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (store_id, type, identity) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at
                """,
                [.text(message.storeID), .text(copy.type), .text(copy.identity), .text(copy.object.jsonString), .time(message.createdAt)]
            )
            let derived = copy.derive(previous)
            for child in derived { try await insert(db, child) }
            notes.append(StoreNotes.changeNote(copy, derived: derived))
        }
        if let note = message.note { notes.append(note) }
        var written = 0
        for delivery in message.deliveries {
            let inserted = try await db.run(
                """
                INSERT INTO deliveries (id, message_id, store_id, mapping, state, attempts, next_attempt_at, dedup_key, ordering_key,
                created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """,
                [
                    .text(delivery.id), .text(message.id), .text(message.storeID), .text(delivery.mapping),
                    .text(delivery.paused ? "paused" : "pending"), .time(delivery.nextAttemptAt),
                    .text(delivery.dedupKey), .text(delivery.orderingKey), .time(message.createdAt), .time(message.createdAt),
                ]
            )
            if inserted == 1 {
                written += 1
            } else {
                let earlier = try await db.rows(
                    "SELECT message_id FROM deliveries WHERE store_id = ? AND mapping = ? AND dedup_key = ? AND state <> 'archived'",
                    [.text(message.storeID), .text(delivery.mapping), .text(delivery.dedupKey)]
                ).first
                notes.append(
                    StoreNotes.duplicateNote(
                        mapping: delivery.mapping,
                        orderingKey: delivery.orderingKey,
                        earlierMessage: try earlier?.text("message_id") ?? "?"
                    )
                )
            }
        }
        if written == 0 || !notes.isEmpty {
            if written == 0, message.deliveries.isEmpty, message.note == nil { notes.append("no mapping of the store takes '\(message.name)'") }
            let note = notes.joined(separator: "; ")
            try await db.run(
                "UPDATE messages SET state = ?, note = ? WHERE id = ?",
                [.text(written == 0 ? "skipped" : "accepted"), .text(note), .text(message.id)]
            )
        }
    }
}
