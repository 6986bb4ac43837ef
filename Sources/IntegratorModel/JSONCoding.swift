import Foundation

/// Why a body could not be read as JSON.
public enum JSONReadError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case tooDeep(limit: Int)
    case malformed(String)
    /// A string holds bytes that are not UTF-8; `at` is the offset of the first such byte.
    case invalidUTF8(at: Int)
    /// A number the hub cannot keep exactly (past Int64, more digits than a Double holds, or
    /// out of range), at a path into the document (`payload.order.total`).
    case inexactNumber(path: [String], text: String)

    public var description: String {
        switch self {
        case .empty: return "the body is empty; send a JSON document"
        case .tooDeep(let limit): return "the JSON document nests deeper than \(limit) levels"
        case .malformed(let why): return "the body is not valid JSON: \(why)"
        case .invalidUTF8(let offset): return "the body is not valid UTF-8: a string holds a byte that breaks UTF-8 at byte \(offset)"
        case .inexactNumber(let path, _): return "\(path.joined(separator: ".")): \(Self.inexactProblem)"
        }
    }

    /// What is wrong with an inexact number, for the `problem` of a 422.
    public static let inexactProblem =
        "is a number the hub cannot keep exactly; send whole numbers within ±9223372036854775807 "
        + "and decimals of at most 15 significant digits, or send it as a string"

    /// The dotted path of an inexact number, for the `path` of a 422.
    public var path: String? {
        if case .inexactNumber(let path, _) = self { return path.joined(separator: ".") }
        return nil
    }
}

extension JSONValue {
    /// The default limit on nesting: deep enough for any commerce document, shallow enough
    /// that a hostile body cannot exhaust the stack.
    public static let defaultDepthLimit = 64

    /// Parses `bytes`, refusing documents nested deeper than `depthLimit` before the parser
    /// sees them.
    public static func parse(_ bytes: some Collection<UInt8>, depthLimit: Int = defaultDepthLimit) throws -> JSONValue {
        if let result = try bytes.withContiguousStorageIfAvailable({ try JSONParser.parse($0, depthLimit: depthLimit) }) {
            return result
        }
        return try Array(bytes).withUnsafeBufferPointer { try JSONParser.parse($0, depthLimit: depthLimit) }
    }

    /// Parses `bytes` as `parse` does, and says where each top-level member's value lies in them.
    public static func parseDocument(_ bytes: some Collection<UInt8>, depthLimit: Int = defaultDepthLimit) throws -> JSONDocument {
        if let result = try bytes.withContiguousStorageIfAvailable({ try JSONParser.parseDocument($0, depthLimit: depthLimit) }) {
            return result
        }
        return try Array(bytes).withUnsafeBufferPointer { try JSONParser.parseDocument($0, depthLimit: depthLimit) }
    }

    /// Parses a string; a convenience for tests and configuration.
    public static func parse(_ text: String, depthLimit: Int = defaultDepthLimit) throws -> JSONValue {
        try parse(Array(text.utf8), depthLimit: depthLimit)
    }

    /// Compact JSON with sorted keys, so equal values always encode to equal bytes.
    public func encoded() -> Data {
        var out = [UInt8]()
        out.reserveCapacity(256)
        JSONWriter.write(self, into: &out)
        return Data(out)
    }

    /// `encoded()` as a string.
    public var jsonString: String { String(decoding: encoded(), as: UTF8.self) }

    /// Indented JSON with sorted keys, for people: the console's payload views and editors.
    public var prettyJSONString: String {
        var out = [UInt8]()
        JSONWriter.writePretty(self, indent: 0, into: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

/// Writes JSON by hand: sorted keys for stable bytes, no escaped slashes, and numbers in
/// their shortest form. Foundation's encoder does the same far slower on this hot path.
enum JSONWriter {
    static func writePretty(_ value: JSONValue, indent: Int, into out: inout [UInt8]) {
        let pad = { (level: Int, out: inout [UInt8]) in
            out.append(UInt8(ascii: "\n"))
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: level * 2))
        }
        switch value {
        case .array(let items) where !items.isEmpty:
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                pad(indent + 1, &out)
                writePretty(item, indent: indent + 1, into: &out)
            }
            pad(indent, &out)
            out.append(UInt8(ascii: "]"))
        case .object(let fields) where !fields.isEmpty:
            out.append(UInt8(ascii: "{"))
            for (index, field) in fields.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                pad(indent + 1, &out)
                writeString(field.key, into: &out)
                out.append(contentsOf: ": ".utf8)
                writePretty(field.value, indent: indent + 1, into: &out)
            }
            pad(indent, &out)
            out.append(UInt8(ascii: "}"))
        default:
            write(value, into: &out)
        }
    }

    static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d):
            if d.isNaN || d.isInfinite {
                out.append(contentsOf: "null".utf8)
            } else if d.rounded() == d, abs(d) < 9.0e15 {
                out.append(contentsOf: String(Int64(d)).utf8)
            } else {
                out.append(contentsOf: String(d).utf8)
            }
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let fields):
            out.append(UInt8(ascii: "{"))
            // Members are kept in key order: written as they are.
            for (index, field) in fields.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                writeString(field.key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(field.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Most strings need no escape: copied whole, not byte by byte.
        let plain = s.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard !bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if plain == true {
            out.append(UInt8(ascii: "\""))
            return
        }
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [
                    UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)],
                ])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
