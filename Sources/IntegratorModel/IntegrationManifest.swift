/// An endpoint's manifest (`GET <base>/endpoint.json`, SPEC §7), checked, with what registering
/// it creates: the parameters its services require and one mapping per service.
public struct IntegrationManifest: Sendable {
    public struct Service: Sendable {
        public var name: String
        public var path: String
        public var description: String
        public var parameters: [String]
        public var messages: [String]
        public var identifiers: JSONValue
        public var filters: JSONValue
        public var retriesAllowed: Bool
        public var required: Bool
    }

    public var name: String
    public var display: String
    public var description: String
    public var services: [Service]
    public var json: JSONValue

    /// Reads and checks a manifest, naming every problem under `manifest.`.
    public static func decode(_ json: JSONValue) throws -> IntegrationManifest {
        var problems: [Problem] = []
        guard case .object(let fields) = json else {
            throw ValidationError("the manifest is not valid", problems: [Problem(path: "manifest", problem: "must be a JSON object")])
        }
        let name = fields["name"]?.stringValue ?? ""
        if name.isEmpty || !name.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }) {
            problems.append(Problem(path: "manifest.name", problem: "must be lowercase letters, digits, - and _, not '\(name)'"))
        }
        var services: [Service] = []
        let items = fields["services"]?.arrayValue ?? []
        if items.isEmpty { problems.append(Problem(path: "manifest.services", problem: "must list at least one service")) }
        for (index, item) in items.enumerated() {
            let at = "manifest.services.\(index)"
            let serviceName = item["name"]?.stringValue ?? ""
            if serviceName.isEmpty || MessageName.problem(with: serviceName) != nil {
                problems.append(Problem(path: "\(at).name", problem: "is required: letters, digits, _ and -"))
            }
            let path = item["path"]?.stringValue ?? ""
            if !path.hasPrefix("/") { problems.append(Problem(path: "\(at).path", problem: "must start with /, not '\(path)'")) }
            var parameters: [String] = []
            for (p, parameter) in (item["requires"]?["parameters"]?.arrayValue ?? []).enumerated() {
                if let parameterName = parameter["name"]?.stringValue, !parameterName.isEmpty {
                    parameters.append(qualified(parameterName, integration: name))
                } else {
                    problems.append(Problem(path: "\(at).requires.parameters.\(p).name", problem: "is required"))
                }
                if let type = parameter["data_type"]?.stringValue, !["string", "integer", "float", "boolean", "list"].contains(type) {
                    problems.append(
                        Problem(
                            path: "\(at).requires.parameters.\(p).data_type",
                            problem: "must be string, integer, float, boolean or list, not '\(type)'"
                        )
                    )
                }
            }
            let recommends = item["recommends"] ?? .object([:])
            var messages: [String] = []
            for (m, message) in (recommends["messages"]?.arrayValue ?? []).enumerated() {
                if let text = message.stringValue, MessageName.problem(with: text) == nil {
                    messages.append(MessageName.normalised(text))
                } else {
                    problems.append(Problem(path: "\(at).recommends.messages.\(m)", problem: "must be a message name"))
                }
            }
            if messages.isEmpty { problems.append(Problem(path: "\(at).recommends.messages", problem: "must recommend at least one message")) }
            let identifiers = recommends["identifiers"] ?? .object([:])
            let filters = recommends["filters"] ?? .array([])
            for (f, filter) in (filters.arrayValue ?? []).enumerated() {
                var filterProblems: [Problem] = []
                _ = FilterNode.decode(filter, at: "\(at).recommends.filters.\(f)", problems: &filterProblems)
                problems += filterProblems
            }
            services.append(
                Service(
                    name: serviceName,
                    path: path,
                    description: item["description"]?.stringValue ?? "",
                    parameters: parameters,
                    messages: messages,
                    identifiers: identifiers,
                    filters: filters,
                    retriesAllowed: recommends["options"]?["retries_allowed"]?.boolValue ?? true,
                    required: item["required"]?.boolValue ?? false
                )
            )
        }
        if !problems.isEmpty { throw ValidationError("the manifest is not valid", problems: problems) }
        return IntegrationManifest(
            name: name,
            display: fields["display"]?.stringValue ?? name,
            description: fields["description"]?.stringValue ?? "",
            services: services,
            json: json
        )
    }

    /// A manifest parameter's name as the store keeps it and the endpoint reads it: a bare name
    /// gets the integration's name as its prefix (`seller_id` of `amazon` is `amazon.seller_id`),
    /// as Spree's guide for custom integrations says; a name with a dotted prefix stays as it is.
    public static func qualified(_ parameter: String, integration: String) -> String {
        parameter.contains(".") || integration.isEmpty ? parameter : "\(integration).\(parameter)"
    }

    /// The mapping of one service, for an endpoint at `baseURL` guarded by `token`.
    public func mapping(for service: Service, baseURL: String, token: String) throws -> Mapping {
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        let unprefixed = service.parameters.filter { !$0.hasPrefix("\(name).") }
        var json: JSONObject = [
            "name": .string("\(name).\(service.name)"), "messages": .array(service.messages.map { .string($0) }), "url": .string(base + service.path),
            "token": .string(token), "identifiers": service.identifiers, "filters": service.filters,
            "parameters": .array(([name + ".*"] + unprefixed).map { .string($0) }),
            "options": ["retries_allowed": .bool(service.retriesAllowed)], "required": .bool(service.required), "integration": .string(name),
        ]
        if service.identifiers == .null { json["identifiers"] = nil }
        return try Mapping.decode(.object(json))
    }
}
