import Foundation
import GRDB
import IntegratorModel

/// What operators read and do on SQLite: listings, one message whole, attempt now, archive,
/// resend, recover, counts, activity and notifications; and the row decoders they share.
extension SQLiteStore {
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
                db,
                sql: "SELECT m.* FROM messages m WHERE \(whereSQL) ORDER BY m.seq DESC LIMIT ? OFFSET ?",
                arguments: pageArguments
            )
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
                    db,
                    sql: "SELECT m.* FROM messages m JOIN deliveries d ON d.message_id = m.id WHERE m.store_id = ? AND d.id = ?",
                    arguments: [storeID, id]
                )
            }
            guard let row else { return nil }
            var message = Self.message(row)
            message.deliveries = try Self.deliveries(db, messageIDs: [message.id], withAttempts: true)[message.id] ?? []
            message.identifiers = try Row.fetchAll(
                db,
                sql: "SELECT name, value FROM message_identifiers WHERE message_id = ? ORDER BY name",
                arguments: [message.id]
            )
            .map { IdentifierValue(name: $0["name"], value: $0["value"]) }
            var children = try Row.fetchAll(db, sql: "SELECT * FROM messages WHERE parent_message_id = ? ORDER BY seq", arguments: [message.id]).map(
                Self.message
            )
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
                arguments: [now.timeIntervalSince1970, now.timeIntervalSince1970, storeID, id, id]
            )
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
            arguments: [now.timeIntervalSince1970, storeID, id, id]
        )
        let count = db.changesCount
        try db.cachedExecute(
            sql: "UPDATE messages SET state = 'archived' WHERE store_id = ? AND id = ? AND state = 'accepted'",
            arguments: [storeID, id]
        )
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
                arguments: [now.timeIntervalSince1970, now.timeIntervalSince1970, storeID, since.timeIntervalSince1970]
            )
            return db.changesCount
        }
    }

    public func queueCounts(storeID: String) async throws -> [String: Int] {
        try await pool.read { db in
            var counts: [String: Int] = [:]
            for state in DeliveryState.allCases { counts[state.rawValue] = 0 }
            for row in try Row.fetchAll(
                db,
                sql: "SELECT state, COUNT(*) AS n FROM deliveries WHERE store_id = ? GROUP BY state",
                arguments: [storeID]
            ) {
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
                """
            )
            let failed = try counts(
                """
                SELECT CAST((a.started_at - ?) / ? AS INTEGER) AS b, COUNT(*) AS n FROM attempts a JOIN deliveries d ON d.id = a.delivery_id
                WHERE d.store_id = ? AND a.started_at >= ? AND a.started_at < ? AND a.error IS NOT NULL GROUP BY b
                """
            )
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
                db,
                sql: "SELECT n.* FROM notifications n WHERE \(whereSQL) ORDER BY n.updated_at DESC, n.id DESC LIMIT ? OFFSET ?",
                arguments: pageArguments
            )
            .map(Self.notification)
            return Page(items: items, count: count, page: page, perPage: perPage)
        }
    }

    // MARK: Row decoding

    static func message(_ row: Row) -> MessageRecord {
        MessageRecord(
            id: row["id"],
            storeID: row["store_id"],
            name: row["name"],
            payload: json(row["payload"]) ?? .object([:]),
            origin: row["origin"],
            parentMessageID: row["parent_message_id"],
            parentDeliveryID: row["parent_delivery_id"],
            depth: row["depth"],
            state: row["state"],
            note: row["note"],
            createdAt: Date(timeIntervalSince1970: row["created_at"])
        )
    }

    static func notification(_ row: Row) -> NotificationRecord {
        NotificationRecord(
            id: row["id"],
            storeID: row["store_id"],
            messageID: row["message_id"],
            deliveryID: row["delivery_id"],
            mapping: row["mapping"],
            level: row["level"],
            subject: row["subject"],
            description: row["description"],
            extra: json(row["extra"]) ?? .object([:]),
            reference: row["reference"],
            occurrences: row["occurrences"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            updatedAt: Date(timeIntervalSince1970: row["updated_at"])
        )
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
            arguments: StatementArguments(messageIDs)
        )
        var attempts: [String: [AttemptRecord]] = [:]
        if withAttempts {
            let ids = rows.map { $0["id"] as String }
            if !ids.isEmpty {
                let attemptMarks = Array(repeating: "?", count: ids.count).joined(separator: ",")
                for row in try Row.fetchAll(
                    db,
                    sql: "SELECT * FROM attempts WHERE delivery_id IN (\(attemptMarks)) ORDER BY id",
                    arguments: StatementArguments(ids)
                ) {
                    attempts[row["delivery_id"], default: []].append(
                        AttemptRecord(
                            number: row["number"],
                            startedAt: Date(timeIntervalSince1970: row["started_at"]),
                            duration: row["duration"],
                            url: row["url"],
                            status: row["status"],
                            response: row["response"],
                            error: row["error"]
                        )
                    )
                }
            }
        }
        var result: [String: [DeliveryRecord]] = [:]
        for row in rows {
            let id: String = row["id"]
            let record = DeliveryRecord(
                id: id,
                messageID: row["message_id"],
                mapping: row["mapping"],
                state: DeliveryState(rawValue: row["state"]) ?? .pending,
                attempts: row["attempts"],
                nextAttemptAt: date(row["next_attempt_at"]),
                url: row["url"],
                lastError: row["last_error"],
                lastStatus: row["last_status"],
                result: json(row["result"]),
                createdAt: Date(timeIntervalSince1970: row["created_at"]),
                updatedAt: Date(timeIntervalSince1970: row["updated_at"]),
                completedAt: date(row["completed_at"]),
                attemptLog: attempts[id] ?? [],
                orderingKey: row["ordering_key"],
                waitingFor: row["waiting_for"]
            )
            result[row["message_id"], default: []].append(record)
        }
        return result
    }
}
