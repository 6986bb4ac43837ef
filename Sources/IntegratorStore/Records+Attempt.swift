import Foundation
import IntegratorModel

// What an attempt writes: its report, with the notifications its reply made.

/// One finished attempt and everything it caused, written in one transaction.
public struct AttemptReport: Sendable {
    public var deliveryID: String
    public var storeID: String
    public var messageID: String
    /// The worker that held the lease; the state changes only while it still does.
    public var owner: String
    /// The delivery's attempts as this worker's claim left them, when known: its attempt is
    /// the next, and the store writes it without reading the delivery first while the lease
    /// and the count are still as the claim left them (`AttemptSQL.finishOwnedDelivery`).
    public var claimedAttempts: Int?
    public var startedAt: Date
    public var duration: Double
    public var url: String
    public var status: Int?
    /// The response body, capped.
    public var response: String?
    public var error: String?
    public var transition: DeliveryTransition
    /// When the attempt ended: what its writes are stamped with.
    public var finishedAt: Date { startedAt.addingTimeInterval(duration) }
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
        deliveryID: String,
        storeID: String,
        messageID: String,
        owner: String,
        startedAt: Date,
        duration: Double,
        url: String,
        status: Int?,
        response: String?,
        error: String?,
        transition: DeliveryTransition,
        result: JSONValue? = nil,
        children: [NewMessage] = [],
        notifications: [NewNotification] = [],
        parameters: [Parameter] = []
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
        storeID: String,
        messageID: String,
        deliveryID: String?,
        mapping: String,
        notification: IntegratorModel.Notification,
        reference: String?,
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
