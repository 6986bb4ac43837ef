import Foundation
import HTTPTypes
import IntegratorModel
import IntegratorStore

/// The body of `POST /api/stores`: `{id, name, token?}`.
struct StoreInput: Sendable {
    var id: String
    var name: String
    var token: String?
    /// The store's own retention: nil leaves it as it is (the hub's for a new store); `.some(nil)`
    /// (JSON null) goes back to the hub's.
    var retention: RetentionPeriod??

    static func decode(_ json: JSONValue) throws -> StoreInput {
        var problems: [Problem] = []
        guard case .object(let fields) = json else {
            throw ValidationError("the store is not valid", problems: [Problem(path: "", problem: "must be an object with id and name")])
        }
        let id = fields["id"]?.stringValue ?? ""
        if let why = Identifiers.problem(id) { problems.append(Problem(path: "id", problem: why)) }
        let name = fields["name"]?.stringValue ?? id
        if name.isEmpty || name.count > 200 { problems.append(Problem(path: "name", problem: "must be 1 to 200 characters")) }
        var token: String?
        switch fields["token"] {
        case nil, .null?: break
        case .string(let text)?:
            if text.count < 16 || text.count > 256 {
                problems.append(Problem(path: "token", problem: "must be 16 to 256 characters (32 or more is wise)"))
            }
            token = text
        case let other?: problems.append(Problem(path: "token", problem: "must be a string, not \(other.typeName)"))
        }
        let retention = readRetention(fields["retention"], problems: &problems)
        if !problems.isEmpty { throw ValidationError("the store is not valid", problems: problems) }
        return StoreInput(id: id, name: name, token: token, retention: retention)
    }

    /// A store's `retention`: a duration string such as `30d`, `0` to keep everything, or null
    /// for the hub's. Absent gives nil (no change).
    static func readRetention(_ value: JSONValue?, problems: inout [Problem]) -> RetentionPeriod?? {
        switch value {
        case nil: return nil
        case .null?: return .some(nil)
        case .string(let text)?:
            switch RetentionPeriod.parse(text) {
            case .success(let period): return .some(period)
            case .failure(let error):
                problems += error.problems
                return nil
            }
        case let other?:
            problems.append(Problem(path: "retention", problem: "must be a duration string such as 30d, 12h or 0, not \(other.typeName)"))
            return nil
        }
    }
}

/// Rules for the ids of stores and schedulers: they appear in URLs.
enum Identifiers {
    static func problem(_ id: String) -> String? {
        if id.isEmpty { return "is required" }
        if id.count > 64 { return "must be at most 64 characters" }
        let isAlphanumeric = { (scalar: Unicode.Scalar) in scalar.value < 128 && CharacterSet.alphanumerics.contains(scalar) }
        let ok = id.unicodeScalars.allSatisfy { isAlphanumeric($0) || "-_.".unicodeScalars.contains($0) }
        guard ok else { return "may hold only letters, digits and - _ . (it appears in URLs): '\(id.prefix(64))'" }
        // `.` and `..` would name other paths once in a URL.
        guard let first = id.unicodeScalars.first, isAlphanumeric(first) else { return "must start with a letter or a digit: '\(id)'" }
        return nil
    }
}

/// Rules for parameters: a dotted name and a value that is a string, number, boolean or list.
enum ParameterRules {
    static func problem(name: String, value: JSONValue) -> Problem? {
        if name.isEmpty || name.count > 200 || name.contains(where: { $0.isWhitespace || $0 == "/" }) {
            return Problem(path: "name", problem: "must be 1 to 200 characters without spaces or slashes, such as spree.api_url")
        }
        if name == DeliveryRequest.storeIDParameter {
            return Problem(path: "name", problem: "store_id is the store's own id, sent with every delivery; it cannot be set")
        }
        switch value {
        case .string, .int, .double, .bool, .array, .null: return nil
        case .object: return Problem(path: "value", problem: "must be a string, number, boolean or list, not an object")
        }
    }
}

/// A scheduler's JSON form: `{id, message, payload, interval, enabled}`.
enum SchedulerInput {
    static let minimumInterval: Double = 1
    static let maximumInterval: Double = 366 * 24 * 3600

    static func decode(_ json: JSONValue, id pathID: String?) throws -> Scheduler {
        guard case .object(let fields) = json else {
            throw ValidationError(
                "the scheduler is not valid",
                problems: [Problem(path: "", problem: "must be an object with id, message, payload and interval")]
            )
        }
        var problems: [Problem] = []
        let id = fields["id"]?.stringValue ?? pathID ?? ""
        if let why = Identifiers.problem(id) { problems.append(Problem(path: "id", problem: why)) }
        if let pathID, id != pathID { problems.append(Problem(path: "id", problem: "'\(id)' differs from the id in the URL, '\(pathID)'")) }
        let message = fields["message"]?.stringValue ?? ""
        if let why = MessageName.problem(with: message) { problems.append(Problem(path: "message", problem: why)) }
        let payload = fields["payload"] ?? .object([:])
        if payload.objectValue == nil { problems.append(Problem(path: "payload", problem: "must be an object, not \(payload.typeName)")) }
        let interval = fields["interval"]?.numberValue ?? 0
        if interval < minimumInterval || interval > maximumInterval {
            problems.append(Problem(path: "interval", problem: "must be a number of seconds from \(Int(minimumInterval)) to \(Int(maximumInterval))"))
        }
        var enabled = true
        switch fields["enabled"] {
        case nil, .null?: break
        case .bool(let b)?: enabled = b
        case let other?: problems.append(Problem(path: "enabled", problem: "must be true or false, not \(other.typeName)"))
        }
        if !problems.isEmpty { throw ValidationError("the scheduler is not valid", problems: problems) }
        return Scheduler(id: id, message: MessageName.normalised(message), payload: payload, interval: interval, enabled: enabled)
    }
}
