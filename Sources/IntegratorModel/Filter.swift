import Foundation

/// A routing condition on a message: `{path, operator, value, match_rule}`.
public struct Filter: Sendable, Hashable {
    public enum Operator: String, Sendable, CaseIterable {
        case eq, neq, gt, lt, begin, contains, end, present, empty, match
    }

    /// Whether every value a `*` path reaches must pass, or one is enough.
    public enum MatchRule: String, Sendable, CaseIterable {
        case all, any
    }

    public var path: JSONPath
    public var op: Operator
    public var value: JSONValue
    public var matchRule: MatchRule

    public init(path: JSONPath, op: Operator, value: JSONValue = .null, matchRule: MatchRule = .all) {
        self.path = path
        self.op = op
        self.value = value
        self.matchRule = matchRule
    }

    /// The JSON form of a mapping's filter.
    public var json: JSONValue {
        var fields: [String: JSONValue] = [
            "path": .string(path.description), "operator": .string(op.rawValue), "match_rule": .string(matchRule.rawValue),
        ]
        if value != .null { fields["value"] = value }
        return .object(fields)
    }

    /// Reads a filter from its JSON form, naming every problem under `path`.
    public static func decode(_ json: JSONValue, at path: String, problems: inout [Problem]) -> Filter? {
        guard case .object(let fields) = json else {
            problems.append(Problem(path: path, problem: "must be an object with path, operator and value"))
            return nil
        }
        let start = problems.count
        var filterPath: JSONPath?
        switch fields["path"] {
        case .string(let text)?:
            filterPath = JSONPath(text)
            if filterPath == nil { problems.append(Problem(path: "\(path).path", problem: "is not a dotted path: '\(text)'")) }
        case nil, .null?:
            problems.append(Problem(path: "\(path).path", problem: "is required"))
        case let other?:
            problems.append(Problem(path: "\(path).path", problem: "must be a string, not \(other.typeName)"))
        }
        var op: Operator?
        switch fields["operator"] {
        case .string(let text)?:
            op = Operator(rawValue: text)
            if op == nil {
                let known = Operator.allCases.map(\.rawValue).joined(separator: ", ")
                problems.append(Problem(path: "\(path).operator", problem: "unknown operator '\(text)'; use one of \(known)"))
            }
        case nil, .null?:
            problems.append(Problem(path: "\(path).operator", problem: "is required"))
        case let other?:
            problems.append(Problem(path: "\(path).operator", problem: "must be a string, not \(other.typeName)"))
        }
        var rule = MatchRule.all
        switch fields["match_rule"] {
        case nil, .null?: break
        case .string(let text)?:
            if let parsed = MatchRule(rawValue: text) { rule = parsed } else {
                problems.append(Problem(path: "\(path).match_rule", problem: "must be 'all' or 'any', not '\(text)'"))
            }
        case let other?:
            problems.append(Problem(path: "\(path).match_rule", problem: "must be 'all' or 'any', not \(other.typeName)"))
        }
        let value = fields["value"] ?? .null
        if let op {
            switch op {
            case .present, .empty:
                break
            case .gt, .lt:
                if value.numberValue == nil, Double(value.stringValue ?? "") == nil {
                    problems.append(Problem(path: "\(path).value", problem: "operator '\(op.rawValue)' compares numbers; give a number"))
                }
            case .match:
                if let pattern = value.stringValue {
                    if (try? NSRegularExpression(pattern: pattern)) == nil {
                        problems.append(Problem(path: "\(path).value", problem: "is not a valid regular expression: '\(pattern)'"))
                    }
                } else {
                    problems.append(Problem(path: "\(path).value", problem: "operator 'match' needs a regular expression as a string"))
                }
            case .eq, .neq, .begin, .contains, .end:
                if value == .null {
                    problems.append(Problem(path: "\(path).value", problem: "operator '\(op.rawValue)' needs a value"))
                } else if case .object = value {
                    problems.append(Problem(path: "\(path).value", problem: "must be a string, number or boolean"))
                } else if case .array = value {
                    problems.append(Problem(path: "\(path).value", problem: "must be a string, number or boolean"))
                }
            }
        }
        guard problems.count == start, let filterPath, let op else { return nil }
        return Filter(path: filterPath, op: op, value: value, matchRule: rule)
    }
}

