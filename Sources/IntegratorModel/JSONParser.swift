import Foundation

/// A JSON parser that builds `JSONValue` directly from bytes.
///
/// Written by hand because parsing is on every hot path (each push, each reply, each payload
/// read back for delivery) and going through `Codable` cost a third of the server's CPU in a
/// profile. It enforces the nesting limit as it goes, so a hostile body cannot exhaust the stack.
struct JSONParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private let depthLimit: Int
    /// Whether to note where the top-level members lie: only `parseDocument`'s callers read them,
    /// and every other parse (replies, stored payloads) is on a hot path too.
    private let recordsSpans: Bool
    /// Where each member's value of a top-level object lies in `bytes`, in order.
    private var memberSpans: [(key: String, range: Range<Int>)] = []
    /// Whether any object repeated a key (its value keeps the last).
    private var repeatedKey = false

    static func parse(_ buffer: UnsafeBufferPointer<UInt8>, depthLimit: Int) throws -> JSONValue {
        try parseDocument(buffer, depthLimit: depthLimit, recordsSpans: false).value
    }

    static func parseDocument(_ buffer: UnsafeBufferPointer<UInt8>, depthLimit: Int, recordsSpans: Bool = true) throws -> JSONDocument {
        var parser = JSONParser(bytes: buffer, depthLimit: depthLimit, recordsSpans: recordsSpans)
        parser.skipWhitespace()
        if parser.index == buffer.count { throw JSONReadError.empty }
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        if parser.index != buffer.count { throw parser.error("unexpected content after the JSON document") }
        return JSONDocument(value: value, memberSpans: parser.memberSpans, repeatsAKey: parser.repeatedKey)
    }

    private init(bytes: UnsafeBufferPointer<UInt8>, depthLimit: Int, recordsSpans: Bool) {
        self.bytes = bytes
        self.depthLimit = depthLimit
        self.recordsSpans = recordsSpans
    }

    private func error(_ what: String) -> JSONReadError {
        .malformed("\(what) at byte \(index)")
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private mutating func value(depth: Int) throws -> JSONValue {
        guard index < bytes.count else { throw error("unexpected end of the document") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw error("unexpected character '\(Character(Unicode.Scalar(bytes[index])))'")
        }
    }

    private mutating func literal(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("unexpected end of the document") }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw error("invalid literal")
        }
        index += count
    }

    private mutating func object(depth: Int) throws -> JSONValue {
        if depth > depthLimit { throw JSONReadError.tooDeep(limit: depthLimit) }
        index += 1
        // Pairs first, put in order once at the end (`JSONObject.canonical`). A repeated key
        // keeps its last value. Room for eight members up front: most objects have a few, and
        // growing from empty reallocated at 1, 2 and 4.
        var fields: [JSONObject.Element] = []
        fields.reserveCapacity(8)
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object([:])
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try string()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':' after a key") }
            index += 1
            skipWhitespace()
            let start = index
            do {
                fields.append((key: key, value: try value(depth: depth)))
            } catch JSONReadError.inexactNumber(let path, let text) {
                throw JSONReadError.inexactNumber(path: [key] + path, text: text)
            }
            if recordsSpans, depth == 1 { memberSpans.append((key, start..<index)) }
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of the document in an object") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "}") {
                index += 1
                let (members, repeated) = JSONObject.canonical(fields)
                if repeated { repeatedKey = true }
                return .object(JSONObject(checkedMembers: members))
            } else {
                throw error("expected ',' or '}' in an object")
            }
        }
    }

    private mutating func array(depth: Int) throws -> JSONValue {
        if depth > depthLimit { throw JSONReadError.tooDeep(limit: depthLimit) }
        index += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            do {
                items.append(try value(depth: depth))
            } catch JSONReadError.inexactNumber(let path, let text) {
                throw JSONReadError.inexactNumber(path: [String(items.count)] + path, text: text)
            }
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of the document in an array") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(items)
            } else {
                throw error("expected ',' or ']' in an array")
            }
        }
    }

    private mutating func string() throws -> String {
        index += 1  // the opening quote
        let start = index
        // Fast path: no escapes.
        var ascii = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = try Self.text(UnsafeBufferPointer(rebasing: bytes[start..<index]), ascii: ascii, in: bytes, at: start)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("a control character in a string must be escaped") }
            ascii = ascii && byte < 0x80
            index += 1
        }
        var scratch = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                let text = try scratch.withUnsafeBufferPointer { try Self.text($0, ascii: false, in: bytes, at: start) }
                index += 1
                return text
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw error("unexpected end of the document in an escape") }
                let escaped = bytes[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "\""): scratch.append(0x22)
                case UInt8(ascii: "\\"): scratch.append(0x5C)
                case UInt8(ascii: "/"): scratch.append(0x2F)
                case UInt8(ascii: "b"): scratch.append(0x08)
                case UInt8(ascii: "f"): scratch.append(0x0C)
                case UInt8(ascii: "n"): scratch.append(0x0A)
                case UInt8(ascii: "r"): scratch.append(0x0D)
                case UInt8(ascii: "t"): scratch.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        // A high surrogate must be followed by an escaped low one.
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                            throw error("a lone surrogate in a \\u escape")
                        }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("an invalid surrogate pair") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw error("a lone surrogate in a \\u escape")
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw error("an invalid \\u escape") }
                    scratch.append(contentsOf: String(Character(unicode)).utf8)
                default:
                    throw error("an invalid escape '\\\(Character(Unicode.Scalar(escaped)))'")
                }
            default:
                if byte < 0x20 { throw error("a control character in a string must be escaped") }
                scratch.append(byte)
                index += 1
            }
        }
        throw error("unexpected end of the document in a string")
    }

    /// The text of a string's bytes, which must be UTF-8. ASCII (most keys and values) needs no
    /// check; other bytes are decoded and compared with what came in, since decoding replaces
    /// what is not UTF-8. (The standard library's validating initialiser is generic over the
    /// encoding and looked its metadata up on every call: a third of the parser's time on the
    /// benchmark's 1.4 KB order, 18 µs before and 11.5 µs after.)
    private static func text(
        _ raw: UnsafeBufferPointer<UInt8>,
        ascii: Bool,
        in bytes: UnsafeBufferPointer<UInt8>,
        at start: Int
    ) throws -> String {
        let text = String(decoding: raw, as: UTF8.self)
        if ascii || text.utf8.elementsEqual(raw) { return text }
        throw JSONReadError.invalidUTF8(at: firstInvalidUTF8(bytes, from: start))
    }

    private mutating func hex4() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("unexpected end of the document in a \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("an invalid hex digit in a \\u escape")
            }
            value = value * 16 + UInt32(digit)
            index += 1
        }
        return value
    }

    private mutating func number() throws -> JSONValue {
        let start = index
        var integral = true
        var sawExponent = false
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        let firstDigit = index
        guard index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) else { throw error("a number needs digits") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { throw error("a number may not start with 0") }
        } else {
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            integral = false
            index += 1
            let digits = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            if index == digits { throw error("a number needs digits after '.'") }
        }
        // Digits before any exponent, the point not counted.
        let digitCount = index - firstDigit - (integral ? 0 : 1)
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            integral = false
            sawExponent = true
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            let digits = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            if index == digits { throw error("a number needs digits in its exponent") }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if integral, let value = Int64(text) { return .int(value) }
        // A decimal of at most 15 digits and no exponent (a price, a rate) always reads back as
        // written: any 15 significant digits survive a Double (DBL_DIG), within ±10^15.
        if !sawExponent, digitCount <= 15, let value = Double(text) { return .double(value) }
        // Kept only when the hub writes back the very number it was sent: a whole number past
        // Int64, a decimal with more digits than a Double holds, or one past its range is
        // refused rather than stored rounded or as null.
        guard let value = ExactNumber.double(text) else { throw JSONReadError.inexactNumber(path: [], text: text) }
        return .double(value)
    }

    /// The offset of the first byte that breaks UTF-8 in the string starting at `start`.
    static func firstInvalidUTF8(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "\"") { end += 1 }
        var offset = start
        var decoder = UTF8()
        var iterator = UnsafeBufferPointer(rebasing: bytes[start..<end]).makeIterator()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput, .error: return offset
            }
        }
    }
}

