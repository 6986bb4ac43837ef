import Foundation

/// A routing condition on a message: `{path, operator, value, match_rule, ignore_case}`.
///
/// The original hub's ten operators keep their meaning; the rest come from EventBridge patterns
/// and Convoy's filters. A path that reaches nothing fails every operator except `empty` and
/// `exists: false`; that includes `not_in` and `anything_but` (EventBridge lets a missing field
/// pass `anything-but`; here a filter only passes on what is there).
public struct Filter: Sendable, Hashable {
    public enum Operator: String, Sendable, CaseIterable {
        case eq, neq, gt, lt, begin, contains, end, present, empty, match
        case gte, lte, between
        case `in` = "in"
        case notIn = "not_in"
        case exists, cidr
        case anythingBut = "anything_but"

        /// Operators that may compare text without regard to case.
        var takesIgnoreCase: Bool { [.eq, .neq, .begin, .end, .contains, .in, .notIn].contains(self) }
    }

    /// The keys a filter may have; any other is refused, naming it.
    static let keys: Set<String> = ["path", "operator", "value", "match_rule", "ignore_case"]

    /// Whether every value a `*` path reaches must pass, or one is enough.
    public enum MatchRule: String, Sendable, CaseIterable {
        case all, any
    }

    public var path: JSONPath
    public var op: Operator
    public var value: JSONValue
    public var matchRule: MatchRule
    /// Compare text without regard to case (`eq`, `neq`, `begin`, `end`, `contains`, `in`, `not_in`).
    public var ignoreCase: Bool

    public init(path: JSONPath, op: Operator, value: JSONValue = .null, matchRule: MatchRule = .all, ignoreCase: Bool = false) {
        self.path = path
        self.op = op
        self.value = value
        self.matchRule = matchRule
        self.ignoreCase = ignoreCase
    }

    /// The JSON form of a mapping's filter.
    public var json: JSONValue {
        var fields: JSONObject = [
            "path": .string(path.description), "operator": .string(op.rawValue), "match_rule": .string(matchRule.rawValue),
        ]
        if value != .null { fields["value"] = value }
        if ignoreCase { fields["ignore_case"] = true }
        return .object(fields)
    }

