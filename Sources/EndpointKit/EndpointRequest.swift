import Foundation
import IntegratorModel

/// A request from the hub, read as endpoint_base read it: the message, its id, the payload,
/// and `payload.parameters` turned from a `[{name, value}]` list into a dictionary.
public struct EndpointRequest: Sendable {
    public var message: String
    public var messageID: String
    /// The payload without its `parameters`.
    public var payload: JSONValue
    /// Every parameter the hub sent, by its full name (`spree.api_url`).
    public var parameters: JSONObject
    /// The integration prefix (`spree`), so `parameter("api_url")` means `spree.api_url`.
    public var prefix: String?
    /// The store the hub sent the message for, when it said.
    public var storeID: String?

    public init(
        message: String,
        messageID: String,
        payload: JSONValue,
        parameters: JSONObject,
        prefix: String? = nil,
        storeID: String? = nil
    ) {
        self.message = message
        self.messageID = messageID
        self.payload = payload
        self.parameters = parameters
        self.prefix = prefix
        self.storeID = storeID
    }

    /// Reads a request body. Parameters may come as a `[{name, value}]` list (the v5 hub) or
    /// as an object (v6).
    public static func decode(_ body: JSONValue, prefix: String? = nil) throws -> EndpointRequest {
        guard case .object(let fields) = body else {
            throw EndpointError.badRequest("the body must be a JSON object with message, message_id and payload")
        }
        var payload = fields["payload"]?.objectValue ?? [:]
        var parameters: JSONObject = [:]
        switch payload.removeValue(forKey: "parameters") ?? fields["parameters"] {
        case .array(let items)?:
            // Gathered in a dictionary (names come in any order; a repeated one keeps its last value).
            var named: [String: JSONValue] = [:]
            for item in items {
                if let name = item["name"]?.stringValue { named[name] = item["value"] ?? .null }
            }
            parameters = JSONObject(named)
        case .object(let pairs)?:
            parameters = pairs
        default:
            break
        }
        let storeID = fields["store_id"]?.stringValue ?? parameters["store_id"]?.stringValue
        return EndpointRequest(
            message: fields["message"]?.stringValue ?? "",
            messageID: fields["message_id"]?.stringValue ?? fields["request_id"]?.stringValue ?? "",
            payload: .object(payload),
            parameters: parameters,
            prefix: prefix,
            storeID: storeID
        )
    }

    /// A parameter by its exact name, as endpoint_base reads it: `parameter("spree.api_url")`
    /// finds only `spree.api_url`. A bare name is short for the integration's own prefix:
    /// with prefix `spree`, `parameter("api_url")` also finds only `spree.api_url`. A hub that
    /// sent the wrong name is not hidden by a second guess.
    public func parameter(_ name: String) -> JSONValue? {
        if let prefix, !name.contains(".") { return parameters["\(prefix).\(name)"] }
        return parameters[name]
    }

    /// A parameter as text (numbers and booleans as they print); nil when absent or empty.
    public func string(_ name: String) -> String? {
        guard let value = parameter(name), value != .null else { return nil }
        let text = value.comparableText
        return text.isEmpty ? nil : text
    }

    /// A required text parameter, or a `missingParameter` error naming it.
    public func require(_ name: String) throws -> String {
        guard let value = string(name) else {
            throw EndpointError.missingParameter(prefix.map { name.contains(".") ? name : "\($0).\(name)" } ?? name)
        }
        return value
    }

    /// A boolean parameter: true, "true", "1" or "yes".
    public func flag(_ name: String, default value: Bool = false) -> Bool {
        switch parameter(name) {
        case .bool(let b)?: return b
        case .string(let s)?: return ["true", "1", "yes"].contains(s.lowercased())
        case .int(let i)?: return i != 0
        default: return value
        }
    }
}

/// What went wrong in an endpoint, as the reply says it.
public enum EndpointError: Error, Sendable, CustomStringConvertible {
    /// The payload cannot be used: answered 200 with an error notification, not retried.
    case badRequest(String)
    /// A parameter the service needs was not sent.
    case missingParameter(String)
    /// Anything else; the endpoint answers 500 so the hub retries.
    case failed(String)

    public var description: String {
        switch self {
        case .badRequest(let why): return why
        case .missingParameter(let name): return "the parameter \(name) is required; set it on the store"
        case .failed(let why): return why
        }
    }
}
