/// One thing wrong with a document, at a path a person can find: the `errors` entries of a 422.
public struct Problem: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Where the problem is, dotted like a filter path (`payload.order.line_items.0.sku`).
    public var path: String
    /// What is wrong, in words.
    public var problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(path): \(problem)" }
}

/// A document that failed validation, with every problem found.
public struct ValidationError: Error, Sendable, CustomStringConvertible {
    public var summary: String
    public var problems: [Problem]

    public init(_ summary: String, problems: [Problem]) {
        self.summary = summary
        self.problems = problems
    }

    public var description: String {
        ([summary] + problems.map(\.description)).joined(separator: "; ")
    }
}
