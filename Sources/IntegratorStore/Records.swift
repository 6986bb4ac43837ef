import Foundation
import IntegratorModel

/// A tenant: one shop.
public struct StoreInfo: Sendable, Hashable {
    public var id: String
    public var name: String
    public var createdAt: Date
    /// The store's own retention; nil follows the hub's `--retention`.
    public var retention: RetentionPeriod?

    public init(id: String, name: String, createdAt: Date, retention: RetentionPeriod? = nil) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.retention = retention
    }
}

/// A value a mapping's identifier took for one message.
public struct IdentifierValue: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// A delivery to create with its message.
public struct NewDelivery: Sendable {
    public var id: String
    public var mapping: String
    /// What makes this delivery a duplicate of an earlier one: the message's name, its
    /// identifier values and a digest of its payload. Nil when the mapping has no identifiers
    /// (or the message was resent on purpose).
    public var dedupKey: String?
    /// The identifier values (`order_number=R1`): deliveries to one mapping that share them go
    /// out one at a time, in the order received. Nil when the mapping has no identifiers.
    public var orderingKey: String?
    public var nextAttemptAt: Date
    /// Whether the mapping is paused: the delivery is written in state `paused`.
    public var paused = false

    public init(id: String, mapping: String, dedupKey: String?, orderingKey: String? = nil, nextAttemptAt: Date, paused: Bool = false) {
        self.paused = paused
        self.id = id
        self.mapping = mapping
        self.dedupKey = dedupKey
        self.orderingKey = orderingKey
        self.nextAttemptAt = nextAttemptAt
    }
}

/// The latest copy of a store object a `*:persist` message carries, and how to turn the change
/// since the previous copy into messages. The store reads the previous copy and writes the new
/// one in the same transaction as the message.
public struct ObjectCopy: Sendable {
    public var type: String
    public var identity: String
    public var object: JSONValue
    /// The messages to write for the change from the previous copy (nil when unseen).
    public var derive: @Sendable (JSONValue?) -> [NewMessage]

    public init(type: String, identity: String, object: JSONValue, derive: @escaping @Sendable (JSONValue?) -> [NewMessage]) {
        self.type = type
        self.identity = identity
        self.object = object
        self.derive = derive
    }
}

/// A routed message ready to be written, with one delivery per matching mapping.
public struct NewMessage: Sendable {
    public var id: String
    public var storeID: String
    public var name: String
    public var payload: JSONValue
    /// Where it came from: `push`, `reply`, `notification`, `scheduler`, `resend`, `test`.
    public var origin: String
    public var parentMessageID: String?
    public var parentDeliveryID: String?
    /// How many replies deep it is: 0 for a push.
    public var depth: Int
    public var createdAt: Date
    public var identifiers: [IdentifierValue]
    public var deliveries: [NewDelivery]
    /// Why nothing took the message, when no mapping matched.
    public var note: String?
    /// For a `*:persist` message: the object copy change detection compares.
    public var objectCopy: ObjectCopy?

    public init(
        id: String, storeID: String, name: String, payload: JSONValue, origin: String, parentMessageID: String? = nil,
        parentDeliveryID: String? = nil, depth: Int = 0, createdAt: Date, identifiers: [IdentifierValue] = [],
        deliveries: [NewDelivery] = [], note: String? = nil
    ) {
        self.id = id
        self.storeID = storeID
        self.name = name
        self.payload = payload
        self.origin = origin
        self.parentMessageID = parentMessageID
        self.parentDeliveryID = parentDeliveryID
        self.depth = depth
        self.createdAt = createdAt
        self.identifiers = identifiers
        self.deliveries = deliveries
        self.note = note
    }
}

/// One push request: its messages, written together with the reply that acknowledges them, so
/// that a repeat with the same `Idempotency-Key` gets the same reply.
public struct PushRecord: Sendable {
    public var storeID: String
    public var idempotencyKey: String?
    public var messages: [NewMessage]
    public var replyStatus: Int
    public var reply: JSONValue
    public var now: Date

    public init(storeID: String, idempotencyKey: String?, messages: [NewMessage], replyStatus: Int, reply: JSONValue, now: Date) {
        self.storeID = storeID
        self.idempotencyKey = idempotencyKey
        self.messages = messages
        self.replyStatus = replyStatus
        self.reply = reply
        self.now = now
    }
}

