import Foundation

/// A value bound to a shared statement's `?`, before an engine turns it into its own kind.
public enum SQLValue: Sendable, Equatable {
    case text(String?)
    case real(Double?)
    case int(Int?)

    public static func time(_ date: Date?) -> SQLValue { .real(date?.timeIntervalSince1970) }

    /// `text` as both stores keep it: with U+FFFD for each NUL character. PostgreSQL's text
    /// holds no NUL (it refused the whole write: a push, or an attempt's record, which then
    /// could never be written, so the delivery went out again and again), and SQLite's reads
    /// end a text at its first NUL. Any string from outside may hold one: an identifier value
    /// read from a payload, an endpoint's answer, a notification's subject. A payload never
    /// holds one raw: the hub stores it as JSON, where it is `\u0000`.
    public static func storable(_ text: String) -> String {
        holdsNUL(text) ? text.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : text
    }

    /// Whether `text` holds a NUL, by `memchr` over its UTF-8 where it is contiguous (a native
    /// string always is): every text bound passes here, and a byte-by-byte scan of each
    /// payload was 1 % of a push's CPU.
    static func holdsNUL(_ text: String) -> Bool {
        text.utf8.withContiguousStorageIfAvailable { bytes in
            bytes.baseAddress.map { memchr($0, 0, bytes.count) != nil } ?? false
        } ?? text.utf8.contains(0)
    }
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
