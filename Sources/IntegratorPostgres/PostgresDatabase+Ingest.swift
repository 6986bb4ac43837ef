import Foundation
import IntegratorModel
import IntegratorStore
import PostgresNIO

/// Ingest on PostgreSQL: a push and its deliveries in one transaction, and idempotency keys.
extension PostgresDatabase {
    // MARK: Ingest

    public func push(_ record: PushRecord) async throws -> PushOutcome {
        if record.idempotencyKey == nil, record.messages.allSatisfy({ $0.objectCopy == nil }) {
            let encoded = record.messages.map { EncodedMessage(message: $0, payload: $0.storedPayload) }
            try await committer.submit(PostgresJob(.push(encoded)))
            return .stored
        }
        return try await perform { db in
            if let key = record.idempotencyKey,
                let row = try await db.rows(
                    IngestSQL.idempotentReply,
                    [.text(record.storeID), .text(key), .time(record.now.addingTimeInterval(-IngestSQL.idempotencyWindow))]
                ).first
            {
                return .replayed(status: try row.int("status"), reply: try row.json("reply") ?? .null)
            }
            for message in record.messages { try await Self.insert(db, message) }
            if let key = record.idempotencyKey { try await db.run(IngestSQL.putIdempotencyKey, values: IngestSQL.idempotencyKey(record, key: key)) }
            return .stored
        }
    }

    public func idempotentReply(storeID: String, key: String, since: Date) async throws -> (status: Int, reply: JSONValue)? {
        guard let row = try await client.rows(IngestSQL.idempotentReply, [.text(storeID), .text(key), .time(since)]).first else { return nil }
        return (try row.int("status"), try row.json("reply") ?? .null)
    }

    public func pruneIdempotencyKeys(before: Date) async throws {
        try await client.run(IngestSQL.pruneIdempotencyKeys, [.time(before)])
    }

    /// Writes a message, its identifiers and its deliveries, as the SQLite store does.
    static func insert(_ db: PostgresConnection, _ message: NewMessage, payloadText: String? = nil) async throws {
        try await db.run(IngestSQL.insertMessage, values: IngestSQL.message(message, payloadText: payloadText))
        for identifier in message.identifiers { try await db.run(IngestSQL.insertIdentifier, values: IngestSQL.identifier(identifier, of: message)) }
        var notes: [String] = []
        if let copy = message.objectCopy {
            let previous = try await db.rows(IngestSQL.objectCopy + " FOR UPDATE", values: IngestSQL.copyKey(copy, of: message)).first?.json("body")
            try await db.run(IngestSQL.putObjectCopy, values: IngestSQL.copy(copy, of: message))
            let derived = copy.derive(previous)
            for child in derived { try await insert(db, child) }
            notes.append(StoreNotes.changeNote(copy, derived: derived))
        }
        if let note = message.note { notes.append(note) }
        var written = 0
        for delivery in message.deliveries {
            if try await db.run(IngestSQL.insertDelivery, values: IngestSQL.delivery(delivery, of: message)) == 1 {
                written += 1
                continue
            }
            let earlier = try await db.rows(IngestSQL.earlierDelivery, values: IngestSQL.earlierKey(delivery, of: message)).first
            let earlierMessage = try earlier?.text("message_id") ?? "?"
            notes.append(StoreNotes.duplicateNote(mapping: delivery.mapping, orderingKey: delivery.orderingKey, earlierMessage: earlierMessage))
        }
        if let outcome = IngestSQL.outcome(message, written: written, notes: notes) { try await db.run(IngestSQL.setMessageState, values: outcome) }
    }
}
