import Foundation
import IntegratorModel
import IntegratorStore
import PostgresNIO

/// What operators read and do on PostgreSQL, and the row decoders they share.
extension PostgresStore {
    // MARK: Operators

    public func messages(_ query: MessageQuery) async throws -> Page<MessageRecord> {
        var clauses = ["m.store_id = ?"]
        var binds: [Bind] = [.text(query.storeID)]
        if let name = query.message {
            clauses.append("m.name = ?")
            binds.append(.text(MessageName.normalised(name)))
        }
        switch query.state {
        case nil: break
        case "skipped"?, "accepted"?:
            clauses.append("m.state = ?")
            binds.append(.text(query.state))
        case let state?:
            var sub = "SELECT 1 FROM deliveries d WHERE d.message_id = m.id AND d.state = ?"
            binds.append(.text(state))
            if let mapping = query.mapping {
                sub += " AND d.mapping = ?"
                binds.append(.text(mapping))
            }
            clauses.append(state == "archived" ? "(m.state = 'archived' OR EXISTS (\(sub)))" : "EXISTS (\(sub))")
        }
        if let mapping = query.mapping, query.state == nil || query.state == "skipped" || query.state == "accepted" {
            clauses.append("EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = m.id AND d.mapping = ?)")
            binds.append(.text(mapping))
        }
        if let identifier = query.identifier {
            clauses.append("m.id IN (SELECT message_id FROM message_identifiers WHERE store_id = ? AND name = ? AND value = ?)")
            binds += [.text(query.storeID), .text(identifier.name), .text(identifier.value)]
        }
        if let since = query.since {
            clauses.append("m.created_at >= ?")
            binds.append(.time(since))
        }
        if let until = query.until {
            clauses.append("m.created_at < ?")
            binds.append(.time(until))
        }
        let whereSQL = clauses.joined(separator: " AND ")
        let count = try await client.rows("SELECT COUNT(*) AS n FROM messages m WHERE \(whereSQL)", binds).first?.int("n") ?? 0
        let rows = try await client.rows(
            "SELECT m.* FROM messages m WHERE \(whereSQL) ORDER BY m.seq DESC LIMIT ? OFFSET ?",
            binds + [.int(query.perPage), .int((query.page - 1) * query.perPage)]
        )
        var messages = try rows.map(Self.message)
        let deliveries = try await Self.deliveries(client, messageIDs: messages.map(\.id), withAttempts: false)
        for index in messages.indices { messages[index].deliveries = deliveries[messages[index].id] ?? [] }
        return Page(items: messages, count: count, page: query.page, perPage: query.perPage)
    }

    public func message(storeID: String, id: String) async throws -> MessageDetail? {
        var row = try await client.rows("SELECT * FROM messages WHERE store_id = ? AND id = ?", [.text(storeID), .text(id)]).first
        if row == nil {
            row = try await client.rows(
                "SELECT m.* FROM messages m JOIN deliveries d ON d.message_id = m.id WHERE m.store_id = ? AND d.id = ?",
                [.text(storeID), .text(id)]
            ).first
        }
        guard let row else { return nil }
        var message = try Self.message(row)
        message.deliveries = try await Self.deliveries(client, messageIDs: [message.id], withAttempts: true)[message.id] ?? []
        message.identifiers = try await client.rows(
            "SELECT name, value FROM message_identifiers WHERE message_id = ? ORDER BY name",
            [.text(message.id)]
        )
        .map { IdentifierValue(name: try $0.text("name"), value: try $0.text("value")) }
        var children = try await client.rows("SELECT * FROM messages WHERE parent_message_id = ? ORDER BY seq", [.text(message.id)]).map(Self.message)
        let childDeliveries = try await Self.deliveries(client, messageIDs: children.map(\.id), withAttempts: false)
        for index in children.indices { children[index].deliveries = childDeliveries[children[index].id] ?? [] }
        let notifications = try await client.rows("SELECT * FROM notifications WHERE message_id = ? ORDER BY id", [.text(message.id)]).map(
            Self.notification
        )
        return MessageDetail(message: message, children: children, notifications: notifications)
    }

    public func attemptNow(storeID: String, id: String, now: Date) async throws -> Int {
        try await client.run(
            """
            UPDATE deliveries SET state = CASE WHEN state = 'parked' THEN 'pending' ELSE state END, next_attempt_at = ?, updated_at = ?
            WHERE store_id = ? AND (message_id = ? OR id = ?) AND state IN ('pending', 'failing', 'scheduled', 'parked')
            """,
            [.time(now), .time(now), .text(storeID), .text(id), .text(id)]
        )
    }

