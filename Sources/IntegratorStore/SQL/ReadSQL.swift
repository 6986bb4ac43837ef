import Foundation
import IntegratorModel

/// What the API and the console read (messages with their deliveries and attempts,
/// notifications): the query builders, statements and row decoders both engines share.
public enum ReadSQL {
    // MARK: Messages

    /// The message list's conditions for `query`, over `messages m`.
    public static func messageFilter(_ query: MessageQuery) -> (conditions: String, values: [SQLValue]) {
        var clauses = ["m.store_id = ?"]
        var values: [SQLValue] = [.text(query.storeID)]
        if let name = query.message {
            clauses.append("m.name = ?")
            values.append(.text(MessageName.normalised(name)))
        }
        switch query.state {
        case nil: break
        case "skipped"?, "accepted"?:
            clauses.append("m.state = ?")
            values.append(.text(query.state))
        case let state?:
            var sub = "SELECT 1 FROM deliveries d WHERE d.message_id = m.id AND d.state = ?"
            values.append(.text(state))
            if let mapping = query.mapping {
                sub += " AND d.mapping = ?"
                values.append(.text(mapping))
            }
            clauses.append(state == "archived" ? "(m.state = 'archived' OR EXISTS (\(sub)))" : "EXISTS (\(sub))")
        }
        if let mapping = query.mapping, query.state == nil || query.state == "skipped" || query.state == "accepted" {
            clauses.append("EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = m.id AND d.mapping = ?)")
            values.append(.text(mapping))
        }
        if let identifier = query.identifier {
            clauses.append("m.id IN (SELECT message_id FROM message_identifiers WHERE store_id = ? AND name = ? AND value = ?)")
            values += [.text(query.storeID), .text(identifier.name), .text(identifier.value)]
        }
        if let since = query.since {
            clauses.append("m.created_at >= ?")
            values.append(.time(since))
        }
        if let until = query.until {
            clauses.append("m.created_at < ?")
            values.append(.time(until))
        }
        return (clauses.joined(separator: " AND "), values)
    }

    /// How many messages pass `filter`.
    public static func countMessages(_ filter: (conditions: String, values: [SQLValue])) -> SQLStatement {
        SQLStatement("SELECT COUNT(*) AS n FROM messages m WHERE \(filter.conditions)", filter.values)
    }

    /// One page of the messages that pass `filter`, newest first.
    public static func messagePage(_ filter: (conditions: String, values: [SQLValue]), page: Int, perPage: Int) -> SQLStatement {
        SQLStatement(
            "SELECT m.* FROM messages m WHERE \(filter.conditions) ORDER BY m.seq DESC LIMIT ? OFFSET ?",
            filter.values + [.int(perPage), .int((page - 1) * perPage)]
        )
    }

    public static let messageByID = "SELECT * FROM messages WHERE store_id = ? AND id = ?"
    public static let messageByDelivery = "SELECT m.* FROM messages m JOIN deliveries d ON d.message_id = m.id WHERE m.store_id = ? AND d.id = ?"
    public static let identifiers = "SELECT name, value FROM message_identifiers WHERE message_id = ? ORDER BY name"
    public static let children = "SELECT * FROM messages WHERE parent_message_id = ? ORDER BY seq"
    public static let notificationsOfMessage = "SELECT * FROM notifications WHERE message_id = ? ORDER BY id"

    public static func message(_ row: some StoreRow) throws -> MessageRecord {
        MessageRecord(
            id: try row.text("id"),
            storeID: try row.text("store_id"),
            name: try row.text("name"),
            payload: try row.json("payload") ?? .object([:]),
            origin: MessageOrigin(rawValue: try row.text("origin")),
            parentMessageID: try row.optionalText("parent_message_id"),
            parentDeliveryID: try row.optionalText("parent_delivery_id"),
            depth: try row.int("depth"),
            state: try row.text("state"),
            note: try row.optionalText("note"),
            createdAt: try row.time("created_at")
        )
    }

    // MARK: Deliveries and attempts

    /// The deliveries of messages, each with the delivery it waits behind (the earlier one of
    /// the same identifier values still open).
    public static func deliveries(of messageIDs: [String]) -> SQLStatement {
        SQLStatement(
            """
            SELECT d.*, (SELECT e.id FROM deliveries e WHERE d.ordering_key IS NOT NULL AND d.state IN ('pending', 'failing', 'scheduled')
                AND e.store_id = d.store_id AND e.mapping = d.mapping AND e.ordering_key = d.ordering_key AND e.seq < d.seq
                AND e.state IN ('pending', 'running', 'failing', 'scheduled', 'parked') ORDER BY e.seq LIMIT 1) AS waiting_for
            FROM deliveries d WHERE d.message_id IN (\(HealthSQL.placeholders(messageIDs.count))) ORDER BY d.seq
            """,
            messageIDs.map { .text($0) }
        )
    }

    public static func attempts(of deliveryIDs: [String]) -> SQLStatement {
        SQLStatement(
            "SELECT * FROM attempts WHERE delivery_id IN (\(HealthSQL.placeholders(deliveryIDs.count))) ORDER BY id",
            deliveryIDs.map { .text($0) }
        )
    }

    public static func attempt(_ row: some StoreRow) throws -> AttemptRecord {
        AttemptRecord(
            number: try row.int("number"),
            startedAt: try row.time("started_at"),
            duration: try row.real("duration"),
            url: try row.text("url"),
            status: try row.optionalInt("status"),
            response: try row.optionalText("response"),
            error: try row.optionalText("error")
        )
    }

    /// Delivery rows with their attempts (by delivery id), grouped by message id in order.
    public static func deliveries(_ rows: [some StoreRow], attempts: [String: [AttemptRecord]]) throws -> [String: [DeliveryRecord]] {
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
            result[record.messageID, default: []].append(record)
        }
        return result
    }

    // MARK: Notifications

    /// The notification list's conditions, over `notifications n`: a reference matches the
    /// notification's own or any identifier value of its message.
    public static func notificationFilter(storeID: String, level: String?, reference: String?) -> (conditions: String, values: [SQLValue]) {
        var clauses = ["n.store_id = ?"]
        var values: [SQLValue] = [.text(storeID)]
        if let level {
            clauses.append("n.level = ?")
            values.append(.text(level))
        }
        if let reference {
            clauses.append("(n.reference = ? OR n.message_id IN (SELECT message_id FROM message_identifiers WHERE store_id = ? AND value = ?))")
            values += [.text(reference), .text(storeID), .text(reference)]
        }
        return (clauses.joined(separator: " AND "), values)
    }

    public static func countNotifications(_ filter: (conditions: String, values: [SQLValue])) -> SQLStatement {
        SQLStatement("SELECT COUNT(*) AS n FROM notifications n WHERE \(filter.conditions)", filter.values)
    }

    public static func notificationPage(_ filter: (conditions: String, values: [SQLValue]), page: Int, perPage: Int) -> SQLStatement {
        SQLStatement(
            "SELECT n.* FROM notifications n WHERE \(filter.conditions) ORDER BY n.updated_at DESC, n.id DESC LIMIT ? OFFSET ?",
            filter.values + [.int(perPage), .int((page - 1) * perPage)]
        )
    }

    public static func notification(_ row: some StoreRow) throws -> NotificationRecord {
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
}