/// A filter made ready to evaluate: its value stringified and its pattern compiled once, when
/// the mapping is saved, never per message.
public struct CompiledFilter: Sendable {
    public let filter: Filter
    private let text: String
    private let number: Double?
    private let regex: RegexBox?

    public init(_ filter: Filter) {
        self.filter = filter
        self.text = filter.value.comparableText
        self.number = filter.value.numberValue ?? Double(filter.value.stringValue ?? "")
        if filter.op == .match, let pattern = filter.value.stringValue {
            self.regex = (try? NSRegularExpression(pattern: pattern)).map(RegexBox.init)
        } else {
            self.regex = nil
        }
    }

    /// How long one filter's `match` may run on one message, over every value its path reaches:
    /// a pattern that backtracks without bound (`^(a+)+$` on `aaaa…b`) is cut off there and
    /// counts as no match, so no pattern can hold a push or another store's routing.
    public static let matchBudget: Duration = .milliseconds(10)
    /// The deadline of operators that have none.
    private static let noDeadline = ContinuousClock.now

    /// Whether the message passes. A path that reaches nothing fails every operator but `empty`.
    public func passes(message name: String, id: String, payload: JSONValue) -> Bool {
        // Only `match` reads the clock: the other operators cost nanoseconds each.
        let deadline = filter.op == .match ? ContinuousClock.now + Self.matchBudget : Self.noDeadline
        if !filter.path.expands {
            guard let value = filter.path.value(message: name, id: id, payload: payload) else { return filter.op == .empty }
            return test(value, deadline: deadline)
        }
        // Walk the values without collecting them: `any` stops at the first pass, `all` at
        // the first failure.
        var reached = false, answer = filter.matchRule == .all
        filter.path.visit(message: name, id: id, payload: payload) { value in
            reached = true
            if test(value, deadline: deadline) == answer { return true }
            answer = !answer
            return false
        }
        return reached ? answer : filter.op == .empty
    }

    func test(_ value: JSONValue, deadline: ContinuousClock.Instant = .now + CompiledFilter.matchBudget) -> Bool {
        switch filter.op {
        case .eq: return equals(value)
        case .neq: return !equals(value)
        case .gt:
            guard let n = Self.number(value), let number else { return false }
            return n > number
        case .lt:
            guard let n = Self.number(value), let number else { return false }
            return n < number
        case .begin: return value.comparableText.hasPrefix(text)
        case .end: return value.comparableText.hasSuffix(text)
        case .contains:
            if case .array(let items) = value { return items.contains { $0.comparableText == text } }
            return value.comparableText.contains(text)
        case .present: return Self.isPresent(value)
        case .empty: return !Self.isPresent(value)
        case .match:
            guard let regex else { return false }
            return regex.matches(value.comparableText, before: deadline)
        }
    }

    private func equals(_ value: JSONValue) -> Bool {
        if let n = value.numberValue, let number { return n == number }
        return value.comparableText == text
    }

    static func number(_ value: JSONValue) -> Double? {
        value.numberValue ?? value.stringValue.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// Not null, not empty, and not the string "null" (the original hub's rule).
    static func isPresent(_ value: JSONValue) -> Bool {
        switch value {
        case .null: return false
        case .string(let s): return !s.isEmpty && s != "null"
        case .array(let a): return !a.isEmpty
        case .object(let o): return !o.isEmpty
        default: return true
        }
    }
}

/// NSRegularExpression is immutable once built and documented as safe to share between threads.
struct RegexBox: @unchecked Sendable {
    let value: NSRegularExpression

    /// Whether `subject` holds a match found before `deadline`. ICU reports progress while it
    /// works (`.reportProgress`), which is where a match past its deadline is stopped.
    func matches(_ subject: String, before deadline: ContinuousClock.Instant) -> Bool {
        if ContinuousClock.now >= deadline { return false }
        var found = false
        value.enumerateMatches(in: subject, options: [.reportProgress], range: NSRange(subject.startIndex..., in: subject)) { result, _, stop in
            if result != nil {
                found = true
                stop.pointee = true
            } else if ContinuousClock.now >= deadline {
                stop.pointee = true
            }
        }
        return found
    }
}
