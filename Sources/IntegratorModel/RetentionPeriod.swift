import Foundation

/// How long the hub keeps finished history: a duration written as a whole number and a unit
/// (`90s`, `15m`, `12h`, `30d`, `2w`), or `0` to keep everything. The same strings are read from
/// `--retention`, `INTEGRATOR_RETENTION` and a store's `retention`, and shown back in the
/// largest unit that writes the value exactly.
public struct RetentionPeriod: Sendable, Hashable, CustomStringConvertible {
    /// Seconds; 0 keeps everything.
    public let seconds: Double

    /// Ten years: far past any use, and small enough that `now - seconds` stays a date.
    public static let maximumSeconds: Double = 3650 * 86_400
    /// Keeps everything.
    public static let keepEverything = RetentionPeriod(uncheckedSeconds: 0)
    /// Thirty days: the hub's default.
    public static let standard = RetentionPeriod(uncheckedSeconds: 30 * 86_400)

    private static let units: [(suffix: Character, seconds: Double)] = [("w", 604_800), ("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)]

    private init(uncheckedSeconds: Double) { seconds = uncheckedSeconds }

    /// Whether anything is ever removed.
    public var keepsEverything: Bool { seconds == 0 }

    /// Reads `text`, or returns what is wrong with it.
    public static func parse(_ text: String) -> Result<RetentionPeriod, ValidationError> {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed == "0" { return .success(.keepEverything) }
        let refusal = ValidationError(
            "the retention is not valid",
            problems: [
                Problem(
                    path: "retention",
                    problem: "must be 0 (keep everything) or a whole number and a unit s, m, h, d or w, such as 30d or 12h, "
                        + "up to 3650d; not '\(text.prefix(32))'"
                )
            ]
        )
        guard trimmed.utf8.count <= 16, let last = trimmed.last, let unit = units.first(where: { $0.suffix == last }) else {
            return .failure(refusal)
        }
        let digits = trimmed.dropLast()
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let count = Int(digits), count >= 0 else {
            return .failure(refusal)
        }
        let seconds = Double(count) * unit.seconds
        guard seconds <= maximumSeconds else { return .failure(refusal) }
        return .success(RetentionPeriod(uncheckedSeconds: seconds))
    }

    /// A period of `seconds`, or nil when out of range (negative, NaN, past ten years).
    public init?(seconds: Double) {
        guard seconds.isFinite, seconds >= 0, seconds <= Self.maximumSeconds else { return nil }
        self.seconds = seconds.rounded()
    }

    /// The shortest exact spelling in days, hours, minutes or seconds: `30d`, `36h`, `90s`, or `0`.
    public var description: String {
        if seconds == 0 { return "0" }
        // Days at most: `7d` reads back as written, not as `1w`.
        for unit in Self.units.dropFirst() where seconds.truncatingRemainder(dividingBy: unit.seconds) == 0 {
            return "\(Int(seconds / unit.seconds))\(unit.suffix)"
        }
        return "\(Int(seconds))s"
    }

    /// The oldest time kept at `now`, or nil when everything is kept.
    public func cutoff(now: Date) -> Date? {
        keepsEverything ? nil : now.addingTimeInterval(-seconds)
    }
}
