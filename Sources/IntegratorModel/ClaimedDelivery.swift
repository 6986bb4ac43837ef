import Foundation

/// A named value of a store.
public struct Parameter: Sendable, Hashable {
    public var name: String
    public var value: JSONValue

    public init(name: String, value: JSONValue) {
        self.name = name
        self.value = value
    }
}

/// A delivery a worker has leased.
public struct ClaimedDelivery: Sendable {
    public var id: String
    public var messageID: String
    public var storeID: String
    public var mapping: String
    /// Attempts made before this one.
    public var attempts: Int
    /// The `update_url` to call instead of the mapping's URL.
    public var url: String?
    public var messageName: String
    /// The message's payload: the stored text parsed when asked for (an unreadable one reads as
    /// an empty object), unless set.
    public var payload: JSONValue {
        get { parsedPayload ?? storedPayload.flatMap { try? JSONValue.parse($0, depthLimit: 512) } ?? .object([:]) }
        set {
            parsedPayload = newValue
            storedPayload = nil
        }
    }
    private var parsedPayload: JSONValue?
    /// The payload as the store keeps it (JSON text in the hub's encoding), when the claim left
    /// it unparsed: a plain delivery is made from these bytes (`JSONSplice`).
    public private(set) var storedPayload: String?
    public var depth: Int
    /// Where the message came from (`push`, `reply`, `hub`, …): alerts are never made about `hub` messages.
    public var origin: MessageOrigin
    /// Whether this attempt is its mapping's probe through an open breaker: its outcome decides
    /// whether the mapping's other due deliveries go again, so its record wakes the delivery loop.
    public var probe = false

    public init(
        id: String,
        messageID: String,
        storeID: String,
        mapping: String,
        attempts: Int,
        url: String?,
        messageName: String,
        payload: JSONValue,
        storedPayload: String? = nil,
        depth: Int,
        origin: MessageOrigin = .push
    ) {
        self.parsedPayload = storedPayload == nil ? .some(payload) : .none
        self.storedPayload = storedPayload
        self.origin = origin
        self.id = id
        self.messageID = messageID
        self.storeID = storeID
        self.mapping = mapping
        self.attempts = attempts
        self.url = url
        self.messageName = messageName
        self.depth = depth
    }
}