/// Numbers the hub can keep exactly: the decimal value of the text sent equals the value of
/// the text the hub writes back (`String(Double)`, the shortest form that reads back the same).
extension JSONValue {
    /// The number `text` (JSON number syntax) as the hub keeps it, or nil when it cannot be
    /// kept exactly: the rule the parser applies, for other readers (YAML config files).
    public static func exactNumber(_ text: String) -> JSONValue? {
        if let value = Int64(text) { return .int(value) }
        return ExactNumber.double(text).map(JSONValue.double)
    }
}

enum ExactNumber {
    /// The Double for `text`, or nil when it is not finite or its written form would differ.
    static func double(_ text: String) -> Double? {
        guard let value = Double(text), value.isFinite else { return nil }
        guard let sent = Decimal(text), let kept = Decimal(String(value)) else { return nil }
        return sent == kept ? value : nil
    }

    /// A decimal number as sign, significant digits (no leading or trailing zeros) and the
    /// power of ten of the last digit; zero has no digits.
    struct Decimal: Equatable {
        var negative: Bool
        var digits: [UInt8]
        var exponent: Int

        init?(_ text: String) {
            var bytes = Array(text.utf8)[...]
            negative = bytes.first == UInt8(ascii: "-")
            if negative || bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
            var all: [UInt8] = []
            var fractionDigits = 0
            var seenPoint = false
            while let byte = bytes.first, byte != UInt8(ascii: "e"), byte != UInt8(ascii: "E") {
                bytes = bytes.dropFirst()
                if byte == UInt8(ascii: ".") {
                    seenPoint = true
                    continue
                }
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                all.append(byte - UInt8(ascii: "0"))
                if seenPoint { fractionDigits += 1 }
            }
            var power = 0
            if !bytes.isEmpty {
                bytes = bytes.dropFirst()
                let minus = bytes.first == UInt8(ascii: "-")
                if minus || bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
                for byte in bytes {
                    guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                    // Bounded: past a million the number is out of any Double's range anyway.
                    power = min(power * 10 + Int(byte - UInt8(ascii: "0")), 1_000_000)
                }
                if minus { power = -power }
            }
            guard let first = all.firstIndex(where: { $0 != 0 }) else {
                negative = false
                digits = []
                exponent = 0
                return
            }
            let last = all.lastIndex(where: { $0 != 0 })!
            digits = Array(all[first...last])
            exponent = power - fractionDigits + (all.count - 1 - last)
        }
    }
}
