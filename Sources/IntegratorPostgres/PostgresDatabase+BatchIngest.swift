import Foundation
import IntegratorModel
import IntegratorStore
import PostgresNIO

/// A plain push's message with its payload already encoded (in the request's own task, not
/// in the commit every request waits for).
struct EncodedMessage: Sendable {
    let message: NewMessage
    let payload: String
}

/// Many pushes written by one statement: each table's rows of a whole group commit go in one
/// `INSERT … SELECT FROM unnest(…)`, the three inserts joined in one statement by `WITH`,
/// whatever the number of pushes.
///
/// Why: the group committer writes on one connection, one statement at a time, so a push
/// written statement by statement costs five to seven round trips to the server inside the
/// commit every other push waits for; a thousand pushes a second was the ceiling. A batch of
/// plain pushes costs `BEGIN`, this statement and `COMMIT` (and one `UPDATE` when some went
/// nowhere or were duplicates), for one push or for two hundred. Only plain pushes go this way
/// (no idempotency key, no change detection: those read before they write); the rest, and a
/// batch that fails (one bad row fails the statement), are written one job at a time, each in
/// its own savepoint, so one bad push still fails alone.
extension PostgresDatabase {
    /// Messages, identifiers and deliveries; the rows come in order, so sequence numbers follow
    /// the batch's order. The inserts need not see each other's rows (no table refers to
    /// another). Deliveries refused by their dedup key are left out (`ON CONFLICT DO NOTHING`,
    /// which also holds between two rows of the statement: the first wins, as one at a time);
    /// the written ones' ids come back, and their workers are woken (`pg_notify`, evaluated once).
    static let insertBatch = """
        WITH m AS (
            INSERT INTO messages (id, store_id, name, payload, origin, parent_message_id, parent_delivery_id, depth, state, note, created_at)
            SELECT id, store_id, name, payload, origin, parent_message_id, parent_delivery_id, depth, 'accepted', NULL, created_at
            FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::int8[], ?::float8[])
                AS m(id, store_id, name, payload, origin, parent_message_id, parent_delivery_id, depth, created_at)
        ), i AS (
            INSERT INTO message_identifiers (store_id, name, value, message_id)
            SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[]) ON CONFLICT DO NOTHING
        ), d AS (
            INSERT INTO deliveries (id, message_id, store_id, mapping, state, attempts, next_attempt_at, dedup_key, ordering_key,
                created_at, updated_at)
            SELECT id, message_id, store_id, mapping, state, 0, next_attempt_at, dedup_key, ordering_key, created_at, created_at
            FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::float8[], ?::text[], ?::text[], ?::float8[])
                AS d(id, message_id, store_id, mapping, state, next_attempt_at, dedup_key, ordering_key, created_at)
            ON CONFLICT DO NOTHING RETURNING id
        )
        SELECT id, (SELECT pg_notify(?, 'work')) AS woken FROM d
        """
    static let setMessageStates = """
        UPDATE messages SET state = u.state, note = u.note FROM unnest(?::text[], ?::text[], ?::text[]) AS u(id, state, note)
        WHERE messages.id = u.id
        """

    /// Writes `messages` with their identifiers and deliveries, and sets the state of those that
    /// went nowhere or carry a note, as `insert` does for one.
    static func insertMany(_ db: PostgresConnection, _ messages: [EncodedMessage]) async throws {
        guard !messages.isEmpty else { return }
        let identifiers = messages.flatMap { encoded in encoded.message.identifiers.map { (encoded.message, $0) } }
        let deliveries = messages.flatMap { encoded in encoded.message.deliveries.map { (encoded.message, $0) } }
        let identifierColumns: [Bind] = [
            .texts(identifiers.map { $0.0.storeID }), .texts(identifiers.map { $0.1.name }), .texts(identifiers.map { $0.1.value }),
            .texts(identifiers.map { $0.0.id }),
        ]
        let statement = InsertBatch(
            binds: messageColumns(messages) + identifierColumns + deliveryColumns(deliveries) + [.text(PostgresDatabase.channel)]
        )
        var written: Set<String> = []
        for try await id in try await db.execute(statement, logger: quiet) { written.insert(id) }
        var updates: [(id: String, state: String, note: String)] = []
        for encoded in messages {
            let message = encoded.message
            var notes: [String] = message.note.map { [$0] } ?? []
            var count = 0
            for delivery in message.deliveries {
                if written.contains(delivery.id) {
                    count += 1
                    continue
                }
                let earlier = try await db.rows(IngestSQL.earlierDelivery, values: IngestSQL.earlierKey(delivery, of: message)).first
                let earlierMessage = try earlier?.text("message_id") ?? "?"
                notes.append(StoreNotes.duplicateNote(mapping: delivery.mapping, orderingKey: delivery.orderingKey, earlierMessage: earlierMessage))
            }
            if let settled = IngestSQL.settledState(message, written: count, notes: notes) {
                updates.append((message.id, settled.state, settled.note))
            }
        }
        if !updates.isEmpty {
            try await db.run(setMessageStates, [.texts(updates.map(\.id)), .texts(updates.map(\.state)), .texts(updates.map(\.note))])
        }
    }

    private static func messageColumns(_ messages: [EncodedMessage]) -> [Bind] {
        [
            .texts(messages.map(\.message.id)), .texts(messages.map(\.message.storeID)), .texts(messages.map(\.message.name)),
            .texts(messages.map(\.payload)), .texts(messages.map(\.message.origin.rawValue)), .texts(messages.map(\.message.parentMessageID)),
            .texts(messages.map(\.message.parentDeliveryID)), .ints(messages.map(\.message.depth)),
            .reals(messages.map(\.message.createdAt.timeIntervalSince1970)),
        ]
    }

    private static func deliveryColumns(_ deliveries: [(NewMessage, NewDelivery)]) -> [Bind] {
        [
            .texts(deliveries.map { $0.1.id }), .texts(deliveries.map { $0.0.id }), .texts(deliveries.map { $0.0.storeID }),
            .texts(deliveries.map { $0.1.mapping }), .texts(deliveries.map { $0.1.paused ? "paused" : "pending" }),
            .reals(deliveries.map { $0.1.nextAttemptAt.timeIntervalSince1970 }), .texts(deliveries.map { $0.1.dedupKey }),
            .texts(deliveries.map { $0.1.orderingKey }), .reals(deliveries.map { $0.0.createdAt.timeIntervalSince1970 }),
        ]
    }
}

/// `insertBatch` as a prepared statement: each connection parses and plans it once, not at
/// every group commit (its three inserts over 23 arrays were a tenth of PostgreSQL's CPU in
/// row 10). A prepared statement lives on its connection, so a pooler that hands one session's
/// statements to another connection (PgBouncer's transaction mode) would need its own setting.
struct InsertBatch: PostgresPreparedStatement {
    static let name = "integrator_insert_batch"
    static let sql = PostgresQuery.numbered(PostgresDatabase.insertBatch).sql
    typealias Row = String

    let binds: [Bind]

    func makeBindings() throws -> PostgresBindings { PostgresQuery.bindings(binds) }

    /// The written delivery's id, the first of the row's two columns.
    func decodeRow(_ row: PostgresRow) throws -> String {
        try row.makeRandomAccess()["id"].decode(String.self)
    }
}
