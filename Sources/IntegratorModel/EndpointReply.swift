import Foundation

/// A notification an endpoint returned: `{level, subject, description}` plus any extra keys.
public struct Notification: Sendable, Hashable {
    public enum Level: String, Sendable, CaseIterable {
        case info, warn, error
    }

    public var level: Level
    public var subject: String
    public var description: String
    /// Other keys the endpoint sent (a backtrace, say), kept as they came.
    public var extra: JSONObject

    public init(level: Level, subject: String, description: String, extra: JSONObject = [:]) {
        self.level = level
        self.subject = subject
        self.description = description
        self.extra = extra
    }
}

/// What an endpoint answered, read as the original hub read it.
public struct EndpointReply: Sendable {
    /// `messages`: each becomes a child message of the same store.
    public var messages: [(name: String, payload: JSONValue)] = []
    public var notifications: [Notification] = []
    /// `parameters`: saved to the store.
    public var parameters: [(name: String, value: JSONValue)] = []
    /// `delay` + `update_url`: call again later.
    public var delay: Double?
    public var updateURL: String?
    /// Every other key, kept as the delivery's result.
    public var result: JSONValue = .null
    /// Entries of the reply that could not be used, for the operator to see.
    public var problems: [Problem] = []
    /// Why the reply as a whole cannot be used (a `delay` out of range, an `update_url` that is
    /// not http or https, a number that cannot be kept exactly): the attempt then fails naming
    /// it, and nothing of the reply is applied.
    public var refusal: String?

    /// The longest `delay` an endpoint may ask for: 30 days.
    public static let maximumDelay: Double = 30 * 24 * 3600

    public init() {}

    /// A body that claims to be JSON (starts with `{` or `[`) but cannot be kept exactly is
    /// refused; any other body that is not JSON is kept as text, as the original hub did.
    static func parse(_ body: [UInt8]) -> (json: JSONValue?, refusal: String?) {
        do {
            return (try JSONValue.parse(body), nil)
        } catch let error as JSONReadError {
            switch error {
            case .inexactNumber, .invalidUTF8: return (nil, "the reply cannot be used: \(error)")
            default: return (nil, nil)
            }
        } catch {
            return (nil, nil)
        }
    }

    /// Reads a Wombat v6 reply: objects keyed by plural type (`{"orders": [{id, ...}]}`) come back
    /// as `<type>:persist` messages for change detection, `summary` is the result, and
    /// `parameters` (an object) are saved.
    public static func readV6(_ body: [UInt8]) -> EndpointReply {
        var reply = EndpointReply()
        if body.isEmpty { return reply }
        let (parsed, refusal) = parse(body)
        reply.refusal = refusal
        guard let json = parsed, case .object(let fields) = json else {
            reply.result = .string(String(decoding: body.prefix(4096), as: UTF8.self))
            return reply
        }
        var result: JSONObject = [:]
        for (key, value) in fields {
            switch key {
            case "request_id": continue
            case "summary": result["summary"] = value
            case "parameters":
                for (name, parameter) in value.objectValue ?? [:] { reply.parameters.append((name, parameter)) }
            default:
                if case .array(let items) = value, !items.isEmpty, items.allSatisfy({ $0.objectValue != nil }) {
                    let type = ObjectTypes.singular(key)
                    for item in items { reply.messages.append(("\(type):persist", .object([type: item, "v6": true]))) }
                } else {
                    result[key] = value
                }
            }
        }
        reply.result = result.isEmpty ? .null : .object(result)
        return reply
    }

    /// Reads a reply body. A body that is not a JSON object yields an empty reply whose result
    /// is the text, so a 200 with any body still completes the delivery.
    public static func read(_ body: [UInt8]) -> EndpointReply {
        var reply = EndpointReply()
        if body.isEmpty { return reply }
        let (parsed, refusal) = parse(body)
        reply.refusal = refusal
        guard let json = parsed, case .object(let fields) = json else {
            reply.result = .string(String(decoding: body.prefix(4096), as: UTF8.self))
            return reply
        }
        var rest = fields
        rest["message_id"] = nil

        if let value = rest.removeValue(forKey: "messages"), value != .null {
            if case .array(let items) = value {
                for (index, item) in items.enumerated() {
                    // The older key `key` stood where `message` stands now.
                    let name = item["message"]?.stringValue ?? item["key"]?.stringValue
                    guard let name, MessageName.problem(with: name) == nil else {
                        reply.problems.append(Problem(path: "messages.\(index).message", problem: "must be a message name"))
                        continue
                    }
                    let payload = item["payload"] ?? .object([:])
                    guard case .object = payload else {
                        reply.problems.append(Problem(path: "messages.\(index).payload", problem: "must be an object, not \(payload.typeName)"))
                        continue
                    }
                    reply.messages.append((MessageName.normalised(name), payload))
                }
            } else {
                reply.problems.append(Problem(path: "messages", problem: "must be an array, not \(value.typeName)"))
            }
        }

        if let value = rest.removeValue(forKey: "notifications"), value != .null {
            if case .array(let items) = value {
                for (index, item) in items.enumerated() {
                    guard case .object(var fields) = item else {
                        reply.problems.append(Problem(path: "notifications.\(index)", problem: "must be an object"))
                        continue
                    }
                    let levelText = fields.removeValue(forKey: "level")?.stringValue ?? ""
                    guard let level = Notification.Level(rawValue: levelText.lowercased()) else {
                        reply.problems.append(
                            Problem(path: "notifications.\(index).level", problem: "must be info, warn or error, not '\(levelText)'")
                        )
                        continue
                    }
                    let subject = fields.removeValue(forKey: "subject")?.comparableText ?? ""
                    let description = fields.removeValue(forKey: "description")?.comparableText ?? subject
                    reply.notifications.append(Notification(level: level, subject: subject, description: description, extra: fields))
                }
            } else {
                reply.problems.append(Problem(path: "notifications", problem: "must be an array, not \(value.typeName)"))
            }
        }

        if let value = rest.removeValue(forKey: "parameters"), value != .null {
            switch value {
            case .array(let items):
                for (index, item) in items.enumerated() {
                    if let name = item["name"]?.stringValue, !name.isEmpty {
                        reply.parameters.append((name, item["value"] ?? .null))
                    } else {
                        reply.problems.append(Problem(path: "parameters.\(index).name", problem: "must be a parameter name"))
                    }
                }
            case .object(let pairs):
                // The v6 form: parameters as an object.
                for (name, value) in pairs { reply.parameters.append((name, value)) }
            default:
                reply.problems.append(Problem(path: "parameters", problem: "must be an array of {name, value}, not \(value.typeName)"))
            }
        }

        if let value = rest["delay"], value != .null {
            rest["delay"] = nil
            let delay = value.numberValue ?? Double(value.stringValue?.prefix(64) ?? "")
            if let delay, delay.isFinite, delay >= 0, delay <= maximumDelay {
                reply.delay = delay
            } else {
                reply.refusal = "the reply's delay must be a number of seconds from 0 to \(Int(maximumDelay)), not \(value.jsonString.prefix(64))"
            }
            switch rest.removeValue(forKey: "update_url") {
            case nil, .null?: break
            case .string(let url)?:
                if !url.isEmpty, let why = DeliveryURL.problem(url, relative: true) {
                    reply.refusal = "the reply's update_url \(why)"
                } else {
                    reply.updateURL = url
                }
            case let other?: reply.refusal = "the reply's update_url must be a string, not \(other.typeName)"
            }
        }
        reply.result = rest.isEmpty ? .null : .object(rest)
        return reply
    }
}
