import Foundation

/// Routes messages of some names, passing its filters, to one service URL with a token.
///
/// Its JSON form is the original hub's: `name, messages, url, token, filters, identifiers,
/// parameters, options.retries_allowed, enabled, required, timeout`, with
/// `options.retry_schedule` (seconds between attempts) as our addition.
public struct Mapping: Sendable, Hashable {
    public var name: String
    public var messages: [String]
    public var url: String
    public var token: String
    /// The filters, an implicit `all`; each may be a group (`any`, `all`, `not`).
    public var filters: [FilterNode]
    /// What the delivery's payload is made from, if not the message's payload.
    public var transform: Transform?
    /// `{name: path}` pairs; their values mark a message as already delivered to this mapping.
    public var identifiers: [String: JSONPath]
    /// Store parameter names sent in `payload.parameters`; `spree.*` names a whole prefix.
    public var parameters: [String]
    public var retriesAllowed: Bool
    /// Seconds to wait before each retry; nil for the default schedule.
    public var retrySchedule: [Double]?
    public var enabled: Bool
    public var required: Bool
    /// Seconds an attempt may take.
    public var timeout: Double
    /// Keys of `options` we do not interpret, kept so that a round trip loses nothing.
    public var extraOptions: [String: JSONValue]
    /// The wire form of deliveries: the original hub's (v5) or Wombat's (v6).
    public var wireProtocol: WireProtocol = .v5
    /// Standard Webhooks secrets (`whsec_…`): deliveries carry `webhook-signature`.
    public var signingSecret: String?
    /// The secret being rotated out; deliveries are signed with both while it is set.
    public var previousSigningSecret: String?
    /// The integration this mapping was made for, if any.
    public var integration: String?
    /// `options.max_in_flight`: attempts of this mapping under way at once in one hub process;
    /// nil for the default, `defaultMaxInFlight`.
    public var maxInFlight: Int?
    /// While true, the mapping's deliveries are made but wait in state `paused`.
    public var paused = false
    /// `options.breaker_threshold`: consecutive failed attempts that open the breaker; nil for 20.
    public var breakerThreshold: Int?
    /// `options.breaker_cooldown`: seconds an open breaker waits before a probe; nil for 60.
    public var breakerCooldown: Double?
    /// `options.rate_limit`: attempts started per second at most, in any one-second window.
    public var rateLimit: Int?

    /// Attempts one mapping may have under way at once unless `options.max_in_flight` says
    /// otherwise: well below the 64 delivery slots, so one slow endpoint holds a quarter at most.
    public static let defaultMaxInFlight = 16
    public static let maximumMaxInFlight = 1024

    /// The cap in force on this mapping's attempts in flight.
    public var inFlightCap: Int { maxInFlight ?? Self.defaultMaxInFlight }

    /// How deliveries are shaped on the wire.
    public enum WireProtocol: String, Sendable, Hashable {
        /// `{message, message_id, payload{..., parameters: [{name, value}]}}` with `X-Augury-Token`; only 200 succeeds.
        case v5
        /// `{request_id, parameters: {...}, <type>: {...}}` with `X-Hub-Token`; 200–204 succeed.
        case v6
    }

    /// The secrets deliveries are signed with, newest first.
    public var signingSecrets: [String] { [signingSecret, previousSigningSecret].compactMap { $0 } }

    public static let defaultTimeout: Double = 180
    public static let maximumTimeout: Double = 3600

    public init(
        name: String, messages: [String], url: String, token: String = "", filters: [FilterNode] = [],
        identifiers: [String: JSONPath] = [:], parameters: [String] = [], retriesAllowed: Bool = true,
        retrySchedule: [Double]? = nil, enabled: Bool = true, required: Bool = false,
        timeout: Double = Mapping.defaultTimeout, extraOptions: [String: JSONValue] = [:]
    ) {
        self.name = name
        self.messages = messages
        self.url = url
        self.token = token
        self.filters = filters
        self.identifiers = identifiers
        self.parameters = parameters
        self.retriesAllowed = retriesAllowed
        self.retrySchedule = retrySchedule
        self.enabled = enabled
        self.required = required
        self.timeout = timeout
        self.extraOptions = extraOptions
    }

