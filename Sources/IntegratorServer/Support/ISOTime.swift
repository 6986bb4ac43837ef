import Foundation
import IntegratorModel

/// Timestamps as the API writes them; see `Timestamp`.
enum ISOTime {
    static func format(_ date: Date) -> String { Timestamp.format(date) }
    static func parse(_ text: String) -> Date? { Timestamp.parse(text) }
}