/// What became of a push.
public enum PushOutcome: Sendable, Equatable {
    /// Written and fsync'd.
    case stored
    /// A repeat of an earlier push with the same key: its reply, and nothing new stored.
    case replayed(status: Int, reply: JSONValue)
}

/// A notification to store against a message; `message` is the `notification:<level>` message
/// written only when the notification is new (a repeat raises `occurrences` instead).
public struct NewNotification: Sendable {
    public var storeID: String
    public var messageID: String
    public var deliveryID: String?
    public var mapping: String
    public var notification: IntegratorModel.Notification
    public var reference: String?
    public var message: NewMessage?

    public init(
        storeID: String, messageID: String, deliveryID: String?, mapping: String, notification: IntegratorModel.Notification, reference: String?,
        message: NewMessage?
    ) {
        self.storeID = storeID
        self.messageID = messageID
        self.deliveryID = deliveryID
        self.mapping = mapping
        self.notification = notification
        self.reference = reference
        self.message = message
    }
}

/// One finished attempt and everything it caused, written in one transaction.
public struct AttemptReport: Sendable {
    public var deliveryID: String
    public var storeID: String
    public var messageID: String
    /// The worker that held the lease; the state changes only while it still does.
    public var owner: String
    public var startedAt: Date
    public var duration: Double
    public var url: String
    public var status: Int?
    /// The response body, capped.
    public var response: String?
    public var error: String?
    public var transition: DeliveryTransition
    public var result: JSONValue?
    public var children: [NewMessage]
    public var notifications: [NewNotification]
    public var parameters: [Parameter]
    /// The mapping's breaker, when this attempt counts for it (nil for an attempt cut by shutdown
    /// or one whose mapping is gone). A success is an attempt with no `error`.
    public var breaker: BreakerPolicy?
    /// The delivery's mapping, whose breaker the attempt counts on.
    public var mapping = ""
    /// The alerts this attempt may cause, made ready by the worker; the store writes those that happen.
    public var alerts = AttemptAlerts()

    public init(
        deliveryID: String, storeID: String, messageID: String, owner: String, startedAt: Date, duration: Double, url: String,
        status: Int?, response: String?, error: String?, transition: DeliveryTransition, result: JSONValue? = nil,
        children: [NewMessage] = [], notifications: [NewNotification] = [], parameters: [Parameter] = []
    ) {
        self.deliveryID = deliveryID
        self.storeID = storeID
        self.messageID = messageID
        self.owner = owner
        self.startedAt = startedAt
        self.duration = duration
        self.url = url
        self.status = status
        self.response = response
        self.error = error
        self.transition = transition
        self.result = result
        self.children = children
        self.notifications = notifications
        self.parameters = parameters
    }
}

/// A scheduler: makes its message in its store every `interval` seconds.
public struct Scheduler: Sendable, Hashable {
    public var id: String
    public var message: String
    public var payload: JSONValue
    public var interval: Double
    public var enabled: Bool
    public var nextRunAt: Date?
    public var lastRunAt: Date?

    public init(
        id: String, message: String, payload: JSONValue, interval: Double, enabled: Bool = true, nextRunAt: Date? = nil, lastRunAt: Date? = nil
    ) {
        self.id = id
        self.message = message
        self.payload = payload
        self.interval = interval
        self.enabled = enabled
        self.nextRunAt = nextRunAt
        self.lastRunAt = lastRunAt
    }
}

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
        storeID: String, message: String? = nil, state: String? = nil, mapping: String? = nil, identifier: IdentifierValue? = nil, since: Date? = nil,
        until: Date? = nil, page: Int = 1, perPage: Int = 25
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
    public var origin: String
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
        id: String, storeID: String, name: String, payload: JSONValue, origin: String, parentMessageID: String?, parentDeliveryID: String?,
        depth: Int, state: String, note: String?, createdAt: Date, deliveries: [DeliveryRecord] = [], identifiers: [IdentifierValue] = []
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
        id: String, messageID: String, mapping: String, state: DeliveryState, attempts: Int, nextAttemptAt: Date?, url: String?, lastError: String?,
        lastStatus: Int?, result: JSONValue?, createdAt: Date, updatedAt: Date, completedAt: Date?, attemptLog: [AttemptRecord] = [],
        orderingKey: String? = nil, waitingFor: String? = nil
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
        id: Int64, storeID: String, messageID: String, deliveryID: String?, mapping: String, level: String, subject: String, description: String,
        extra: JSONValue, reference: String?, occurrences: Int, createdAt: Date, updatedAt: Date
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
