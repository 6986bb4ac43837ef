import Foundation
import IntegratorModel

/// Money as Spree kept it: a BigDecimal, written to JSON as a string in Rails' plain format
/// (`"19.99"`, `"10.0"`, `"0.0"`, never `"10.00"`).
public struct Money: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// Hundredths of the unit, so sums never drift.
    public var cents: Int64

    public init(cents: Int64) { self.cents = cents }

    public init?(_ text: String) {
        guard let value = Decimal(string: text.trimmingCharacters(in: .whitespaces), locale: Locale(identifier: "en_US_POSIX")) else { return nil }
        var scaled = value * 100
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        self.cents = NSDecimalNumber(decimal: rounded).int64Value
    }

    public init(_ value: Double) {
        self.cents = Int64((value * 100).rounded())
    }

    public static let zero = Money(cents: 0)

    /// Rails' BigDecimal#to_s: at least one decimal, no trailing zeros beyond it.
    public var description: String {
        let sign = cents < 0 ? "-" : ""
        let whole = abs(cents) / 100
        let fraction = abs(cents) % 100
        if fraction == 0 { return "\(sign)\(whole).0" }
        if fraction % 10 == 0 { return "\(sign)\(whole).\(fraction / 10)" }
        return "\(sign)\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// `"$45.75"`, as `display_amount` wrote it.
    public var display: String {
        let whole = abs(cents) / 100
        let fraction = abs(cents) % 100
        return "\(cents < 0 ? "-" : "")$\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    public static func + (a: Money, b: Money) -> Money { Money(cents: a.cents + b.cents) }
    public static func * (a: Money, n: Int) -> Money { Money(cents: a.cents * Int64(n)) }
    public static func < (a: Money, b: Money) -> Bool { a.cents < b.cents }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let money = Money(try container.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an amount")
        }
        self = money
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Timestamps as Spree's API wrote them: ISO 8601, UTC, with milliseconds (see `Timestamp`).
public enum SpreeTime {
    public static func format(_ date: Date) -> String { Timestamp.format(date) }
    public static func parse(_ text: String) -> Date? { Timestamp.parse(text) }
}
