import Foundation

/// A mapping's JSON form: what the admin API shows, and the reader that refuses a bad one
/// naming every problem by its path.
extension Mapping {
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
            "identifiers": .object(JSONObject(identifiers.mapValues { .string($0.description) })),
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
                "a mapping must be a JSON object",
                problems: [Problem(path: "", problem: "must be an object, not \(json.typeName)")]
            )
        }
        let known: Set<String> = [
            "name", "messages", "url", "token", "filters", "identifiers", "parameters", "options", "enabled", "required", "timeout", "id", "store_id",
            "created_at", "updated_at", "protocol", "signing_secret", "previous_signing_secret", "integration", "transform", "paused",
        ]
        for key in fields.keys where !known.contains(key) {
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
            for (key, value) in items {
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
        var extraOptions: JSONObject = [:]
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
                                    problem: "must be a number of seconds from 0 to \(Int(RetryPolicy.maximumWait))"
                                )
                            )
                        }
                        retrySchedule = steps.compactMap(\.numberValue)
                    } else if value != .null {
                        problems.append(
                            Problem(path: "options.retry_schedule", problem: "must be a list of at most 100 non-negative numbers of seconds")
                        )
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
            name: name,
            messages: messages,
            url: url,
            token: token,
            filters: filters,
            identifiers: identifiers,
            parameters: parameters,
            retriesAllowed: retriesAllowed,
            retrySchedule: retrySchedule,
            enabled: enabled,
            required: required,
            timeout: timeout,
            extraOptions: extraOptions
        )
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
}
