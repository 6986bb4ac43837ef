import Foundation
import IntegratorModel
import IntegratorStore
import Yams

/// A file of stores, parameters, mappings and schedulers (YAML or JSON), applied at start with
/// `--config` and by `integrator apply -f`. Applying it twice changes nothing the second time.
///
/// ```yaml
/// stores:
///   - id: acme
///     name: Acme Shop
///     token: a-long-random-store-token
///     parameters:
///       spree.api_url: http://127.0.0.1:3000/api/
///     mappings:
///       - name: spree.order_import
///         messages: [order:import]
///         url: http://127.0.0.1:4000/orders/import
///         token: endpoint-key
///         parameters: ["spree.*"]
///     schedulers:
///       - id: poll-orders
///         message: hub:poll
///         payload: {target: collections.orders}
///         interval: 300
/// ```
public enum ConfigFile {
    /// Reads a file as YAML (JSON is YAML too) into a JSON value.
    public static func read(path: String) throws -> JSONValue {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(message: "cannot read the config file \(path)", problems: [])
        }
        return try parse(String(decoding: data, as: UTF8.self), source: path)
    }

    public static func parse(_ text: String, source: String) throws -> JSONValue {
        do {
            guard let node = try Yams.compose(yaml: text) else { return .object([:]) }
            return try json(from: node)
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError(message: "\(source) is not valid YAML or JSON: \(error)", problems: [])
        }
    }

    static func json(from node: Node) throws -> JSONValue {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .doubleQuoted || scalar.style == .singleQuoted || scalar.style == .literal || scalar.style == .folded {
                return .string(scalar.string)
            }
            switch scalar.string {
            case "", "~", "null", "Null", "NULL": return .null
            case "true", "True", "TRUE": return .bool(true)
            case "false", "False", "FALSE": return .bool(false)
            default:
                if let i = Int64(scalar.string) { return .int(i) }
                if Double(scalar.string) != nil, scalar.string.contains(where: { $0.isNumber }) {
                    // As in a JSON body: kept exactly, or refused, never rounded or made infinite.
                    guard let number = JSONValue.exactNumber(scalar.string) else {
                        throw ConfigError(
                            message:
                                "the number \(scalar.string.prefix(40)) (line \(scalar.mark?.line ?? 0)) cannot be kept exactly; "
                                + "quote it to keep it as text",
                            problems: []
                        )
                    }
                    return number
                }
                return .string(scalar.string)
            }
        case .sequence(let sequence):
            return .array(try sequence.map(json(from:)))
        case .mapping(let mapping):
            // Built in a dictionary (a mapping's keys come in any order), made an object once.
            var fields: [String: JSONValue] = [:]
            for (key, value) in mapping {
                guard case .scalar(let scalar) = key else { throw ConfigError(message: "a key in the config file is not text", problems: []) }
                fields[scalar.string] = try json(from: value)
            }
            return .object(JSONObject(fields))
        case .alias:
            throw ConfigError(message: "YAML aliases are not supported in config files", problems: [])
        }
    }
}

/// A config file that cannot be applied, with every problem and where it is.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var problems: [Problem]

    public var description: String {
        ([message] + problems.map { "  \($0.path): \($0.problem)" }).joined(separator: "\n")
    }
}

extension Hub {
    /// Applies a config document: creates or updates stores, parameters, mappings and
    /// schedulers. Everything is checked first, so a bad file changes nothing. Returns what
    /// changed, one line each; tokens generated for new stores without one are in the lines.
    public func apply(_ document: JSONValue) async throws -> [String] {
        try await applyDocument(document).changes
    }

    /// What applying a document did: the changes, one line each, and every item of the
    /// document in order (`store acme`, `parameter spree.api_url`, `mapping erp: unchanged`, …),
    /// which `integrator apply` shows as its progress.
    public struct Applied: Sendable {
        public var changes: [String] = []
        public var items: [String] = []
    }