    /// Reads a filter from its JSON form, naming every problem under `path`.
    public static func decode(_ json: JSONValue, at path: String, problems: inout [Problem]) -> Filter? {
        guard case .object(let fields) = json else {
            problems.append(Problem(path: path, problem: "must be an object with path, operator and value"))
            return nil
        }
        let start = problems.count
        for key in fields.keys where !keys.contains(key) {
            problems.append(
                Problem(path: "\(path).\(key)", problem: "unknown key '\(key)'; a filter has path, operator, value, match_rule and ignore_case")
            )
        }
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
            if let parsed = MatchRule(rawValue: text) {
                rule = parsed
            } else {
                problems.append(Problem(path: "\(path).match_rule", problem: "must be 'all' or 'any', not '\(text)'"))
            }
        case let other?:
            problems.append(Problem(path: "\(path).match_rule", problem: "must be 'all' or 'any', not \(other.typeName)"))
        }
        var ignoreCase = false
        switch fields["ignore_case"] {
        case nil, .null?: break
        case .bool(let flag)?:
            ignoreCase = flag
            if flag, let op, !op.takesIgnoreCase {
                problems.append(
                    Problem(path: "\(path).ignore_case", problem: "applies to eq, neq, begin, end, contains, in and not_in, not '\(op.rawValue)'")
                )
            }
        case let other?: problems.append(Problem(path: "\(path).ignore_case", problem: "must be true or false, not \(other.typeName)"))
        }
        let value = fields["value"] ?? .null
        if let op {
            switch op {
            case .present, .empty:
                break
            case .gt, .lt, .gte, .lte:
                if value.numberValue == nil, Double(value.stringValue ?? "") == nil {
                    problems.append(Problem(path: "\(path).value", problem: "operator '\(op.rawValue)' compares numbers; give a number"))
                }
            case .between:
                let bounds = value.arrayValue?.map { $0.numberValue ?? Double($0.stringValue ?? "") }
                if let bounds, bounds.count == 2, let low = bounds[0], let high = bounds[1], low.isFinite, high.isFinite {
                    if low > high { problems.append(Problem(path: "\(path).value", problem: "the low bound \(low) is above the high bound \(high)")) }
                } else {
                    problems.append(Problem(path: "\(path).value", problem: "operator 'between' needs [low, high], two numbers"))
                }
            case .in, .notIn:
                if let items = value.arrayValue, !items.isEmpty, items.count <= 1000, items.allSatisfy(Self.isScalar) {
                    break
                }
                problems.append(
                    Problem(path: "\(path).value", problem: "operator '\(op.rawValue)' needs a list of 1 to 1000 strings, numbers or booleans")
                )
            case .anythingBut:
                if Self.isScalar(value) { break }
                if let items = value.arrayValue, !items.isEmpty, items.count <= 1000, items.allSatisfy(Self.isScalar) { break }
                problems.append(
                    Problem(path: "\(path).value", problem: "operator 'anything_but' needs a string, number or boolean, or a list of them")
                )
            case .exists:
                if value.boolValue == nil {
                    problems.append(Problem(path: "\(path).value", problem: "operator 'exists' needs true or false"))
                }
            case .cidr:
                if value.stringValue.flatMap(IPNetwork.init) == nil {
                    problems.append(Problem(path: "\(path).value", problem: "operator 'cidr' needs a network such as 10.0.0.0/8 or fd00::/8"))
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
        return Filter(path: filterPath, op: op, value: value, matchRule: rule, ignoreCase: ignoreCase)
    }

    static func isScalar(_ value: JSONValue) -> Bool {
        switch value {
        case .string, .int, .double, .bool: return true
        default: return false
        }
    }
}

/// A filter made ready to evaluate: its value stringified and its pattern compiled once, when
/// the mapping is saved, never per message.
public struct CompiledFilter: Sendable {
    public let filter: Filter
    private let text: String
    private let number: Double?
    private let regex: RegexBox?
    /// The values of `in`, `not_in` and `anything_but` (one for a single value), as `eq` compares them.
    private let choices: [(text: String, number: Double?)]
    private let low: Double
    private let high: Double
    private let network: IPNetwork?

    public init(_ filter: Filter) {
        self.filter = filter
        let fold = filter.ignoreCase
        self.text = fold ? filter.value.comparableText.lowercased() : filter.value.comparableText
        self.number = filter.value.numberValue ?? Double(filter.value.stringValue ?? "")
        if filter.op == .match, let pattern = filter.value.stringValue {
            self.regex = (try? NSRegularExpression(pattern: pattern)).map(RegexBox.init)
        } else {
            self.regex = nil
        }
        let items = filter.value.arrayValue ?? [filter.value]
        self.choices = items.map { item in
            (fold ? item.comparableText.lowercased() : item.comparableText, item.numberValue ?? Double(item.stringValue ?? ""))
        }
        let bounds = (filter.value.arrayValue ?? []).map { $0.numberValue ?? Double($0.stringValue ?? "") }
        self.low = bounds.count == 2 ? bounds[0] ?? .nan : .nan
        self.high = bounds.count == 2 ? bounds[1] ?? .nan : .nan
        self.network = filter.op == .cidr ? filter.value.stringValue.flatMap(IPNetwork.init) : nil
    }

    /// How long one filter's `match` may run on one message, over every value its path reaches:
    /// a pattern that backtracks without bound (`^(a+)+$` on `aaaa…b`) is cut off there and
    /// counts as no match, so no pattern can hold a push or another store's routing.
    public static let matchBudget: Duration = .milliseconds(10)
    /// The deadline of operators that have none.
    private static let noDeadline = ContinuousClock.now

    /// Whether the message passes. A path that reaches nothing fails every operator but `empty`
    /// and `exists: false`.
    public func passes(message name: String, id: String, payload: JSONValue) -> Bool {
        // Only `match` reads the clock: the other operators cost nanoseconds each.
        let deadline = filter.op == .match ? ContinuousClock.now + Self.matchBudget : Self.noDeadline
        if filter.op == .exists {
            var reached = false
            filter.path.visit(message: name, id: id, payload: payload) { _ in
                reached = true
                return false
            }
            return reached == (filter.value.boolValue ?? true)
        }
        if !filter.path.expands {
            guard let value = filter.path.value(message: name, id: id, payload: payload) else { return filter.op == .empty }
            return test(value, deadline: deadline)
        }
        // Walk the values without collecting them: `any` stops at the first pass, `all` at
        // the first failure.
        var reached = false
        var answer = filter.matchRule == .all
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
        case .gte:
            guard let n = Self.number(value), let number else { return false }
            return n >= number
        case .lte:
            guard let n = Self.number(value), let number else { return false }
            return n <= number
        case .between:
            guard let n = Self.number(value) else { return false }
            return n >= low && n <= high
        case .in: return choices.contains { matches(value, $0) }
        case .notIn, .anythingBut: return !choices.contains { matches(value, $0) }
        case .exists: return true
        case .cidr:
            guard let network, let address = value.stringValue.flatMap(IPAddress.init) else { return false }
            return network.contains(address)
        case .begin: return folded(value).hasPrefix(text)
        case .end: return folded(value).hasSuffix(text)
        case .contains:
            if case .array(let items) = value { return items.contains { folded($0) == text } }
            return folded(value).contains(text)
        case .present: return Self.isPresent(value)
        case .empty: return !Self.isPresent(value)
        case .match:
            guard let regex else { return false }
            return regex.matches(value.comparableText, before: deadline)
        }
    }

    private func equals(_ value: JSONValue) -> Bool {
        if let n = value.numberValue, let number { return n == number }
        return folded(value) == text
    }

    /// `eq` against one value of a list.
    private func matches(_ value: JSONValue, _ choice: (text: String, number: Double?)) -> Bool {
        if let n = value.numberValue, let number = choice.number { return n == number }
        return folded(value) == choice.text
    }

    private func folded(_ value: JSONValue) -> String {
        filter.ignoreCase ? value.comparableText.lowercased() : value.comparableText
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
