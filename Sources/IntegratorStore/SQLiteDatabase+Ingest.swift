import Foundation
import GRDB
import IntegratorModel

/// Ingest on SQLite: a push and its deliveries in one transaction, idempotency keys, and the notes
/// that say why a message went nowhere.
extension SQLiteDatabase {
    // MARK: Ingest

    public func push(_ record: PushRecord) async throws -> PushOutcome {
        // Encoded here, not on the commit thread, which every write waits for.
        let payloads = record.messages.map(\.storedPayload)
        return try await committer.perform { db in
            if let key = record.idempotencyKey {
                let since = record.now.addingTimeInterval(-IngestSQL.idempotencyWindow).timeIntervalSince1970
                if let row = try Row.fetchOne(db, sql: IngestSQL.idempotentReply, arguments: [record.storeID, key, since]) {
                    return .replayed(status: try row.int("status"), reply: try row.json("reply") ?? .null)
                }
            }
            for (message, payload) in zip(record.messages, payloads) { try Self.insert(db, message, payloadText: payload) }
            if let key = record.idempotencyKey {
                try db.cachedExecute(sql: IngestSQL.putIdempotencyKey, values: IngestSQL.idempotencyKey(record, key: key))
            }
            return .stored
        }
    }

    public func idempotentReply(storeID: String, key: String, since: Date) async throws -> (status: Int, reply: JSONValue)? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: IngestSQL.idempotentReply, arguments: [storeID, key, since.timeIntervalSince1970]).map {
                (status: try $0.int("status"), reply: try $0.json("reply") ?? .null)
            }
        }
    }

    public func pruneIdempotencyKeys(before: Date) async throws {
        try await pool.write { db in try db.cachedExecute(sql: IngestSQL.pruneIdempotencyKeys, arguments: [before.timeIntervalSince1970]) }
    }

    /// Writes a message, its identifiers and its deliveries. A delivery whose identifier values
    /// were already delivered to its mapping is not written; the message notes why, and is
    /// archived as skipped when nothing is left to deliver.
    static func insert(_ db: Database, _ message: NewMessage, payloadText: String? = nil) throws {
        try db.cachedExecute(sql: IngestSQL.insertMessage, values: IngestSQL.message(message, payloadText: payloadText))
        for identifier in message.identifiers {
            try db.cachedExecute(sql: IngestSQL.insertIdentifier, values: IngestSQL.identifier(identifier, of: message))
        }
        var notes: [String] = []
        if let copy = message.objectCopy {
            let previous = try String.fetchOne(db, sql: IngestSQL.objectCopy, arguments: StatementArguments(IngestSQL.copyKey(copy, of: message)))
            try db.cachedExecute(sql: IngestSQL.putObjectCopy, values: IngestSQL.copy(copy, of: message))
            let derived = copy.derive(StoredJSON.read(previous))
            for child in derived { try insert(db, child) }
            notes.append(StoreNotes.changeNote(copy, derived: derived))
        }
        if let note = message.note { notes.append(note) }
        var written = 0
        for delivery in message.deliveries {
            try db.cachedExecute(sql: IngestSQL.insertDelivery, values: IngestSQL.delivery(delivery, of: message))
            if db.changesCount == 1 {
                written += 1
                continue
            }
            let earlierKey = StatementArguments(IngestSQL.earlierKey(delivery, of: message))
            let earlier = try String.fetchOne(db, sql: IngestSQL.earlierDelivery, arguments: earlierKey) ?? "?"
            notes.append(StoreNotes.duplicateNote(mapping: delivery.mapping, orderingKey: delivery.orderingKey, earlierMessage: earlier))
        }
        if let outcome = IngestSQL.outcome(message, written: written, notes: notes) {
            try db.cachedExecute(sql: IngestSQL.setMessageState, values: outcome)
        }
    }
}
