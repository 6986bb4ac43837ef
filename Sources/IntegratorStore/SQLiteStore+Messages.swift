import Foundation
import GRDB
import IntegratorModel

extension SQLiteStore {
    // MARK: Ingest

    public func push(_ record: PushRecord) async throws -> PushOutcome {
        // Encoded here, not on the commit thread, which every write waits for.
        let payloads = record.messages.map(\.payload.jsonString)
        return try await committer.perform { db in
            if let key = record.idempotencyKey {
                let since = record.now.addingTimeInterval(-Self.idempotencyWindow).timeIntervalSince1970
                if let row = try Row.fetchOne(
                    db, sql: "SELECT status, reply FROM idempotency_keys WHERE store_id = ? AND key = ? AND created_at >= ?",
                    arguments: [record.storeID, key, since])
                {
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
                    arguments: [record.storeID, key, record.replyStatus, record.reply.jsonString, record.now.timeIntervalSince1970])
            }
            return .stored
        }
    }

    /// How long an idempotency key holds: 24 hours.
    static var idempotencyWindow: TimeInterval { 24 * 3600 }

    public func idempotentReply(storeID: String, key: String, since: Date) async throws -> (status: Int, reply: JSONValue)? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT status, reply FROM idempotency_keys WHERE store_id = ? AND key = ? AND created_at >= ?",
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
            ])
        for identifier in message.identifiers {
            try db.cachedExecute(
                sql: "INSERT OR IGNORE INTO message_identifiers (store_id, name, value, message_id) VALUES (?, ?, ?, ?)",
                arguments: [message.storeID, identifier.name, identifier.value, message.id])
        }
        var notes: [String] = []
        if let copy = message.objectCopy {
            let previous = try String.fetchOne(
                db, sql: "SELECT body FROM object_copies WHERE store_id = ? AND type = ? AND identity = ?",
                arguments: [message.storeID, copy.type, copy.identity])
            try db.cachedExecute(
                sql: """
                    INSERT INTO object_copies (store_id, type, identity, body, updated_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(store_id, type, identity) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at
                    """,
                arguments: [message.storeID, copy.type, copy.identity, copy.object.jsonString, created])
            let derived = copy.derive(previous.flatMap { json($0) })
            for child in derived { try insert(db, child) }
            notes.append(Self.changeNote(copy, derived: derived))
        }
        if let note = message.note { notes.append(note) }
        var written = 0
        for delivery in message.deliveries {
            try db.cachedExecute(
                sql: """
                    INSERT OR IGNORE INTO deliveries (id, message_id, store_id, mapping, state, attempts, next_attempt_at, dedup_key, ordering_key, created_at, updated_at)
                    VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    delivery.id, message.id, message.storeID, delivery.mapping, delivery.nextAttemptAt.timeIntervalSince1970, delivery.dedupKey,
                    delivery.orderingKey, created, created,
                ])
            if db.changesCount == 1 {
                written += 1
            } else {
                let earlier = try Row.fetchOne(
                    db, sql: "SELECT id, message_id FROM deliveries WHERE store_id = ? AND mapping = ? AND dedup_key = ? AND state != 'archived'",
                    arguments: [message.storeID, delivery.mapping, delivery.dedupKey])
                let earlierMessage: String = earlier?["message_id"] ?? "?"
                notes.append(Self.duplicateNote(mapping: delivery.mapping, orderingKey: delivery.orderingKey, earlierMessage: earlierMessage))
            }
        }
        if written == 0 || !notes.isEmpty {
            let state = written == 0 ? "skipped" : "accepted"
            if written == 0, message.deliveries.isEmpty, message.note == nil { notes.append("no mapping of the store takes '\(message.name)'") }
            let note = notes.joined(separator: "; ")
            try db.cachedExecute(sql: "UPDATE messages SET state = ?, note = ? WHERE id = ?", arguments: [state, note, message.id])
        }
    }

    /// What change detection made of a copy.
    public static func changeNote(_ copy: ObjectCopy, derived: [NewMessage]) -> String {
        derived.isEmpty
            ? "\(copy.type) \(copy.identity) has not changed since its last copy: nothing to emit"
            : "\(copy.type) \(copy.identity) changed: emitted " + derived.map(\.name).joined(separator: ", ")
    }

    /// Why a delivery was not written: the same message went to the mapping already.
    public static func duplicateNote(mapping: String, orderingKey: String?, earlierMessage: String) -> String {
        "not delivered to mapping '\(mapping)': the same message with the same identifier values (\(orderingKey ?? "")) was already delivered with message \(earlierMessage)"
    }

    /// The SQL condition that holds a delivery back while an earlier one with the same
    /// identifier values, to the same mapping, is unfinished (parked counts: it blocks only
    /// its own identifier values).
    public static let notBlocked = """
        (d.ordering_key IS NULL OR NOT EXISTS (
            SELECT 1 FROM deliveries e WHERE e.store_id = d.store_id AND e.mapping = d.mapping AND e.ordering_key = d.ordering_key
            AND e.seq < d.seq AND e.state IN ('pending', 'running', 'failing', 'scheduled', 'parked')))
        """

    // MARK: Delivery

    public func claim(
        owner: String, now: Date, limit: Int, limits: ClaimLimits, lease: @escaping @Sendable (String, String) -> Double
    ) async throws -> [ClaimedDelivery] {
        // Through the group committer, so a claim shares its fsync with the pushes and reports
        // committed beside it; payloads are parsed after, off the commit thread.
        let rows = try await committer.perform(early: true) { db -> [(ClaimedDelivery, String)] in
            let nowSeconds = now.timeIntervalSince1970
            let exclusion = limits.exclusionSQL
            let sql = """
                SELECT d.id, d.message_id, d.store_id, d.mapping, d.attempts, d.url, d.state, m.name, m.payload, m.depth
                FROM deliveries d JOIN messages m ON m.id = d.message_id
                WHERE d.state IN ('pending', 'failing', 'scheduled', 'running') AND d.next_attempt_at <= ?
                    AND \(Self.notBlocked)\(exclusion.sql)
                ORDER BY d.next_attempt_at, d.seq LIMIT ?
                """
            var arguments: StatementArguments = [nowSeconds]
            _ = arguments.append(contentsOf: StatementArguments(exclusion.arguments))
            _ = arguments.append(contentsOf: [ClaimLimits.candidates(for: limit)])
            let candidates = try Row.fetchAll(
                exclusion.arguments.isEmpty ? db.cachedStatement(sql: sql) : db.makeStatement(sql: sql), arguments: arguments)
            let picked = FairClaim.select(
                candidates.map { MappingKey(storeID: $0["store_id"], mapping: $0["mapping"]) }, limit: limit, room: limits.room)
            let rows = picked.map { candidates[$0] }
            var claimed: [(ClaimedDelivery, String)] = []
            for row in rows {
                let id: String = row["id"]
                let storeID: String = row["store_id"]
                let mapping: String = row["mapping"]
                var attempts: Int = row["attempts"]
                if (row["state"] as String) == "running" {
                    // The worker that held this lease never reported: keep that in the log.
                    attempts += 1
                    try db.cachedExecute(
                        sql:
                            "INSERT INTO attempts (delivery_id, number, started_at, duration, url, status, response, error) VALUES (?, ?, ?, 0, '', NULL, NULL, ?)",
                        arguments: [
                            id, attempts, nowSeconds,
                            "the lease expired before the attempt was reported (the worker or its process stopped); trying again",
                        ])
                }
                let expiry = nowSeconds + lease(storeID, mapping)
                try db.cachedExecute(
                    sql: "UPDATE deliveries SET state = 'running', lease_owner = ?, next_attempt_at = ?, attempts = ?, updated_at = ? WHERE id = ?",
                    arguments: [owner, expiry, attempts, nowSeconds, id])
                claimed.append(
                    (
                        ClaimedDelivery(
                            id: id, messageID: row["message_id"], storeID: storeID, mapping: mapping, attempts: attempts, url: row["url"],
                            messageName: row["name"], payload: .null, depth: row["depth"]), row["payload"]
                    ))
            }
            return claimed
        }
        return rows.map { claimed, payload in
            var claimed = claimed
            claimed.payload = Self.json(payload) ?? .object([:])
            return claimed
        }
    }

    public func record(_ report: AttemptReport) async throws {
        try await committer.perform { db in
            let now = (report.startedAt.addingTimeInterval(report.duration)).timeIntervalSince1970
            let current = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT state, lease_owner, attempts FROM deliveries WHERE id = ?"), arguments: [report.deliveryID])
            let attempts: Int = (current?["attempts"] ?? 0) + 1
            try db.cachedExecute(
                sql: "INSERT INTO attempts (delivery_id, number, started_at, duration, url, status, response, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    report.deliveryID, attempts, report.startedAt.timeIntervalSince1970, report.duration, report.url, report.status, report.response,
                    report.error,
                ])
            let stillOwned = (current?["state"] as String?) == "running" && (current?["lease_owner"] as String?) == report.owner
            if stillOwned {
                let transition = report.transition
                try db.cachedExecute(
                    sql: """
                        UPDATE deliveries SET state = ?, attempts = ?, next_attempt_at = ?, lease_owner = NULL, url = ?,
                            last_error = ?, last_status = ?, result = COALESCE(?, result), updated_at = ?,
                            completed_at = CASE WHEN ? = 'completed' THEN ? ELSE completed_at END
                        WHERE id = ?
                        """,
                    arguments: [
                        transition.state.rawValue, attempts, transition.nextAttemptAt?.timeIntervalSince1970, transition.nextURL,
                        report.error, report.status, report.result.map(\.jsonString), now,
                        transition.state.rawValue, now, report.deliveryID,
                    ])
            } else {
                try db.cachedExecute(
                    sql: "UPDATE deliveries SET attempts = ?, updated_at = ? WHERE id = ?", arguments: [attempts, now, report.deliveryID])
            }
            for child in report.children { try Self.insert(db, child) }
            for parameter in report.parameters {
                try Self.upsertParameter(db, storeID: report.storeID, parameter, at: Date(timeIntervalSince1970: now))
            }
            for notification in report.notifications {
                try Self.insert(db, notification, at: now)
            }
        }
    }

    static func insert(_ db: Database, _ new: NewNotification, at now: Double) throws {
        let n = new.notification
        try db.cachedExecute(
            sql: """
                INSERT OR IGNORE INTO notifications (store_id, message_id, delivery_id, mapping, level, subject, description, extra, reference, occurrences, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
                """,
            arguments: [
                new.storeID, new.messageID, new.deliveryID, new.mapping, n.level.rawValue, n.subject, n.description,
                JSONValue.object(n.extra).jsonString, new.reference, now, now,
            ])
        if db.changesCount == 1 {
            if let message = new.message { try insert(db, message) }
        } else {
            try db.cachedExecute(
                sql:
                    "UPDATE notifications SET occurrences = occurrences + 1, updated_at = ? WHERE message_id = ? AND mapping = ? AND level = ? AND subject = ? AND description = ?",
                arguments: [now, new.messageID, new.mapping, n.level.rawValue, n.subject, n.description])
        }
    }

    public func nextDueTime() async throws -> Date? {
        try await pool.read { db in
            try Double.fetchOne(db, sql: "SELECT MIN(next_attempt_at) FROM deliveries WHERE state IN ('pending', 'failing', 'scheduled', 'running')")
                .map { Date(timeIntervalSince1970: $0) }
        }
    }

    // MARK: Operators

    public func messages(_ query: MessageQuery) async throws -> Page<MessageRecord> {
        try await pool.read { db in
            var clauses = ["m.store_id = ?"]
            var arguments: StatementArguments = [query.storeID]
            if let name = query.message {
                clauses.append("m.name = ?")
                _ = arguments.append(contentsOf: [MessageName.normalised(name)])
            }
            switch query.state {
            case nil: break
            case "skipped"?, "accepted"?:
                clauses.append("m.state = ?")
                _ = arguments.append(contentsOf: [query.state])
            case let state?:
                var sub = "SELECT 1 FROM deliveries d WHERE d.message_id = m.id AND d.state = ?"
                _ = arguments.append(contentsOf: [state])
                if let mapping = query.mapping {
                    sub += " AND d.mapping = ?"
                    _ = arguments.append(contentsOf: [mapping])
                }
                clauses.append(state == "archived" ? "(m.state = 'archived' OR EXISTS (\(sub)))" : "EXISTS (\(sub))")
            }
            if let mapping = query.mapping, query.state == nil || query.state == "skipped" || query.state == "accepted" {
                clauses.append("EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = m.id AND d.mapping = ?)")
                _ = arguments.append(contentsOf: [mapping])
            }
            if let identifier = query.identifier {
                clauses.append("m.id IN (SELECT message_id FROM message_identifiers WHERE store_id = ? AND name = ? AND value = ?)")
                _ = arguments.append(contentsOf: [query.storeID, identifier.name, identifier.value])
            }
            if let since = query.since {
                clauses.append("m.created_at >= ?")
                _ = arguments.append(contentsOf: [since.timeIntervalSince1970])
            }
            if let until = query.until {
                clauses.append("m.created_at < ?")
                _ = arguments.append(contentsOf: [until.timeIntervalSince1970])
            }
            let whereSQL = clauses.joined(separator: " AND ")
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM messages m WHERE \(whereSQL)", arguments: arguments) ?? 0
            var pageArguments = arguments
            _ = pageArguments.append(contentsOf: [query.perPage, (query.page - 1) * query.perPage])
            let rows = try Row.fetchAll(
                db, sql: "SELECT m.* FROM messages m WHERE \(whereSQL) ORDER BY m.seq DESC LIMIT ? OFFSET ?", arguments: pageArguments)
            var messages = rows.map(Self.message)
            let deliveries = try Self.deliveries(db, messageIDs: messages.map(\.id), withAttempts: false)
            for index in messages.indices { messages[index].deliveries = deliveries[messages[index].id] ?? [] }
            return Page(items: messages, count: count, page: query.page, perPage: query.perPage)
        }
    }

    public func message(storeID: String, id: String) async throws -> MessageDetail? {
        try await pool.read { db in
            var row = try Row.fetchOne(db, sql: "SELECT * FROM messages WHERE store_id = ? AND id = ?", arguments: [storeID, id])
            if row == nil {
                row = try Row.fetchOne(
                    db, sql: "SELECT m.* FROM messages m JOIN deliveries d ON d.message_id = m.id WHERE m.store_id = ? AND d.id = ?",
                    arguments: [storeID, id])
            }
            guard let row else { return nil }
            var message = Self.message(row)
            message.deliveries = try Self.deliveries(db, messageIDs: [message.id], withAttempts: true)[message.id] ?? []
            message.identifiers = try Row.fetchAll(
                db, sql: "SELECT name, value FROM message_identifiers WHERE message_id = ? ORDER BY name", arguments: [message.id]
            )
            .map { IdentifierValue(name: $0["name"], value: $0["value"]) }
            var children = try Row.fetchAll(db, sql: "SELECT * FROM messages WHERE parent_message_id = ? ORDER BY seq", arguments: [message.id]).map(
                Self.message)
            let childDeliveries = try Self.deliveries(db, messageIDs: children.map(\.id), withAttempts: false)
            for index in children.indices { children[index].deliveries = childDeliveries[children[index].id] ?? [] }
            let notifications = try Row.fetchAll(db, sql: "SELECT * FROM notifications WHERE message_id = ? ORDER BY id", arguments: [message.id])
                .map(Self.notification)
            return MessageDetail(message: message, children: children, notifications: notifications)
        }
    }

    public func attemptNow(storeID: String, id: String, now: Date) async throws -> Int {
        try await pool.write { db in
            try db.cachedExecute(
                sql: """
                    UPDATE deliveries SET state = CASE WHEN state = 'parked' THEN 'pending' ELSE state END, next_attempt_at = ?, updated_at = ?
                    WHERE store_id = ? AND (message_id = ? OR id = ?) AND state IN ('pending', 'failing', 'scheduled', 'parked')
                    """,
                arguments: [now.timeIntervalSince1970, now.timeIntervalSince1970, storeID, id, id])
            return db.changesCount
        }
    }

    public func archive(storeID: String, id: String, now: Date) async throws -> Int {
        try await pool.write { db in try Self.archive(db, storeID: storeID, id: id, now: now) }
    }

    static func archive(_ db: Database, storeID: String, id: String, now: Date) throws -> Int {
        try db.cachedExecute(
            sql: """
                UPDATE deliveries SET state = 'archived', next_attempt_at = NULL, lease_owner = NULL, updated_at = ?
                WHERE store_id = ? AND (message_id = ? OR id = ?) AND state NOT IN ('completed', 'archived')
                """,
            arguments: [now.timeIntervalSince1970, storeID, id, id])
        let count = db.changesCount
        try db.cachedExecute(
            sql: "UPDATE messages SET state = 'archived' WHERE store_id = ? AND id = ? AND state = 'accepted'", arguments: [storeID, id])
        return count
    }

    public func resend(storeID: String, originalID: String, copy: NewMessage, now: Date) async throws {
        try await committer.perform { db in
            _ = try Self.archive(db, storeID: storeID, id: originalID, now: now)
            try Self.insert(db, copy)
        }
    }

    public func recover(storeID: String, since: Date, now: Date) async throws -> Int {
        try await pool.write { db in
            try db.cachedExecute(
                sql: """
                    UPDATE deliveries SET state = CASE WHEN state = 'parked' THEN 'pending' ELSE state END, next_attempt_at = ?, updated_at = ?
                    WHERE store_id = ? AND state IN ('parked', 'failing') AND created_at >= ?
                    """,
                arguments: [now.timeIntervalSince1970, now.timeIntervalSince1970, storeID, since.timeIntervalSince1970])
            return db.changesCount
        }
    }

    public func queueCounts(storeID: String) async throws -> [String: Int] {
        try await pool.read { db in
            var counts: [String: Int] = [:]
            for state in DeliveryState.allCases { counts[state.rawValue] = 0 }
            for row in try Row.fetchAll(
                db, sql: "SELECT state, COUNT(*) AS n FROM deliveries WHERE store_id = ? GROUP BY state", arguments: [storeID])
            {
                counts[row["state"]] = row["n"]
            }
            counts["incoming"] = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM messages WHERE store_id = ?", arguments: [storeID]) ?? 0
            counts["skipped"] =
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM messages WHERE store_id = ? AND state = 'skipped'", arguments: [storeID]) ?? 0
            return counts
        }
    }

    public func activity(storeID: String, since: Date, slot: Double, slots: Int) async throws -> [ActivitySlot] {
        try await pool.read { db in
            let start = since.timeIntervalSince1970
            let end = start + slot * Double(slots)
            func counts(_ sql: String) throws -> [Int: Int] {
                var result: [Int: Int] = [:]
                for row in try Row.fetchAll(db, sql: sql, arguments: [start, slot, storeID, start, end]) { result[row["b"]] = row["n"] }
                return result
            }
            let received = try counts(
                """
                SELECT CAST((created_at - ?) / ? AS INTEGER) AS b, COUNT(*) AS n FROM messages
                WHERE store_id = ? AND created_at >= ? AND created_at < ? GROUP BY b
                """)
            let failed = try counts(
                """
                SELECT CAST((a.started_at - ?) / ? AS INTEGER) AS b, COUNT(*) AS n FROM attempts a JOIN deliveries d ON d.id = a.delivery_id
                WHERE d.store_id = ? AND a.started_at >= ? AND a.started_at < ? AND a.error IS NOT NULL GROUP BY b
                """)
            return ActivitySlot.fill(since: since, slot: slot, slots: slots, received: received, failed: failed)
        }
    }

    public func notifications(storeID: String, level: String?, reference: String?, page: Int, perPage: Int) async throws -> Page<NotificationRecord> {
        try await pool.read { db in
            var clauses = ["n.store_id = ?"]
            var arguments: StatementArguments = [storeID]
            if let level {
                clauses.append("n.level = ?")
                _ = arguments.append(contentsOf: [level])
            }
            if let reference {
                clauses.append("(n.reference = ? OR n.message_id IN (SELECT message_id FROM message_identifiers WHERE store_id = ? AND value = ?))")
                _ = arguments.append(contentsOf: [reference, storeID, reference])
            }
            let whereSQL = clauses.joined(separator: " AND ")
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notifications n WHERE \(whereSQL)", arguments: arguments) ?? 0
            var pageArguments = arguments
            _ = pageArguments.append(contentsOf: [perPage, (page - 1) * perPage])
            let items = try Row.fetchAll(
                db, sql: "SELECT n.* FROM notifications n WHERE \(whereSQL) ORDER BY n.updated_at DESC, n.id DESC LIMIT ? OFFSET ?",
                arguments: pageArguments
            )
            .map(Self.notification)
            return Page(items: items, count: count, page: page, perPage: perPage)
        }
    }

    // MARK: Row decoding

    static func message(_ row: Row) -> MessageRecord {
        MessageRecord(
            id: row["id"], storeID: row["store_id"], name: row["name"], payload: json(row["payload"]) ?? .object([:]), origin: row["origin"],
            parentMessageID: row["parent_message_id"], parentDeliveryID: row["parent_delivery_id"], depth: row["depth"], state: row["state"],
            note: row["note"], createdAt: Date(timeIntervalSince1970: row["created_at"]))
    }

    static func notification(_ row: Row) -> NotificationRecord {
        NotificationRecord(
            id: row["id"], storeID: row["store_id"], messageID: row["message_id"], deliveryID: row["delivery_id"], mapping: row["mapping"],
            level: row["level"], subject: row["subject"], description: row["description"], extra: json(row["extra"]) ?? .object([:]),
            reference: row["reference"], occurrences: row["occurrences"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
            updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
    }

    static func deliveries(_ db: Database, messageIDs: [String], withAttempts: Bool) throws -> [String: [DeliveryRecord]] {
        guard !messageIDs.isEmpty else { return [:] }
        let marks = Array(repeating: "?", count: messageIDs.count).joined(separator: ",")
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT d.*, (SELECT e.id FROM deliveries e WHERE d.ordering_key IS NOT NULL AND d.state IN ('pending', 'failing', 'scheduled')
                    AND e.store_id = d.store_id AND e.mapping = d.mapping AND e.ordering_key = d.ordering_key AND e.seq < d.seq
                    AND e.state IN ('pending', 'running', 'failing', 'scheduled', 'parked') ORDER BY e.seq LIMIT 1) AS waiting_for
                FROM deliveries d WHERE d.message_id IN (\(marks)) ORDER BY d.seq
                """,
            arguments: StatementArguments(messageIDs))
        var attempts: [String: [AttemptRecord]] = [:]
        if withAttempts {
            let ids = rows.map { $0["id"] as String }
            if !ids.isEmpty {
                let attemptMarks = Array(repeating: "?", count: ids.count).joined(separator: ",")
                for row in try Row.fetchAll(
                    db, sql: "SELECT * FROM attempts WHERE delivery_id IN (\(attemptMarks)) ORDER BY id", arguments: StatementArguments(ids))
                {
                    attempts[row["delivery_id"], default: []].append(
                        AttemptRecord(
                            number: row["number"], startedAt: Date(timeIntervalSince1970: row["started_at"]), duration: row["duration"],
                            url: row["url"],
                            status: row["status"], response: row["response"], error: row["error"]))
                }
            }
        }
        var result: [String: [DeliveryRecord]] = [:]
        for row in rows {
            let id: String = row["id"]
            let record = DeliveryRecord(
                id: id, messageID: row["message_id"], mapping: row["mapping"], state: DeliveryState(rawValue: row["state"]) ?? .pending,
                attempts: row["attempts"], nextAttemptAt: date(row["next_attempt_at"]), url: row["url"], lastError: row["last_error"],
                lastStatus: row["last_status"], result: json(row["result"]), createdAt: Date(timeIntervalSince1970: row["created_at"]),
                updatedAt: Date(timeIntervalSince1970: row["updated_at"]), completedAt: date(row["completed_at"]), attemptLog: attempts[id] ?? [],
                orderingKey: row["ordering_key"], waitingFor: row["waiting_for"])
            result[row["message_id"], default: []].append(record)
        }
        return result
    }
}