    /// The JSON form, as the admin API shows it.
    public var json: JSONValue {
        var options = extraOptions
        options["retries_allowed"] = .bool(retriesAllowed)
        if let retrySchedule { options["retry_schedule"] = .array(retrySchedule.map { .double($0) }) }
        if let maxInFlight { options["max_in_flight"] = .int(Int64(maxInFlight)) }
        writeHealthOptions(into: &options)
        return .object([
            "name": .string(name),
            "messages": .array(messages.map { .string($0) }),
            "url": .string(url),
            "token": .string(token),
            "filters": .array(filters.map(\.json)),
            "identifiers": .object(identifiers.mapValues { .string($0.description) }),
            "parameters": .array(parameters.map { .string($0) }),
            "options": .object(options),
            "enabled": .bool(enabled),
            "paused": .bool(paused),
            "required": .bool(required),
            "timeout": .double(timeout),
            "protocol": .string(wireProtocol.rawValue),
            "signing_secret": signingSecret.map(JSONValue.string) ?? .null,
            "previous_signing_secret": previousSigningSecret.map(JSONValue.string) ?? .null,
            "integration": integration.map(JSONValue.string) ?? .null,
            "transform": transform?.json ?? .null,
        ])
    }

    /// Reads a mapping from its JSON form, or throws a ValidationError naming every problem.
    /// `defaultName` fills in the name when the body leaves it out (a PUT to `.../mappings/{name}`).
    public static func decode(_ json: JSONValue, defaultName: String? = nil) throws -> Mapping {
        var problems: [Problem] = []
        guard case .object(let fields) = json else {
            throw ValidationError(
                "a mapping must be a JSON object", problems: [Problem(path: "", problem: "must be an object, not \(json.typeName)")])
        }
        let known: Set<String> = [
            "name", "messages", "url", "token", "filters", "identifiers", "parameters", "options", "enabled", "required", "timeout", "id", "store_id",
            "created_at", "updated_at", "protocol", "signing_secret", "previous_signing_secret", "integration", "transform", "paused",
        ]
        for key in fields.keys.sorted() where !known.contains(key) {
            problems.append(Problem(path: key, problem: "is not a field of a mapping"))
        }

        var name = defaultName ?? ""
        switch fields["name"] {
        case .string(let s)?: name = s
        case nil, .null?: if defaultName == nil { problems.append(Problem(path: "name", problem: "is required")) }
        case let other?: problems.append(Problem(path: "name", problem: "must be a string, not \(other.typeName)"))
        }
        if let defaultName, !name.isEmpty, name != defaultName {
            problems.append(Problem(path: "name", problem: "'\(name)' differs from the name in the URL, '\(defaultName)'"))
        }
        if !name.isEmpty, let why = MessageName.problem(with: name) {
            problems.append(Problem(path: "name", problem: why))
        }

        var messages: [String] = []
        switch fields["messages"] {
        case .array(let items)?:
            if items.isEmpty { problems.append(Problem(path: "messages", problem: "must list at least one message name")) }
            for (index, item) in items.enumerated() {
                if case .string(let s) = item, MessageName.problem(with: s) == nil {
                    messages.append(MessageName.normalised(s))
                } else if case .string(let s) = item {
                    problems.append(Problem(path: "messages.\(index)", problem: MessageName.problem(with: s)!))
                } else {
                    problems.append(Problem(path: "messages.\(index)", problem: "must be a message name, not \(item.typeName)"))
                }
            }
        case nil, .null?: problems.append(Problem(path: "messages", problem: "is required: the message names this mapping receives"))
        case let other?: problems.append(Problem(path: "messages", problem: "must be an array of message names, not \(other.typeName)"))
        }

        var url = ""
        switch fields["url"] {
        case .string(let s)?:
            url = s
            if let why = DeliveryURL.problem(s) { problems.append(Problem(path: "url", problem: why)) }
        case nil, .null?: problems.append(Problem(path: "url", problem: "is required"))
        case let other?: problems.append(Problem(path: "url", problem: "must be a string, not \(other.typeName)"))
        }

        var token = ""
        switch fields["token"] {
        case .string(let s)?: token = s
        case nil, .null?: break
        case let other?: problems.append(Problem(path: "token", problem: "must be a string, not \(other.typeName)"))
        }

        var filters: [FilterNode] = []
        switch fields["filters"] {
        case .array(let items)?:
            if items.count > 100 { problems.append(Problem(path: "filters", problem: "holds at most 100 filters")) }
            for (index, item) in items.prefix(100).enumerated() {
                if let filter = FilterNode.decode(item, at: "filters.\(index)", problems: &problems) { filters.append(filter) }
            }
        case nil, .null?: break
        case let other?: problems.append(Problem(path: "filters", problem: "must be an array of filters, not \(other.typeName)"))
        }

        var identifiers: [String: JSONPath] = [:]
        switch fields["identifiers"] {
        case .object(let items)?:
            for (key, value) in items.sorted(by: { $0.key < $1.key }) {
                if key.isEmpty || key.contains(":") {
                    problems.append(Problem(path: "identifiers", problem: "identifier names must be non-empty and hold no ':', not '\(key)'"))
                } else if case .string(let s) = value, let path = JSONPath(s) {
                    identifiers[key] = path
                } else {
                    problems.append(Problem(path: "identifiers.\(key)", problem: "must be a dotted path such as payload.order.number"))
                }
            }
        case nil, .null?: break
        case let other?: problems.append(Problem(path: "identifiers", problem: "must be an object of {name: path}, not \(other.typeName)"))
        }

        var parameters: [String] = []
        switch fields["parameters"] {
        case .array(let items)?:
            for (index, item) in items.enumerated() {
                // The original UI stored parameters as objects with a name; accept both forms.
                if case .string(let s) = item, !s.isEmpty {
                    parameters.append(s)
                } else if case .string(let s)? = item["name"], !s.isEmpty {
                    parameters.append(s)
                } else {
                    problems.append(Problem(path: "parameters.\(index)", problem: "must be a parameter name such as spree.api_url or spree.*"))
                }
            }
        case nil, .null?: break
        case let other?: problems.append(Problem(path: "parameters", problem: "must be an array of parameter names, not \(other.typeName)"))
        }

        var retriesAllowed = true
        var retrySchedule: [Double]?
        var extraOptions: [String: JSONValue] = [:]
        var maxInFlight: Int?
        var health = HealthOptions()
        switch fields["options"] {
        case .object(let options)?:
            for (key, value) in options {
                switch key {
                case "retries_allowed":
                    if case .bool(let b) = value {
                        retriesAllowed = b
                    } else if value != .null {
                        problems.append(Problem(path: "options.retries_allowed", problem: "must be true or false, not \(value.typeName)"))
                    }
                case "retry_schedule":
                    let range = 0...RetryPolicy.maximumWait
                    if case .array(let steps) = value, steps.count <= 100 {
                        for (index, step) in steps.enumerated() where !(step.numberValue.map(range.contains) ?? false) {
                            problems.append(
                                Problem(
                                    path: "options.retry_schedule.\(index)",
                                    problem: "must be a number of seconds from 0 to \(Int(RetryPolicy.maximumWait))"))
                        }
                        retrySchedule = steps.compactMap(\.numberValue)
                    } else if value != .null {
                        problems.append(
                            Problem(path: "options.retry_schedule", problem: "must be a list of at most 100 non-negative numbers of seconds"))
                    }
                case "max_in_flight":
                    if case .int(let n) = value, (1...Int64(maximumMaxInFlight)).contains(n) {
                        maxInFlight = Int(n)
                    } else if value != .null {
                        problems.append(Problem(path: "options.max_in_flight", problem: "must be a whole number from 1 to \(maximumMaxInFlight)"))
                    }
                default:
                    if !readHealthOption(key, value, into: &health, problems: &problems) { extraOptions[key] = value }
                }
            }
        case nil, .null?: break
        case let other?: problems.append(Problem(path: "options", problem: "must be an object, not \(other.typeName)"))
        }

        func flag(_ key: String, default value: Bool) -> Bool {
            switch fields[key] {
            case .bool(let b)?: return b
            case nil, .null?: return value
            case let other?:
                problems.append(Problem(path: key, problem: "must be true or false, not \(other.typeName)"))
                return value
            }
        }
        let enabled = flag("enabled", default: true)
        let required = flag("required", default: false)
        let paused = flag("paused", default: false)

        var timeout = defaultTimeout
        switch fields["timeout"] {
        case nil, .null?: break
        case let value?:
            if let n = value.numberValue, n > 0, n <= maximumTimeout {
                timeout = n
            } else {
                problems.append(Problem(path: "timeout", problem: "must be a number of seconds above 0 and at most \(Int(maximumTimeout))"))
            }
        }

        var wireProtocol = WireProtocol.v5
        switch fields["protocol"] {
        case nil, .null?: break
        case .string(let text)?:
            if let parsed = WireProtocol(rawValue: text) {
                wireProtocol = parsed
            } else {
                problems.append(Problem(path: "protocol", problem: "must be v5 or v6, not '\(text)'"))
            }
        case let other?: problems.append(Problem(path: "protocol", problem: "must be v5 or v6, not \(other.typeName)"))
        }
        var secrets: [String: String] = [:]
        for key in ["signing_secret", "previous_signing_secret"] {
            switch fields[key] {
            case nil, .null?: break
            case .string(let text)?:
                if WebhookSignature.key(text) == nil || !text.hasPrefix("whsec_") {
                    problems.append(Problem(path: key, problem: "must be whsec_ followed by base64, as Standard Webhooks defines it"))
                } else {
                    secrets[key] = text
                }
            case let other?: problems.append(Problem(path: key, problem: "must be a string, not \(other.typeName)"))
            }
        }
        if secrets["previous_signing_secret"] != nil, secrets["signing_secret"] == nil {
            problems.append(Problem(path: "previous_signing_secret", problem: "needs a signing_secret beside it"))
        }
        var transform: Transform?
        if let json = fields["transform"], json != .null { transform = Transform.decode(json, problems: &problems) }
        if !problems.isEmpty {
            throw ValidationError("the mapping is not valid", problems: problems)
        }
        var mapping = Mapping(
            name: name, messages: messages, url: url, token: token, filters: filters, identifiers: identifiers,
            parameters: parameters, retriesAllowed: retriesAllowed, retrySchedule: retrySchedule, enabled: enabled,
            required: required, timeout: timeout, extraOptions: extraOptions)
        mapping.wireProtocol = wireProtocol
        mapping.signingSecret = secrets["signing_secret"]
        mapping.previousSigningSecret = secrets["previous_signing_secret"]
        mapping.integration = fields["integration"]?.stringValue
        mapping.maxInFlight = maxInFlight
        mapping.transform = transform
        mapping.paused = paused
        mapping.breakerThreshold = health.breakerThreshold
        mapping.breakerCooldown = health.breakerCooldown
        mapping.rateLimit = health.rateLimit
        return mapping
    }

