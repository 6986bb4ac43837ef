import Foundation
import IntegratorModel

// What a push writes: messages, their deliveries and identifier values, change detection's copies, and the outcome.

/// A routed message ready to be written, with one delivery per matching mapping.
public struct NewMessage: Sendable {
    public var id: String
    public var storeID: String
    public var name: String
    public var payload: JSONValue
    /// Where it came from: `push`, `reply`, `notification`, `scheduler`, `resend`, `test`.
    public var origin: MessageOrigin
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
    /// The payload as the client sent it, stored as it is when set (it reads back to exactly
    /// `payload`); otherwise `payload` is written out.
    public var sentPayload: String?

    /// The payload's text as the store keeps it.
    public var storedPayload: String { sentPayload ?? payload.jsonString }

    public init(
        id: String,
        storeID: String,
        name: String,
        payload: JSONValue,
        origin: MessageOrigin,
        parentMessageID: String? = nil,
        parentDeliveryID: String? = nil,
        depth: Int = 0,
        createdAt: Date,
        identifiers: [IdentifierValue] = [],
        deliveries: [NewDelivery] = [],
        note: String? = nil
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

/// A value a mapping's identifier took for one message.
public struct IdentifierValue: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
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