    /// Applies a config document, the one way for `--config` at start and for `POST /api/apply`
    /// (`integrator apply`): all or nothing.
    public func applyDocument(_ document: JSONValue) async throws -> Applied {
        defer { storeChanged(nil) }
        let now = clock.now()
        var problems: [Problem] = []
        struct StorePlan {
            var id: String, name: String, token: String?
            var retention: RetentionPeriod?? = nil
            var parameters: [Parameter] = [], mappings: [Mapping] = [], schedulers: [Scheduler] = []
        }
        var plans: [StorePlan] = []
        let stores = document["stores"]?.arrayValue ?? []
        if document.objectValue == nil {
            problems.append(Problem(path: "", problem: "must be a map with a list of stores, not \(document.typeName)"))
        } else if document["stores"] != nil, document["stores"]?.arrayValue == nil {
            problems.append(Problem(path: "stores", problem: "must be a list of stores"))
        }
        for (index, entry) in stores.enumerated() {
            let at = "stores.\(index)"
            guard case .object(let fields) = entry else {
                problems.append(Problem(path: at, problem: "must be a store: {id, name, token, parameters, mappings, schedulers}"))
                continue
            }
            var plan = StorePlan(id: fields["id"]?.stringValue ?? "", name: "", token: nil)
            do {
                let input = try StoreInput.decode(.object(fields.filter { ["id", "name", "token", "retention"].contains($0.key) }))
                plan = StorePlan(id: input.id, name: input.name, token: input.token, retention: input.retention)
            } catch let error as ValidationError {
                problems.append(contentsOf: error.problems.map { Problem(path: "\(at).\($0.path)", problem: $0.problem) })
            }
            switch fields["parameters"] {
            case .object(let pairs)?:
                for (name, value) in pairs {
                    if let problem = ParameterRules.problem(name: name, value: value) {
                        problems.append(Problem(path: "\(at).parameters.\(name)", problem: problem.problem))
                    } else {
                        plan.parameters.append(Parameter(name: name, value: value))
                    }
                }
            case .array(let items)?:
                for (i, item) in items.enumerated() {
                    let name = item["name"]?.stringValue ?? ""
                    let value = item["value"] ?? .null
                    if let problem = ParameterRules.problem(name: name, value: value) {
                        problems.append(Problem(path: "\(at).parameters.\(i).\(problem.path)", problem: problem.problem))
                    } else {
                        plan.parameters.append(Parameter(name: name, value: value))
                    }
                }
            case nil, .null?: break
            case let other?: problems.append(Problem(path: "\(at).parameters", problem: "must be a map of name: value, not \(other.typeName)"))
            }
            for (i, item) in (fields["mappings"]?.arrayValue ?? []).enumerated() {
                do {
                    var mapping = try Mapping.decode(item)
                    // A pause is an operator's state: a file that says nothing of it leaves it as it is.
                    if item["paused"] == nil, let id = plan.id.isEmpty ? nil : plan.id, let current = catalog.mapping(storeID: id, name: mapping.name)
                    {
                        mapping.paused = current.mapping.paused
                    }
                    if let problem = targetProblem(mapping, prefix: "\(at).mappings.\(i).") {
                        problems.append(problem)
                    } else {
                        plan.mappings.append(mapping)
                    }
                } catch let error as ValidationError {
                    problems.append(contentsOf: error.problems.map { Problem(path: "\(at).mappings.\(i).\($0.path)", problem: $0.problem) })
                }
            }
            for (i, item) in (fields["schedulers"]?.arrayValue ?? []).enumerated() {
                do { plan.schedulers.append(try SchedulerInput.decode(item, id: nil)) } catch let error as ValidationError {
                    problems.append(contentsOf: error.problems.map { Problem(path: "\(at).schedulers.\(i).\($0.path)", problem: $0.problem) })
                }
            }
            for key in ["mappings", "schedulers"] where fields[key] != nil && fields[key] != .null && fields[key]?.arrayValue == nil {
                problems.append(Problem(path: "\(at).\(key)", problem: "must be a list"))
            }
            if let token = plan.token {
                let hash = Tokens.hash(token)
                if let why = try await tokenProblem(hash: hash, storeID: plan.id) { problems.append(Problem(path: "\(at).token", problem: why)) }
                if plans.contains(where: { $0.token.map(Tokens.hash) == hash }) {
                    problems.append(Problem(path: "\(at).token", problem: "is another store's token in this file; every store needs its own"))
                }
            }
            plans.append(plan)
        }
        if !problems.isEmpty { throw ConfigError(message: "the config is not valid; nothing was applied", problems: problems) }

        var applied = Applied()
        for plan in plans {
            let exists = try await database.store(id: plan.id) != nil
            var token = plan.token
            if !exists, token == nil { token = Tokens.generate() }
            if try await database.upsertStore(id: plan.id, name: plan.name, tokenHash: token.map(Tokens.hash), at: now) {
                applied.changes.append(
                    exists ? "store \(plan.id): updated" : "store \(plan.id): created" + (plan.token == nil ? " with token \(token ?? "")" : "")
                )
            }
            if case .some(let retention) = plan.retention, try await database.store(id: plan.id)?.retention != retention {
                _ = try await database.setRetention(storeID: plan.id, retention)
                applied.changes.append("store \(plan.id): retention \(retention?.description ?? "the hub's")")
            }
            applied.items.append("store \(plan.id)")
            let current = try await database.parameters(storeID: plan.id)
            for parameter in plan.parameters {
                if !current.contains(parameter) {
                    try await database.setParameter(storeID: plan.id, parameter, at: now)
                    applied.changes.append("store \(plan.id): parameter \(parameter.name) set")
                }
                applied.items.append("parameter \(parameter.name)")
            }
            for mapping in plan.mappings {
                let existing = catalog.mapping(storeID: plan.id, name: mapping.name)?.mapping
                guard existing != mapping else {
                    applied.items.append("mapping \(mapping.name): unchanged")
                    continue
                }
                try await database.saveMapping(storeID: plan.id, mapping, at: now)
                catalog.put(storeID: plan.id, mapping)
                applied.changes.append("store \(plan.id): mapping \(mapping.name) \(existing != nil ? "updated" : "created")")
                applied.items.append("mapping \(mapping.name)")
            }
            let schedulers = try await database.schedulers(storeID: plan.id)
            for scheduler in plan.schedulers {
                applied.items.append("scheduler \(scheduler.id)")
                let old = schedulers.first { $0.id == scheduler.id }
                if let old, old.message == scheduler.message, old.payload == scheduler.payload, old.interval == scheduler.interval,
                    old.enabled == scheduler.enabled
                {
                    continue
                }
                try await database.saveScheduler(storeID: plan.id, scheduler, at: now)
                applied.changes.append("store \(plan.id): scheduler \(scheduler.id) \(old == nil ? "created" : "updated")")
            }
        }
        return applied
    }
}
