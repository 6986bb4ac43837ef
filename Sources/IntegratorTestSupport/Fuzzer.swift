import Foundation
import IntegratorModel

/// Generated hostile input for the property and fuzz suites: a seeded generator, so a failing
/// input can be made again from its seed and index.
///
/// Written by hand rather than through libFuzzer: the suites run inside `swift test` on every
/// CI run, and the targets are pure functions, so a deterministic generator that mixes valid
/// documents, their mutations and the values that once trapped reaches the same edges with
/// nothing to install. `INTEGRATOR_FUZZ_ITERATIONS` sets how many inputs each suite tries.
public struct Fuzzer {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed &+ 0x9E37_79B9_7F4A_7C15
    }

    /// Inputs per suite: `INTEGRATOR_FUZZ_ITERATIONS`, or `default`.
    public static func iterations(default value: Int) -> Int {
        ProcessInfo.processInfo.environment["INTEGRATOR_FUZZ_ITERATIONS"].flatMap { Int($0) }.map { min(max($0, 1), 100_000_000) } ?? value
    }

    /// SplitMix64.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    public mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }

    public mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }

    /// Numbers that once trapped or were silently altered, and their neighbours.
    public static let hostileNumbers = [
        "0", "-0", "1", "-1", "9223372036854775807", "9223372036854775808", "-9223372036854775809", "18446744073709551616",
        "1e17", "1e300", "-1e308", "1e400", "-1e400", "1e-400", "0.1", "19.99", "1.7976931348623157e308", "4.9e-324", "2592001",
        "0.30000000000000004", "123456789012345678901234567890", "1e99999999999999999999", "0e9999", String(repeating: "9", count: 400),
    ]

    /// Strings that once trapped or escaped a rule.
    public static let hostileStrings = [
        "", ".", "..", "nan", "NaN", "inf", "-inf", "1e400", "1e17", "http+unix://%2Ftmp%2Fs/x", "unix:///x", "javascript:1", "^(a+)+$",
        "(a|aa)*b", "[", "payload.*.*", "*", "payload..x", "spree.*", "2026-11-24T10:15:00Z", "9999-12-31T23:59:59.999Z",
        "10000-01-01T00:00:00Z", "\u{0}", "\u{FFFD}", "日本", String(repeating: "a", count: 300),
    ]

    /// A JSON value of bounded size, biased toward the shapes the hub reads.
    public mutating func value(depth: Int = 0) -> JSONValue {
        let roll = depth > 4 ? int(0...5) : int(0...9)
        switch roll {
        case 0: return .null
        case 1: return .bool(chance(50))
        case 2: return .int(Int64(bitPattern: next()) >> Int64(int(0...63)))
        case 3: return .double(pick([0.5, -1e300, 1e300, 19.99, .greatestFiniteMagnitude, 1e-300, 3600, 2_592_001]))
        case 4, 5: return .string(chance(50) ? pick(Self.hostileStrings) : String(repeating: pick(["a", "é", "0", "."]), count: int(0...8)))
        case 6, 7:
            return .array((0..<int(0...4)).map { _ in value(depth: depth + 1) })
        default:
            var fields: JSONObject = [:]
            for _ in 0..<int(0...5) { fields[pick(Self.keys)] = value(depth: depth + 1) }
            return .object(fields)
        }
    }

    /// Keys the decoders look for, so generated objects reach past the first check.
    public static let keys = [
        "message", "event", "payload", "order", "number", "email", "sku", "id", "name", "messages", "url", "token", "filters", "path",
        "operator", "value", "match_rule", "identifiers", "parameters", "options", "retry_schedule", "retries_allowed", "max_in_flight",
        "timeout", "enabled", "protocol", "signing_secret", "interval", "delay", "update_url", "notifications", "level", "subject",
        "line_items", "shipment", "product", "user", "since", "page", "orders", "summary", "request_id",
    ]

    /// A document as bytes: a generated value, often mutated at the byte level.
    public mutating func document() -> [UInt8] {
        var bytes = Array(value().encoded())
        if chance(10) { return (0..<int(0...64)).map { _ in UInt8(truncatingIfNeeded: next()) } }
        for _ in 0..<int(0...4) {
            let position = bytes.isEmpty ? 0 : int(0...bytes.count)
            switch int(0...5) {
            case 0 where !bytes.isEmpty && position < bytes.count: bytes[position] = UInt8(truncatingIfNeeded: next())
            case 1 where !bytes.isEmpty && position < bytes.count: bytes.remove(at: position)
            case 2: bytes.insert(contentsOf: Array(pick(Self.hostileNumbers).utf8), at: position)
            case 3:
                bytes.insert(
                    contentsOf: pick([[0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], Array("\\ud800".utf8), Array("\\u0000".utf8)]),
                    at: position
                )
            case 4: bytes.insert(contentsOf: Array(repeating: UInt8(ascii: pick(["[", "{"])), count: int(1...80)), at: position)
            default: bytes.insert(contentsOf: Array(pick(["\"", ",", ":", "}", "]", " ", "-", "e", "."]).utf8), at: position)
            }
        }
        return bytes
    }
}
