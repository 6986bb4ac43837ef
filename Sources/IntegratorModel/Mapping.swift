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
    public var extraOptions: JSONObject
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
        name: String,
        messages: [String],
        url: String,
        token: String = "",
        filters: [FilterNode] = [],
        identifiers: [String: JSONPath] = [:],
        parameters: [String] = [],
        retriesAllowed: Bool = true,
        retrySchedule: [Double]? = nil,
        enabled: Bool = true,
        required: Bool = false,
        timeout: Double = Mapping.defaultTimeout,
        extraOptions: JSONObject = [:]
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