    /// Whether a store parameter is one this mapping sends.
    public func sends(parameter: String) -> Bool {
        parameters.contains { wanted in
            if wanted == "*" { return true }
            if wanted.hasSuffix(".*") { return parameter.hasPrefix(String(wanted.dropLast())) }
            return wanted == parameter
        }
    }
}

/// A mapping made ready to route: its filters compiled once, when the mapping is saved.
public struct CompiledMapping: Sendable {
    public let mapping: Mapping
    public let filters: [CompiledFilterNode]
    private let messageNames: Set<String>
    private let identifierNames: [String]

    public init(_ mapping: Mapping) {
        self.mapping = mapping
        self.filters = mapping.filters.map(CompiledFilterNode.init)
        self.messageNames = Set(mapping.messages)
        self.identifierNames = mapping.identifiers.keys.sorted()
    }

    /// Whether this mapping takes the message: enabled, named, and every filter passes.
    public func matches(message name: String, id: String, payload: JSONValue) -> Bool {
        mapping.enabled && messageNames.contains(name)
            && filters.allSatisfy { $0.passes(message: name, id: id, payload: payload) }
    }

    /// Whether this mapping takes the message and why, filter by filter.
    public func explain(message name: String, id: String, payload: JSONValue) -> RoutingExplanation {
        let nodes = filters.map { $0.explain(message: name, id: id, payload: payload) }
        let why: String
        if !mapping.enabled {
            why = "the mapping is disabled"
        } else if !messageNames.contains(name) {
            why = "the mapping does not take \(name); it takes \(mapping.messages.joined(separator: ", "))"
        } else if let refusal = nodes.enumerated().lazy.compactMap({ $0.element.refusal(at: "filters.\($0.offset)") }).first {
            why = refusal
        } else {
            why = nodes.isEmpty ? "it takes \(name) and has no filters" : "it takes \(name) and every filter passed"
        }
        let matches = mapping.enabled && messageNames.contains(name) && nodes.allSatisfy(\.passed)
        return RoutingExplanation(mapping: mapping.name, matches: matches, why: why, filters: nodes)
    }

    /// The identifier values of a message, in name order; several values a `*` reaches are
    /// joined with commas. Names whose path reaches nothing are left out.
    public func identifierValues(message name: String, id: String, payload: JSONValue) -> [(name: String, value: String)] {
        identifierNames.compactMap { key in
            let values = mapping.identifiers[key]!.values(message: name, id: id, payload: payload).filter { $0 != .null }
            if values.isEmpty { return nil }
            return (key, values.map(\.comparableText).joined(separator: ","))
        }
    }
}
