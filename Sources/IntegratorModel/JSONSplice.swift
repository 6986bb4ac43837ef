/// Sets one top-level field of a JSON object given as text, without parsing the rest of it into
/// values: the delivery of a stored payload with its parameters is a copy of the stored bytes
/// with one field put in, where parsing the payload and encoding it again was a seventh of the
/// hub's time in a drain.
///
/// The object's members keep their order; the field replaces a member of the same name, or goes
/// before the first member whose name sorts after it, or last. On text in the hub's own encoding
/// (compact, sorted keys) the result is byte for byte what encoding the changed value gives.
/// Anything this scanner is not sure of (not an object, an escaped key, the name twice, a
/// damaged value) gives nil, and the caller parses instead.
public enum JSONSplice {
    public static func settingField(_ name: String, to value: [UInt8], in text: [UInt8]) -> [UInt8]? {
        text.withUnsafeBufferPointer { settingField(name, to: value, in: $0) }
    }

    private static func settingField(_ name: String, to value: [UInt8], in text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        let key = Array(name.utf8)
        var scanner = Scanner(bytes: text)
        scanner.skipWhitespace()
        guard scanner.take(UInt8(ascii: "{")) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(text.count + key.count + value.count + 5)
        func putMember() {
            out.append(UInt8(ascii: "\""))
            out += key
            out.append(UInt8(ascii: "\""))
            out.append(UInt8(ascii: ":"))
            out += value
        }
        out.append(UInt8(ascii: "{"))
        var placed = false
        var members = 0
        scanner.skipWhitespace()
        if !scanner.take(UInt8(ascii: "}")) {
            while true {
                scanner.skipWhitespace()
                // Where the member's name begins, at its opening quote.
                let memberStart = scanner.index
                guard let found = scanner.key() else { return nil }
                scanner.skipWhitespace()
                guard scanner.take(UInt8(ascii: ":")) else { return nil }
                scanner.skipWhitespace()
                let valueStart = scanner.index
                guard scanner.skipValue(depth: 0) else { return nil }
                if found.elementsEqual(key) {
                    if placed { return nil }
                    placed = true
                    if members > 0 { out.append(UInt8(ascii: ",")) }
                    putMember()
                } else {
                    if !placed, found.lexicographicallyPrecedes(key) == false {
                        placed = true
                        if members > 0 { out.append(UInt8(ascii: ",")) }
                        putMember()
                        members += 1
                    }
                    if members > 0 { out.append(UInt8(ascii: ",")) }
                    // The name as read, without the space a writer may have put before its colon.
                    out += text[memberStart..<(memberStart + found.count + 2)]
                    out.append(UInt8(ascii: ":"))
                    out += text[valueStart..<scanner.index]
                }
                members += 1
                scanner.skipWhitespace()
                if scanner.take(UInt8(ascii: ",")) { continue }
                guard scanner.take(UInt8(ascii: "}")) else { return nil }
                break
            }
        }
        scanner.skipWhitespace()
        guard scanner.index == text.count else { return nil }
        if !placed {
            if members > 0 { out.append(UInt8(ascii: ",")) }
            putMember()
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Moves over JSON text without building values; every method says whether what it met was
    /// well formed as far as it looked.
    private struct Scanner {
        /// The text, read in place: indexing an array checked every byte's bounds twice over
        /// (the scanner's own test and the array's), and slices of it allocated.
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        /// Nesting past this is left to the parser, with its own limit.
        static let depthLimit = 512

        // The byte classes as comparisons: an array literal's `contains` here ran for every byte
        // of every payload sent (1 % of a delivery's CPU).
        static func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 }

        /// What ends a number or a literal: a comma, a closing bracket or whitespace.
        static func endsToken(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") || isWhitespace(byte)
        }

        /// The characters that may follow a backslash, other than `u`.
        static func isEscape(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"),
                UInt8(ascii: "r"), UInt8(ascii: "t"):
                true
            default: false
            }
        }

        mutating func skipWhitespace() {
            while index < bytes.count, Self.isWhitespace(bytes[index]) { index += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        /// A member name without escapes: its bytes between the quotes.
        mutating func key() -> Slice<UnsafeBufferPointer<UInt8>>? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return bytes[start..<index - 1]
                }
                if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
                index += 1
            }
            return nil
        }

        mutating func skipString() -> Bool {
            guard take(UInt8(ascii: "\"")) else { return false }
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                if byte == UInt8(ascii: "\"") { return true }
                if byte < 0x20 { return false }
                if byte == UInt8(ascii: "\\") {
                    guard index < bytes.count else { return false }
                    let escaped = bytes[index]
                    index += 1
                    if escaped == UInt8(ascii: "u") {
                        guard index + 4 <= bytes.count, bytes[index..<index + 4].allSatisfy(\.isHexDigit) else { return false }
                        index += 4
                    } else if !Self.isEscape(escaped) {
                        return false
                    }
                }
            }
            return false
        }

        mutating func skipValue(depth: Int) -> Bool {
            guard index < bytes.count, depth < Self.depthLimit else { return false }
            switch bytes[index] {
            case UInt8(ascii: "\""):
                return skipString()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let close = bytes[index] == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                let isObject = close == UInt8(ascii: "}")
                index += 1
                skipWhitespace()
                if take(close) { return true }
                while true {
                    skipWhitespace()
                    if isObject {
                        guard skipString() else { return false }
                        skipWhitespace()
                        guard take(UInt8(ascii: ":")) else { return false }
                        skipWhitespace()
                    }
                    guard skipValue(depth: depth + 1) else { return false }
                    skipWhitespace()
                    if take(UInt8(ascii: ",")) { continue }
                    return take(close)
                }
            default:
                // A number or a literal: up to the next delimiter, checked by its characters.
                let start = index
                while index < bytes.count, !Self.endsToken(bytes[index]) {
                    guard (0x2B...0x7A).contains(bytes[index]) else { return false }
                    index += 1
                }
                let token = bytes[start..<index]
                if token.elementsEqual("true".utf8) || token.elementsEqual("false".utf8) || token.elementsEqual("null".utf8) { return true }
                return Self.isNumber(token)
            }
        }

        /// JSON's number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
        static func isNumber(_ token: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
            var rest = token
            func digits(_ rest: inout Slice<UnsafeBufferPointer<UInt8>>) -> Int {
                let count = rest.prefix { (0x30...0x39).contains($0) }.count
                rest = rest.dropFirst(count)
                return count
            }
            if rest.first == UInt8(ascii: "-") { rest = rest.dropFirst() }
            if rest.first == UInt8(ascii: "0") {
                rest = rest.dropFirst()
            } else if digits(&rest) == 0 {
                return false
            }
            if rest.first == UInt8(ascii: ".") {
                rest = rest.dropFirst()
                if digits(&rest) == 0 { return false }
            }
            if rest.first == UInt8(ascii: "e") || rest.first == UInt8(ascii: "E") {
                rest = rest.dropFirst()
                if rest.first == UInt8(ascii: "+") || rest.first == UInt8(ascii: "-") { rest = rest.dropFirst() }
                if digits(&rest) == 0 { return false }
            }
            return rest.isEmpty
        }
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }
}
