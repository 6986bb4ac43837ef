import Foundation
import GRDB
import IntegratorModel

/// Ingest on SQLite: a push and its deliveries in one transaction, idempotency keys, and the notes
/// that say why a message went nowhere.
extension SQLiteStore {
    // MARK: Ingest

    public func push(_ record: PushRecord) async throws -> PushOutcome {
        // Encoded here, not on the commit thread, which every write waits for.
        let payloads = record.messages.map(\.payload.jsonString)
        return try await committer.perform { db in
            if let key = record.idempotencyKey {
                let since = record.now.addingTimeInterval(-Self.idempotencyWindow).timeIntervalSince1970
                if let row = try Row.fetchOne(
                    db,
                    sql: "SELECT status, reply FROM idempotency_keys WHERE store_id = ? AND key = ? AND created_at >= ?",
                    arguments: [record.storeID, key, since]
                ) {
                    return .replayed(status: row["status"], reply: Self.json(row["reply"]) ?? .null)
                }
            }
            for (message, payload) in zip(record.messages, payloads) { try Self.insert(db, message, payloadText: payload) }
            if let key = record.idempotencyKey {
                try db.cachedExecute(
                    sql: """
                        INSERT INTO idempotency_keys (store_id, key, status, reply, created_at) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT(store_id, key) DO UPDATE SET status = excluded.status, reply = excluded.reply, created_at = excluded.created_at
                        """,
                    arguments: [record.storeID, key, record.replyStatus, record.reply.jsonString, record.now.timeIntervalSince1970]
                )
            }
            return .stored
        }
    }

    /// How long an idempotency key holds: 24 hours.
    static var idempotencyWindow: TimeInterval { 24 * 3600 }

    public func idempotentReply(storeID: String, key: String, since: Date) async throws -> (status: Int, reply: JSONValue)? {
        try await pool.read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT status, reply FROM idempotency_keys WHERE store_id = ? AND key = ? AND created_at >= ?",
                arguments: [storeID, key, since.timeIntervalSince1970]
            ).map { (status: $0["status"] as Int, reply: Self.json($0["reply"]) ?? .null) }
        }
    }

    public func pruneIdempotencyKeys(before: Date) async throws {
        try await pool.write { db in
            try db.cachedExecute(sql: "DELETE FROM idempotency_keys WHERE created_at < ?", arguments: [before.timeIntervalSince1970])
        }
    }

    /// Writes a message, its identifiers and its deliveries. A delivery whose identifier values
    /// were already delivered to its mapping is not written; the message notes why, and is
    /// archived as skipped when nothing is left to deliver.
    static func insert(_ db: Database, _ message: NewMessage, payloadText: String? = nil) throws {
        let created = message.createdAt.timeIntervalSince1970
        try db.cachedExecute(
            sql: """
                INSERT INTO messages (id, store_id, name, payload, origin, parent_message_id, parent_delivery_id, depth, state, note, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'accepted', NULL, ?)
                """,
            arguments: [
                message.id, message.storeID, message.name, payloadText ?? message.payload.jsonString, message.origin, message.parentMessageID,
                message.parentDeliveryID, message.depth, created,
            ]
        )
        for identifier in message.identifiers {
            try db.cachedExecute(
                sql: "INSERT OR IGNORE INTO message_identifiers (store_id, name, value, message_id) VALUES (?, ?, ?, ?)",
                arguments: [message.storeID, identifier.name, identifier.value, message.id]
            )
        }
        var notes: [String] = []
        if let copy = message.objectCopy {
            let previous = try String.fetchOne(
                db,
                sql: "SELECT body FROM object_copies WHERE store_id = ? AND type = ? AND identity = ?",
                arguments: [message.storeID, copy.type, copy.identity]
            )
            try db.cachedExecute(
                sql: """
                    INSERT INTO object_copies (store_id, type, identity, body, updated_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(store_id, type, identity) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at
                    """,
                arguments: [message.storeID, copy.type, copy.identity, copy.object.jsonString, created]
            )
            let derived = copy.derive(previous.flatMap { json($0) })
            for child in derived { try insert(db, child) }
            notes.append(StoreNotes.changeNote(copy, derived: derived))
        }
        if let note = message.note { notes.append(note) }
        var written = 0
        for delivery in message.deliveries {
            try db.cachedExecute(
                sql: """
                    INSERT OR IGNORE INTO deliveries (id, message_id, store_id, mapping, state, attempts, next_attempt_at, dedup_key,
                    ordering_key, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    delivery.id, message.id, message.storeID, delivery.mapping, delivery.paused ? "paused" : "pending",
                    delivery.nextAttemptAt.timeIntervalSince1970, delivery.dedupKey,
                    delivery.orderingKey, created, created,
                ]
            )
            if db.changesCount == 1 {
                written += 1
            } else {
                let earlier = try Row.fetchOne(
                    db,
                    sql: "SELECT id, message_id FROM deliveries WHERE store_id = ? AND mapping = ? AND dedup_key = ? AND state != 'archived'",
                    arguments: [message.storeID, delivery.mapping, delivery.dedupKey]
                )
                let earlierMessage: String = earlier?["message_id"] ?? "?"
                notes.append(StoreNotes.duplicateNote(mapping: delivery.mapping, orderingKey: delivery.orderingKey, earlierMessage: earlierMessage))
            }
        }
        if written == 0 || !notes.isEmpty {
            let state = written == 0 ? "skipped" : "accepted"
            if written == 0, message.deliveries.isEmpty, message.note == nil { notes.append("no mapping of the store takes '\(message.name)'") }
            let note = notes.joined(separator: "; ")
            try db.cachedExecute(sql: "UPDATE messages SET state = ?, note = ? WHERE id = ?", arguments: [state, note, message.id])
        }
    }
}
