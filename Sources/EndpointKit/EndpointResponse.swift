import Foundation
import IntegratorModel

/// The reply to the hub, built as endpoint_base built it: `message_id` always; then any values,
/// `parameters` as `[{name, value}]`, `messages` and `notifications`, each left out when empty.
public struct EndpointResponse: Sendable {
    public var messageID: String
    /// The HTTP status: 200 for success (and for business failures carried as error
    /// notifications, which must not be retried); 500 asks the hub to retry.
    public var status: Int = 200
    public private(set) var values: JSONObject = [:]
    public private(set) var messages: [JSONValue] = []
    public private(set) var notifications: [JSONValue] = []
    public private(set) var parameters: [(name: String, value: JSONValue)] = []

    public init(messageID: String, status: Int = 200) {
        self.messageID = messageID
        self.status = status
    }

    /// Adds a top-level key (`order`, `payment`, `locked` …).
    public mutating func add(value: JSONValue, for key: String) {
        values[key] = value
    }

    /// Adds a message for the hub to route: `{message, payload, ...extra}`.
    public mutating func addMessage(_ name: String, payload: JSONValue = .object([:]), extra: JSONObject = [:]) {
        var fields = extra
        fields["message"] = .string(name)
        fields["payload"] = payload
        messages.append(.object(fields))
    }

    /// Adds one message per payload.
    public mutating func addMessages(_ name: String, payloads: [JSONValue], extra: JSONObject = [:]) {
        for payload in payloads { addMessage(name, payload: payload, extra: extra) }
    }

    /// Adds a parameter to save on the store (a poll cursor, say).
    public mutating func addParameter(_ name: String, value: JSONValue) {
        parameters.removeAll { $0.name == name }
        parameters.append((name, value))
    }

    /// Adds a notification; extra keys (a `backtrace`) are kept.
    public mutating func addNotification(
        _ level: IntegratorModel.Notification.Level,
        subject: String,
        description: String? = nil,
        extra: JSONObject = [:]
    ) {
        var fields = extra
        fields["level"] = .string(level.rawValue)
        fields["subject"] = .string(subject)
        fields["description"] = .string(description ?? subject)
        notifications.append(.object(fields))
    }

    /// The JSON body.
    public var json: JSONValue {
        var fields = values
        fields["message_id"] = .string(messageID)
        if !parameters.isEmpty { fields["parameters"] = .array(parameters.map { .object(["name": .string($0.name), "value": $0.value]) }) }
        if !messages.isEmpty { fields["messages"] = .array(messages) }
        if !notifications.isEmpty { fields["notifications"] = .array(notifications) }
        return .object(fields)
    }
}
