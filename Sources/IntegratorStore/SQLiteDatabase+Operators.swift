import Foundation
import GRDB
import IntegratorModel

/// What operators read and do on SQLite: listings, one message whole, attempt now, archive,
/// resend, recover, counts, activity and notifications; and the row decoders they share.
extension SQLiteDatabase {
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
            try db.cachedExecute(sql: OperatorSQL.attemptNow, arguments: [now.timeIntervalSince1970, now.timeIntervalSince1970, storeID, id, id])
            return db.changesCount
        }
    }

    public func archive(storeID: String, id: String, now: Date) async throws -> Int {
        try await pool.write { db in try Self.archive(db, storeID: storeID, id: id, now: now) }
    }

    static func archive(_ db: Database, storeID: String, id: String, now: Date) throws -> Int {
        try db.cachedExecute(sql: OperatorSQL.archiveDeliveries, arguments: [now.timeIntervalSince1970, storeID, id, id])
        let count = db.changesCount
        try db.cachedExecute(sql: OperatorSQL.archiveMessage, arguments: [storeID, id])
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
                sql: OperatorSQL.recover,
                arguments: [now.timeIntervalSince1970, now.timeIntervalSince1970, storeID, since.timeIntervalSince1970]
            )
            return db.changesCount
        }
    }

    public func queueCounts(storeID: String) async throws -> [String: Int] {
        try await pool.read { db in
            let byState = try Row.fetchAll(db, sql: OperatorSQL.deliveriesByState, arguments: [storeID]).map {
                (state: try $0.text("state"), count: try $0.int("n"))
            }
            return OperatorSQL.queueCounts(
                byState: byState,
                incoming: try Int.fetchOne(db, sql: OperatorSQL.incoming, arguments: [storeID]) ?? 0,
                skipped: try Int.fetchOne(db, sql: OperatorSQL.skipped, arguments: [storeID]) ?? 0
            )
        }
    }

    public func activity(storeID: String, since: Date, slot: Double, slots: Int) async throws -> [ActivitySlot] {
        try await pool.read { db in
            let start = since.timeIntervalSince1970
            let end = start + slot * Double(slots)
            func counts(_ sql: String) throws -> [Int: Int] {
                var result: [Int: Int] = [:]
                for row in try Row.fetchAll(db, sql: sql, arguments: [start, slot, storeID, start, end]) {
                    result[try row.int("b")] = try row.int("n")
                }
                return result
            }
            let bucket = { (expression: String) in "CAST(\(expression) AS INTEGER)" }
            let received = try counts(OperatorSQL.received(bucket: bucket))
            let failed = try counts(OperatorSQL.failed(bucket: bucket))
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
