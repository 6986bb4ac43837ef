import Foundation
import IntegratorModel
import IntegratorStore
import PostgresNIO

/// What operators read and do on PostgreSQL, and the row decoders they share.
extension PostgresDatabase {
    // MARK: Operators

    public func messages(_ query: MessageQuery) async throws -> Page<MessageRecord> {
        let filter = ReadSQL.messageFilter(query)
        let count = try await client.rows(ReadSQL.countMessages(filter)).first?.int("n") ?? 0
        let rows = try await client.rows(ReadSQL.messagePage(filter, page: query.page, perPage: query.perPage))
        let messages = try await Self.withDeliveries(client, try rows.map(ReadSQL.message))
        return Page(items: messages, count: count, page: query.page, perPage: query.perPage)
    }

    public func message(storeID: String, id: String) async throws -> MessageDetail? {
        // The id of the message, or of one of its deliveries.
        var found = try await client.rows(ReadSQL.messageByID, [.text(storeID), .text(id)]).first
        if found == nil { found = try await client.rows(ReadSQL.messageByDelivery, [.text(storeID), .text(id)]).first }
        guard let found else { return nil }
        var message = try ReadSQL.message(found)
        message.deliveries = try await Self.deliveries(client, messageIDs: [message.id], withAttempts: true)[message.id] ?? []
        message.identifiers = try await client.rows(ReadSQL.identifiers, [.text(message.id)]).map {
            IdentifierValue(name: try $0.text("name"), value: try $0.text("value"))
        }
        let children = try await Self.withDeliveries(client, try await client.rows(ReadSQL.children, [.text(message.id)]).map(ReadSQL.message))
        let notifications = try await client.rows(ReadSQL.notificationsOfMessage, [.text(message.id)]).map(ReadSQL.notification)
        return MessageDetail(message: message, children: children, notifications: notifications)
    }

    public func attemptNow(storeID: String, id: String, now: Date) async throws -> Int {
        try await client.run(OperatorSQL.attemptNow, [.time(now), .time(now), .text(storeID), .text(id), .text(id)])
    }

    public func archive(storeID: String, id: String, now: Date) async throws -> Int {
        try await transaction { db in try await Self.archive(db, storeID: storeID, id: id, now: now) }
    }

    static func archive(_ db: PostgresConnection, storeID: String, id: String, now: Date) async throws -> Int {
        let count = try await db.run(OperatorSQL.archiveDeliveries, [.time(now), .text(storeID), .text(id), .text(id)])
        try await db.run(OperatorSQL.archiveMessage, [.text(storeID), .text(id)])
        return count
    }

    public func resend(storeID: String, originalID: String, copy: NewMessage, now: Date) async throws {
        try await perform { db in
            _ = try await Self.archive(db, storeID: storeID, id: originalID, now: now)
            try await Self.insert(db, copy)
        }
    }

    public func recover(storeID: String, since: Date, now: Date) async throws -> Int {
        try await client.run(OperatorSQL.recover, [.time(now), .time(now), .text(storeID), .time(since)])
    }

    public func queueCounts(storeID: String) async throws -> [String: Int] {
        let byState = try await client.rows(OperatorSQL.deliveriesByState, [.text(storeID)]).map {
            (state: try $0.text("state"), count: try $0.int("n"))
        }
        return OperatorSQL.queueCounts(
            byState: byState,
            incoming: try await client.rows(OperatorSQL.incoming, [.text(storeID)]).first?.int("n") ?? 0,
            skipped: try await client.rows(OperatorSQL.skipped, [.text(storeID)]).first?.int("n") ?? 0
        )
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
        let bucket = { (expression: String) in "FLOOR(\(expression))::BIGINT" }
        let received = try await counts(OperatorSQL.received(bucket: bucket))
        let failed = try await counts(OperatorSQL.failed(bucket: bucket))
        return ActivitySlot.fill(since: since, slot: slot, slots: slots, received: received, failed: failed)
    }

    public func notifications(storeID: String, level: String?, reference: String?, page: Int, perPage: Int) async throws -> Page<NotificationRecord> {
        let filter = ReadSQL.notificationFilter(storeID: storeID, level: level, reference: reference)
        let count = try await client.rows(ReadSQL.countNotifications(filter)).first?.int("n") ?? 0
        let items = try await client.rows(ReadSQL.notificationPage(filter, page: page, perPage: perPage)).map(ReadSQL.notification)
        return Page(items: items, count: count, page: page, perPage: perPage)
    }

    // MARK: Reading through ReadSQL

    /// `messages`, each with its deliveries (no attempts).
    static func withDeliveries(_ db: some SQLRunner, _ messages: [MessageRecord]) async throws -> [MessageRecord] {
        let deliveries = try await Self.deliveries(db, messageIDs: messages.map(\.id), withAttempts: false)
        return messages.map { message in
            var message = message
            message.deliveries = deliveries[message.id] ?? []
            return message
        }
    }

    static func deliveries(_ db: some SQLRunner, messageIDs: [String], withAttempts: Bool) async throws -> [String: [DeliveryRecord]] {
        guard !messageIDs.isEmpty else { return [:] }
        let rows = try await db.rows(ReadSQL.deliveries(of: messageIDs))
        var attempts: [String: [AttemptRecord]] = [:]
        let ids = try rows.map { try $0.text("id") }
        if withAttempts, !ids.isEmpty {
            for row in try await db.rows(ReadSQL.attempts(of: ids)) {
                attempts[try row.text("delivery_id"), default: []].append(try ReadSQL.attempt(row))
            }
        }
        return try ReadSQL.deliveries(rows, attempts: attempts)
    }
}
