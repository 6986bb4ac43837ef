import IntegratorModel

/// What `GET /endpoint.json` describes: the endpoint, its services, the parameters each needs
/// and the mappings it recommends, so a hub can register it in one step.
public struct EndpointManifest: Sendable {
    public struct Parameter: Sendable {
        public enum DataType: String, Sendable { case string, integer, float, boolean, list }
        public var name: String
        public var description: String
        public var dataType: DataType
        public var defaultValue: JSONValue?
        public var optional: Bool

        public init(name: String, description: String, dataType: DataType = .string, defaultValue: JSONValue? = nil, optional: Bool = false) {
            self.name = name
            self.description = description
            self.dataType = dataType
            self.defaultValue = defaultValue
            self.optional = optional
        }

        var json: JSONValue {
            var fields: JSONObject = [
                "name": .string(name), "description": .string(description), "data_type": .string(dataType.rawValue),
            ]
            fields["default"] = defaultValue ?? .null
            if optional { fields["optional"] = true }
            return .object(fields)
        }
    }

    public struct Service: Sendable {
        public var name: String
        public var path: String
        public var description: String
        public var parameters: [Parameter]
        public var messages: [String]
        public var identifiers: [String: String]
        public var filters: [JSONValue]
        public var retriesAllowed: Bool
        public var required: Bool

        public init(
            name: String,
            path: String,
            description: String,
            parameters: [Parameter] = [],
            messages: [String],
            identifiers: [String: String] = [:],
            filters: [JSONValue] = [],
            retriesAllowed: Bool = true,
            required: Bool = false
        ) {
            self.name = name
            self.path = path
            self.description = description
            self.parameters = parameters
            self.messages = messages
            self.identifiers = identifiers
            self.filters = filters
            self.retriesAllowed = retriesAllowed
            self.required = required
        }

        var json: JSONValue {
            var fields: JSONObject = [
                "name": .string(name), "path": .string(path), "description": .string(description),
                "requires": ["parameters": .array(parameters.map(\.json))],
                "recommends": [
                    "messages": .array(messages.map { .string($0) }),
                    "identifiers": .object(JSONObject(identifiers.mapValues { .string($0) })),
                    "filters": .array(filters),
                    "options": ["retries_allowed": .bool(retriesAllowed)],
                ],
            ]
            if required { fields["required"] = true }
            return .object(fields)
        }
    }

    public var name: String
    public var display: String
    public var description: String
    public var help: String?
    public var services: [Service]

    public init(name: String, display: String, description: String, help: String? = nil, services: [Service]) {
        self.name = name
        self.display = display
        self.description = description
        self.help = help
        self.services = services
    }

    public var json: JSONValue {
        var fields: JSONObject = [
            "name": .string(name), "display": .string(display), "description": .string(description),
            "services": .array(services.map(\.json)),
        ]
        if let help { fields["help"] = .string(help) }
        return .object(fields)
    }
}
