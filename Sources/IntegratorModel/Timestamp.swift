import Foundation

/// Times as the hub and Spree's API write them: ISO 8601 in UTC with milliseconds
/// (`2026-11-24T10:15:00.123Z`), and read back in the forms clients send.
///
/// Every time the hub accepts lies in `range`, years 1970 to 9999: a time from outside (a query,
/// a reply's `delay`, a stored row) outside it is refused where it enters, and `format` clamps
/// what it is given into it, so no stored value can make a later read trap.
public enum Timestamp {
    /// 1970-01-01T00:00:00.000Z ... 9999-12-31T23:59:59.999Z.
    public static let range: ClosedRange<Double> = 0...253_402_300_799.999
    /// The earliest and latest times the hub keeps.
    public static let earliest = Date(timeIntervalSince1970: range.lowerBound)
    public static let latest = Date(timeIntervalSince1970: range.upperBound)

    /// `date` moved into `range` (NaN becomes the earliest time).
    public static func clamped(_ date: Date) -> Date {
        let seconds = date.timeIntervalSince1970
        guard seconds.isFinite else { return seconds == .infinity ? latest : earliest }
        return Date(timeIntervalSince1970: min(max(seconds, range.lowerBound), range.upperBound))
    }

    /// `date` plus `seconds`, kept in `range` whatever `seconds` is.
    public static func adding(_ seconds: Double, to date: Date) -> Date {
        guard seconds.isFinite else { return seconds == .infinity ? latest : clamped(date) }
        return clamped(Date(timeIntervalSince1970: clamped(date).timeIntervalSince1970 + min(max(seconds, -range.upperBound), range.upperBound)))
    }

    public static func format(_ date: Date) -> String {
        let millis = Int64((clamped(date).timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(millis / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
            Int(parts.tm_year) + 1900,
            Int(parts.tm_mon) + 1,
            Int(parts.tm_mday),
            Int(parts.tm_hour),
            Int(parts.tm_min),
            Int(parts.tm_sec),
            Int(millis % 1000)
        )
    }

    /// Reads ISO 8601 with or without fractions, a bare date, or seconds since 1970.
    /// A time outside `range` (and NaN or infinity) is nil, as is anything longer than a time.
    public static func parse(_ text: String) -> Date? {
        guard let date = unbounded(text), range.contains(date.timeIntervalSince1970) else { return nil }
        return date
    }

    private static func unbounded(_ text: String) -> Date? {
        guard text.utf8.count <= 64 else { return nil }
        if let date = internetTime(text) { return date }
        if let seconds = Double(text) { return seconds.isFinite ? Date(timeIntervalSince1970: seconds) : nil }
        let formatter = ISO8601DateFormatter()
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime], [.withFullDate]] {
            formatter.formatOptions = options
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` read by hand: pollers compare every object's
    /// `updated_at` with their cursor, and building an ISO8601DateFormatter for each took most
    /// of a poll's time.
    static func internetTime(_ text: String) -> Date? {
        let b = Array(text.utf8)
        guard b.count >= 20 else { return nil }
        func number(_ start: Int, _ count: Int) -> Int? {
            var value = 0
            for index in start..<(start + count) {
                let c = b[index]
                guard c >= 48, c <= 57 else { return nil }
                value = value * 10 + Int(c - 48)
            }
            return value
        }
        guard let year = number(0, 4), b[4] == 45, let month = number(5, 2), b[7] == 45, let day = number(8, 2),
            b[10] == 84 || b[10] == 116, let hour = number(11, 2), b[13] == 58, let minute = number(14, 2), b[16] == 58,
            let second = number(17, 2), (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var fraction = 0.0
        if b[index] == 46 {
            index += 1
            var scale = 0.1
            let start = index
            while index < b.count, b[index] >= 48, b[index] <= 57 {
                fraction += Double(b[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        guard index < b.count else { return nil }
        var offset = 0
        switch b[index] {
        case 90, 122:
            index += 1
        case 43, 45:
            guard index + 6 == b.count, b[index + 3] == 58, let hours = number(index + 1, 2), let minutes = number(index + 4, 2) else { return nil }
            offset = (hours * 3600 + minutes * 60) * (b[index] == 43 ? 1 : -1)
            index += 6
        default:
            return nil
        }
        guard index == b.count else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        return Date(timeIntervalSince1970: Double(timegm(&parts) - offset) + fraction)
    }
}
