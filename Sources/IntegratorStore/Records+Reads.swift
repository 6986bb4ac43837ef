import Foundation
import IntegratorModel

// What the API and the console read: queries, pages and the records they return.

/// A filter over a store's messages, as the admin API takes it.
public struct MessageQuery: Sendable {
    public var storeID: String
    public var message: String?
    public var state: String?
    public var mapping: String?
    public var identifier: IdentifierValue?
    public var since: Date?
    public var until: Date?
    public var page: Int
    public var perPage: Int

    public init(
        storeID: String,
        message: String? = nil,
        state: String? = nil,
        mapping: String? = nil,
        identifier: IdentifierValue? = nil,
        since: Date? = nil,
        until: Date? = nil,
        page: Int = 1,
        perPage: Int = 25
    ) {
        self.storeID = storeID
        self.message = message
        self.state = state
        self.mapping = mapping
        self.identifier = identifier
        self.since = since
        self.until = until
        self.page = page
        self.perPage = perPage
    }
}

/// One page of a listing, with the pagination envelope's numbers.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var count: Int
    public var page: Int
    public var perPage: Int
    public var pages: Int { count == 0 ? 0 : (count + perPage - 1) / perPage }

    public init(items: [Item], count: Int, page: Int, perPage: Int) {
        self.items = items
        self.count = count
        self.page = page
        self.perPage = perPage
    }
}

/// A stored message.
public struct MessageRecord: Sendable {
    public var id: String
    public var storeID: String
    public var name: String
    public var payload: JSONValue
    public var origin: MessageOrigin
    public var parentMessageID: String?
    public var parentDeliveryID: String?
    public var depth: Int
    /// `accepted`, `skipped` or `archived`.
    public var state: String
    public var note: String?
    public var createdAt: Date
    public var deliveries: [DeliveryRecord]
    public var identifiers: [IdentifierValue]

    public init(
        id: String,
        storeID: String,
        name: String,
        payload: JSONValue,
        origin: MessageOrigin,
        parentMessageID: String?,
        parentDeliveryID: String?,
        depth: Int,
        state: String,
        note: String?,
        createdAt: Date,
        deliveries: [DeliveryRecord] = [],
        identifiers: [IdentifierValue] = []
    ) {
        self.id = id
        self.storeID = storeID
        self.name = name
        self.payload = payload
        self.origin = origin
        self.parentMessageID = parentMessageID
        self.parentDeliveryID = parentDeliveryID
        self.depth = depth
        self.state = state
        self.note = note
        self.createdAt = createdAt
        self.deliveries = deliveries
        self.identifiers = identifiers
    }
}

/// A stored delivery of a message to one mapping.
public struct DeliveryRecord: Sendable {
    public var id: String
    public var messageID: String
    public var mapping: String
    public var state: DeliveryState
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var url: String?
    public var lastError: String?
    public var lastStatus: Int?
    public var result: JSONValue?
    public var createdAt: Date
    public var updatedAt: Date
    public var completedAt: Date?
    public var attemptLog: [AttemptRecord]
    /// The identifier values this delivery is ordered by, if any.
    public var orderingKey: String?
    /// The earlier delivery with the same identifier values this one waits behind, if any.
    public var waitingFor: String?

    public init(
        id: String,
        messageID: String,
        mapping: String,
        state: DeliveryState,
        attempts: Int,
        nextAttemptAt: Date?,
        url: String?,
        lastError: String?,
        lastStatus: Int?,
        result: JSONValue?,
        createdAt: Date,
        updatedAt: Date,
        completedAt: Date?,
        attemptLog: [AttemptRecord] = [],
        orderingKey: String? = nil,
        waitingFor: String? = nil
    ) {
        self.orderingKey = orderingKey
        self.waitingFor = waitingFor
        self.id = id
        self.messageID = messageID
        self.mapping = mapping
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.url = url
        self.lastError = lastError
        self.lastStatus = lastStatus
        self.result = result
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.completedAt = completedAt
        self.attemptLog = attemptLog
    }
}

/// One attempt at a delivery.
public struct AttemptRecord: Sendable {
    public var number: Int
    public var startedAt: Date
    public var duration: Double
    public var url: String
    public var status: Int?
    public var response: String?
    public var error: String?

    public init(number: Int, startedAt: Date, duration: Double, url: String, status: Int?, response: String?, error: String?) {
        self.number = number
        self.startedAt = startedAt
        self.duration = duration
        self.url = url
        self.status = status
        self.response = response
        self.error = error
    }
}

/// A stored notification.
public struct NotificationRecord: Sendable {
    public var id: Int64
    public var storeID: String
    public var messageID: String
    public var deliveryID: String?
    public var mapping: String
    public var level: String
    public var subject: String
    public var description: String
    public var extra: JSONValue
    public var reference: String?
    public var occurrences: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: Int64,
        storeID: String,
        messageID: String,
        deliveryID: String?,
        mapping: String,
        level: String,
        subject: String,
        description: String,
        extra: JSONValue,
        reference: String?,
        occurrences: Int,
        createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.storeID = storeID
        self.messageID = messageID
        self.deliveryID = deliveryID
        self.mapping = mapping
        self.level = level
        self.subject = subject
        self.description = description
        self.extra = extra
        self.reference = reference
        self.occurrences = occurrences
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A message with everything around it, as the inspector shows it.
public struct MessageDetail: Sendable {
    public var message: MessageRecord
    public var children: [MessageRecord]
    public var notifications: [NotificationRecord]

    public init(message: MessageRecord, children: [MessageRecord], notifications: [NotificationRecord]) {
        self.message = message
        self.children = children
        self.notifications = notifications
    }
}

/// Counts for one time slot of the activity chart.
public struct ActivitySlot: Sendable, Equatable {
    public var start: Date
    public var received: Int
    public var failed: Int

    public init(start: Date, received: Int, failed: Int) {
        self.start = start
        self.received = received
        self.failed = failed
    }

    /// Spreads per-slot counts (slot index to count) over `slots` slots from `since`.
    public static func fill(since: Date, slot: Double, slots: Int, received: [Int: Int], failed: [Int: Int]) -> [ActivitySlot] {
        (0..<slots).map { index in
            ActivitySlot(start: since.addingTimeInterval(Double(index) * slot), received: received[index] ?? 0, failed: failed[index] ?? 0)
        }
    }
}