    public func archive(storeID: String, id: String, now: Date) async throws -> Int {
        try await transaction { db in try await Self.archive(db, storeID: storeID, id: id, now: now) }
    }

    static func archive(_ db: PostgresConnection, storeID: String, id: String, now: Date) async throws -> Int {
        let count = try await db.run(
            """
            UPDATE deliveries SET state = 'archived', next_attempt_at = NULL, lease_owner = NULL, updated_at = ?
            WHERE store_id = ? AND (message_id = ? OR id = ?) AND state NOT IN ('completed', 'archived')
            """,
            [.time(now), .text(storeID), .text(id), .text(id)]
        )
        try await db.run("UPDATE messages SET state = 'archived' WHERE store_id = ? AND id = ? AND state = 'accepted'", [.text(storeID), .text(id)])
        return count
    }

    public func resend(storeID: String, originalID: String, copy: NewMessage, now: Date) async throws {
        try await perform { db in
            _ = try await Self.archive(db, storeID: storeID, id: originalID, now: now)
            try await Self.insert(db, copy)
        }
    }

    public func recover(storeID: String, since: Date, now: Date) async throws -> Int {
        try await client.run(
            """
            UPDATE deliveries SET state = CASE WHEN state = 'parked' THEN 'pending' ELSE state END, next_attempt_at = ?, updated_at = ?
            WHERE store_id = ? AND state IN ('parked', 'failing') AND created_at >= ?
            """,
            [.time(now), .time(now), .text(storeID), .time(since)]
        )
    }

