import Foundation

/// A value bound to a shared statement's `?`, before an engine turns it into its own kind.
public enum SQLValue: Sendable, Equatable {
    case text(String?)
    case real(Double?)
    case int(Int?)

    public static func time(_ date: Date?) -> SQLValue { .real(date?.timeIntervalSince1970) }
}

/// A shared statement with its values, in the order of its placeholders.
public struct SQLStatement: Sendable, Equatable {
    public var sql: String
    public var values: [SQLValue]

    public init(_ sql: String, _ values: [SQLValue] = []) {
        self.sql = sql
        self.values = values
    }
}
