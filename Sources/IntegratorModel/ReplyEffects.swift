import Foundation

/// What an attempt's reply does to the hub, decided apart from any I/O: the result and
/// parameters to save, the child messages to route, and the notifications to keep, each with
/// the `notification:<level>` message that carries it onward. The delivery service routes the
/// messages and records all of it in the attempt's transaction.
public struct ReplyEffects: Sendable, Equatable {
    /// A message to route into the delivery's store.
    public struct Message: Sendable, Equatable {
        public var name: String
        public var payload: JSONValue

        public init(name: String, payload: JSONValue) {
            self.name = name
            self.payload = payload
        }
    }

    /// A notification to keep, searchable by `reference`, and the message that carries it
    /// (none past the depth limit).
    public struct KeptNotification: Sendable, Equatable {
        public var notification: Notification
        public var reference: String?
        public var message: Message?
    }

    /// The depth of every message made here: one below the delivery's message.
    public var depth: Int
    /// Kept as the delivery's result (only from a successful attempt).
    public var result: JSONValue?
    public var parameters: [Parameter] = []
    /// The reply's `messages`, as child messages (only from a successful attempt within the depth limit).
    public var messages: [Message] = []
    public var notifications: [KeptNotification] = []

    /// The effects of `verdict`'s reply to `delivery` through the mapping called `mapping`,
    /// with messages at most `maxDepth` deep.
    public static func of(_ verdict: AttemptVerdict, delivery: ClaimedDelivery, mapping: String, maxDepth: Int) -> ReplyEffects {
        let reply = verdict.reply
        let depth = delivery.depth + 1
        let tooDeep = depth > maxDepth
        var effects = ReplyEffects(depth: depth)
        // Notifications count whatever the status, as the original hub kept them.
        var notifications = reply.notifications
        if verdict.succeeded {
            effects.result = reply.result == .null ? nil : reply.result
            // The store's id is not a parameter an endpoint can change.
            effects.parameters = reply.parameters.filter { $0.name != DeliveryRequest.storeIDParameter }.map {
                Parameter(name: $0.name, value: $0.value)
            }
            if tooDeep, !reply.messages.isEmpty {
                notifications.append(
                    Notification(
                        level: .error,
                        subject: "messages refused: chain too deep",
                        description:
                            "the reply held \(reply.messages.count) message(s) at depth \(depth), past the limit of "
                            + "\(maxDepth); a mapping may be answering its own messages in a loop"
                    )
                )
            } else {
                effects.messages = reply.messages.map { Message(name: $0.name, payload: $0.payload) }
            }
            if !reply.problems.isEmpty {
                notifications.append(
                    Notification(
                        level: .warn,
                        subject: "parts of the reply were ignored",
                        description: reply.problems.map(\.description).joined(separator: "; ")
                    )
                )
            }
        }
        // Only notifications need it: reading the payload parses the stored text, which every
        // reply would otherwise pay for.
        let reference = notifications.isEmpty ? nil : Self.reference(of: delivery.payload)
        effects.notifications = notifications.map { notification in
            var payload: JSONObject = [
                "level": .string(notification.level.rawValue), "subject": .string(notification.subject),
                "description": .string(notification.description), "source": .string(mapping), "message_id": .string(delivery.messageID),
            ]
            if let reference { payload["reference"] = .string(reference) }
            for (key, value) in notification.extra where payload[key] == nil { payload[key] = value }
            let message = tooDeep ? nil : Message(name: "notification:\(notification.level.rawValue)", payload: .object(payload))
            return KeptNotification(notification: notification, reference: reference, message: message)
        }
        return effects
    }

    /// What to search a message's notifications by: its order, shipment, product or user.
    public static func reference(of payload: JSONValue) -> String? {
        let candidates = [
            payload["order"]?["number"], payload["shipment"]?["number"], payload["shipment_number"], payload["product"]?["sku"],
            payload["user"]?["email"], payload["order_number"], payload["number"],
        ]
        return candidates.compactMap { $0 }.first { $0 != .null }.map(\.comparableText)
    }
}