    public func queueCounts(storeID: String) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for state in DeliveryState.allCases { counts[state.rawValue] = 0 }
        for row in try await client.rows("SELECT state, COUNT(*) AS n FROM deliveries WHERE store_id = ? GROUP BY state", [.text(storeID)]) {
            counts[try row.text("state")] = try row.int("n")
        }
        counts["incoming"] = try await client.rows("SELECT COUNT(*) AS n FROM messages WHERE store_id = ?", [.text(storeID)]).first?.int("n") ?? 0
        counts["skipped"] =
            try await client.rows("SELECT COUNT(*) AS n FROM messages WHERE store_id = ? AND state = 'skipped'", [.text(storeID)]).first?.int("n")
            ?? 0
        return counts
    }

    public func activity(storeID: String, since: Date, slot: Double, slots: Int) async throws -> [ActivitySlot] {
        let start = since.timeIntervalSince1970
        let end = start + slot * Double(slots)
        func counts(_ sql: String) async throws -> [Int: Int] {
            var result: [Int: Int] = [:]
            for row in try await client.rows(sql, [.real(start), .real(slot), .text(storeID), .real(start), .real(end)]) {
                result[try row.int("b")] = try row.int("n")
            }
            return result
        }
        let received = try await counts(
            """
            SELECT FLOOR((created_at - ?) / ?)::BIGINT AS b, COUNT(*) AS n FROM messages
            WHERE store_id = ? AND created_at >= ? AND created_at < ? GROUP BY b
            """
        )
        let failed = try await counts(
            """
            SELECT FLOOR((a.started_at - ?) / ?)::BIGINT AS b, COUNT(*) AS n FROM attempts a JOIN deliveries d ON d.id = a.delivery_id
            WHERE d.store_id = ? AND a.started_at >= ? AND a.started_at < ? AND a.error IS NOT NULL GROUP BY b
            """
        )
        return ActivitySlot.fill(since: since, slot: slot, slots: slots, received: received, failed: failed)
    }

    public func notifications(storeID: String, level: String?, reference: String?, page: Int, perPage: Int) async throws -> Page<NotificationRecord> {
        var clauses = ["n.store_id = ?"]
        var binds: [Bind] = [.text(storeID)]
        if let level {
            clauses.append("n.level = ?")
            binds.append(.text(level))
        }
        if let reference {
            clauses.append("(n.reference = ? OR n.message_id IN (SELECT message_id FROM message_identifiers WHERE store_id = ? AND value = ?))")
            binds += [.text(reference), .text(storeID), .text(reference)]
        }
        let whereSQL = clauses.joined(separator: " AND ")
        let count = try await client.rows("SELECT COUNT(*) AS n FROM notifications n WHERE \(whereSQL)", binds).first?.int("n") ?? 0
        let items = try await client.rows(
            "SELECT n.* FROM notifications n WHERE \(whereSQL) ORDER BY n.updated_at DESC, n.id DESC LIMIT ? OFFSET ?",
            binds + [.int(perPage), .int((page - 1) * perPage)]
        ).map(Self.notification)
        return Page(items: items, count: count, page: page, perPage: perPage)
    }

    // MARK: Row decoding

    static func message(_ row: PostgresRandomAccessRow) throws -> MessageRecord {
        MessageRecord(
            id: try row.text("id"),
            storeID: try row.text("store_id"),
            name: try row.text("name"),
            payload: try row.json("payload") ?? .object([:]),
            origin: try row.text("origin"),
            parentMessageID: try row.optionalText("parent_message_id"),
            parentDeliveryID: try row.optionalText("parent_delivery_id"),
            depth: try row.int("depth"),
            state: try row.text("state"),
            note: try row.optionalText("note"),
            createdAt: try row.time("created_at")
        )
    }

    static func notification(_ row: PostgresRandomAccessRow) throws -> NotificationRecord {
        NotificationRecord(
            id: Int64(try row.int("id")),
            storeID: try row.text("store_id"),
            messageID: try row.text("message_id"),
            deliveryID: try row.optionalText("delivery_id"),
            mapping: try row.text("mapping"),
            level: try row.text("level"),
            subject: try row.text("subject"),
            description: try row.text("description"),
            extra: try row.json("extra") ?? .object([:]),
            reference: try row.optionalText("reference"),
            occurrences: try row.int("occurrences"),
            createdAt: try row.time("created_at"),
            updatedAt: try row.time("updated_at")
        )
    }

    static func deliveries(_ db: some SQLRunner, messageIDs: [String], withAttempts: Bool) async throws -> [String: [DeliveryRecord]] {
        guard !messageIDs.isEmpty else { return [:] }
        let marks = Array(repeating: "?", count: messageIDs.count).joined(separator: ",")
        let rows = try await db.rows(
            """
            SELECT d.*, (SELECT e.id FROM deliveries e WHERE d.ordering_key IS NOT NULL AND d.state IN ('pending', 'failing', 'scheduled')
                AND e.store_id = d.store_id AND e.mapping = d.mapping AND e.ordering_key = d.ordering_key AND e.seq < d.seq
                AND e.state IN ('pending', 'running', 'failing', 'scheduled', 'parked') ORDER BY e.seq LIMIT 1) AS waiting_for
            FROM deliveries d WHERE d.message_id IN (\(marks)) ORDER BY d.seq
            """,
            messageIDs.map { .text($0) }
        )
        var attempts: [String: [AttemptRecord]] = [:]
        if withAttempts {
            let ids = try rows.map { try $0.text("id") }
            if !ids.isEmpty {
                let attemptMarks = Array(repeating: "?", count: ids.count).joined(separator: ",")
                for row in try await db.rows("SELECT * FROM attempts WHERE delivery_id IN (\(attemptMarks)) ORDER BY id", ids.map { .text($0) }) {
                    attempts[try row.text("delivery_id"), default: []].append(
                        AttemptRecord(
                            number: try row.int("number"),
                            startedAt: try row.time("started_at"),
                            duration: try row.real("duration"),
                            url: try row.text("url"),
                            status: try row.optionalInt("status"),
                            response: try row.optionalText("response"),
                            error: try row.optionalText("error")
                        )
                    )
                }
            }
        }
        var result: [String: [DeliveryRecord]] = [:]
        for row in rows {
            let id = try row.text("id")
            let record = DeliveryRecord(
                id: id,
                messageID: try row.text("message_id"),
                mapping: try row.text("mapping"),
                state: DeliveryState(rawValue: try row.text("state")) ?? .pending,
                attempts: try row.int("attempts"),
                nextAttemptAt: try row.optionalTime("next_attempt_at"),
                url: try row.optionalText("url"),
                lastError: try row.optionalText("last_error"),
                lastStatus: try row.optionalInt("last_status"),
                result: try row.json("result"),
                createdAt: try row.time("created_at"),
                updatedAt: try row.time("updated_at"),
                completedAt: try row.optionalTime("completed_at"),
                attemptLog: attempts[id] ?? [],
                orderingKey: try row.optionalText("ordering_key"),
                waitingFor: try row.optionalText("waiting_for")
            )
            result[try row.text("message_id"), default: []].append(record)
        }
        return result
    }
}
