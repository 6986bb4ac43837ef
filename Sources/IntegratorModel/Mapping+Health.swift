import Foundation

/// The options that keep an endpoint healthy and an operator in charge: the circuit breaker
/// (`options.breaker_threshold`, `options.breaker_cooldown`) and the outbound rate limit
/// (`options.rate_limit`). `paused` is a field of its own, beside `enabled`.
extension Mapping {
    /// The highest `options.rate_limit`, attempts per second.
    public static let maximumRateLimit = 10_000

    /// The breaker in force on this mapping.
    public var breaker: BreakerPolicy {
        BreakerPolicy(
            threshold: breakerThreshold ?? BreakerPolicy.defaultThreshold,
            cooldown: breakerCooldown ?? BreakerPolicy.defaultCooldown
        )
    }

    /// Writes the health options into a mapping's `options` object.
    func writeHealthOptions(into options: inout JSONObject) {
        if let breakerThreshold { options["breaker_threshold"] = .int(Int64(breakerThreshold)) }
        if let breakerCooldown { options["breaker_cooldown"] = .double(breakerCooldown) }
        if let rateLimit { options["rate_limit"] = .int(Int64(rateLimit)) }
    }

    /// Reads one health option of `options`; false when `key` is not one of them.
    static func readHealthOption(_ key: String, _ value: JSONValue, into mapping: inout HealthOptions, problems: inout [Problem]) -> Bool {
        switch key {
        case "breaker_threshold":
            let range = BreakerPolicy.thresholdRange
            if case .int(let n) = value, n >= Int64(range.lowerBound), n <= Int64(range.upperBound) {
                mapping.breakerThreshold = Int(n)
            } else if value != .null {
                problems.append(
                    Problem(
                        path: "options.breaker_threshold",
                        problem: "must be a whole number of consecutive failed attempts from 1 to \(range.upperBound)"
                    )
                )
            }
        case "breaker_cooldown":
            if let n = value.numberValue, BreakerPolicy.cooldownRange.contains(n) {
                mapping.breakerCooldown = n
            } else if value != .null {
                problems.append(
                    Problem(
                        path: "options.breaker_cooldown",
                        problem: "must be a number of seconds from 1 to \(Int(BreakerPolicy.cooldownRange.upperBound))"
                    )
                )
            }
        case "rate_limit":
            if case .int(let n) = value, n >= 1, n <= Int64(maximumRateLimit) {
                mapping.rateLimit = Int(n)
            } else if value != .null {
                problems.append(
                    Problem(path: "options.rate_limit", problem: "must be a whole number of attempts per second from 1 to \(maximumRateLimit)")
                )
            }
        default:
            return false
        }
        return true
    }

    /// The health options read from `options`, applied after the rest of the mapping.
    struct HealthOptions {
        var breakerThreshold: Int?
        var breakerCooldown: Double?
        var rateLimit: Int?
    }
}
