import Foundation
import GRDB
import IntegratorModel

/// What operators read and do on SQLite: listings, one message whole, attempt now, archive,
/// resend, recover, counts, activity and notifications; and the row decoders they share.
extension SQLiteStore {
    // MARK: Operators

    public func messages(_ query: MessageQuery) async throws -> Page<MessageRecord> {
        try await pool.read { db in
            let filter = ReadSQL.messageFilter(query)
            let count = try Self.count(db, ReadSQL.countMessages(filter))
            let page = ReadSQL.messagePage(filter, page: query.page, perPage: query.perPage)
            let messages = try Self.withDeliveries(db, try Row.fetchAll(db, sql: page.sql, arguments: page.arguments).map(ReadSQL.message))
            return Page(items: messages, count: count, page: query.page, perPage: query.perPage)
        }
    }

    public func message(storeID: String, id: String) async throws -> MessageDetail? {
        try await pool.read { db in
            // The id of the message, or of one of its deliveries.
            let found =
                try Row.fetchOne(db, sql: ReadSQL.messageByID, arguments: [storeID, id])
                ?? Row.fetchOne(db, sql: ReadSQL.messageByDelivery, arguments: [storeID, id])
            guard let found else { return nil }
            var message = try ReadSQL.message(found)
            message.deliveries = try Self.deliveries(db, messageIDs: [message.id], withAttempts: true)[message.id] ?? []
            message.identifiers = try Row.fetchAll(db, sql: ReadSQL.identifiers, arguments: [message.id]).map {
                IdentifierValue(name: try $0.text("name"), value: try $0.text("value"))
            }
            let children = try Self.withDeliveries(db, try Row.fetchAll(db, sql: ReadSQL.children, arguments: [message.id]).map(ReadSQL.message))
            let notifications = try Row.fetchAll(db, sql: ReadSQL.notificationsOfMessage, arguments: [message.id]).map(ReadSQL.notification)
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
            let filter = ReadSQL.notificationFilter(storeID: storeID, level: level, reference: reference)
            let count = try Self.count(db, ReadSQL.countNotifications(filter))
            let statement = ReadSQL.notificationPage(filter, page: page, perPage: perPage)
            let items = try Row.fetchAll(db, sql: statement.sql, arguments: statement.arguments).map(ReadSQL.notification)
            return Page(items: items, count: count, page: page, perPage: perPage)
        }
    }

    // MARK: Reading through ReadSQL

    static func count(_ db: Database, _ statement: SQLStatement) throws -> Int {
        try Int.fetchOne(db, sql: statement.sql, arguments: statement.arguments) ?? 0
    }

    /// `messages`, each with its deliveries (no attempts).
    static func withDeliveries(_ db: Database, _ messages: [MessageRecord]) throws -> [MessageRecord] {
        let deliveries = try Self.deliveries(db, messageIDs: messages.map(\.id), withAttempts: false)
        return messages.map { message in
            var message = message
            message.deliveries = deliveries[message.id] ?? []
            return message
        }
    }

    static func deliveries(_ db: Database, messageIDs: [String], withAttempts: Bool) throws -> [String: [DeliveryRecord]] {
        guard !messageIDs.isEmpty else { return [:] }
        let statement = ReadSQL.deliveries(of: messageIDs)
        let rows = try Row.fetchAll(db, sql: statement.sql, arguments: statement.arguments)
        var attempts: [String: [AttemptRecord]] = [:]
        let ids = try rows.map { try $0.text("id") }
        if withAttempts, !ids.isEmpty {
            let attemptsOf = ReadSQL.attempts(of: ids)
            for row in try Row.fetchAll(db, sql: attemptsOf.sql, arguments: attemptsOf.arguments) {
                attempts[try row.text("delivery_id"), default: []].append(try ReadSQL.attempt(row))
            }
        }
        return try ReadSQL.deliveries(rows, attempts: attempts)
    }
}
