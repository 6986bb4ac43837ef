import Crypto
import Foundation

/// Tokens are stored only as SHA-256 digests, so a copy of the database gives no credentials.
public enum Tokens {
    static func hash(_ token: String) -> String {
        // From the string's own bytes to the digits, with no copy between (every push checks a
        // token): neither `Data` nor an array.
        var token = token
        return token.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)).withUnsafeBytes(hex(raw:)) }
    }

    /// A new random token: 32 bytes as 64 hex digits (the original asked for 32+ characters).
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return hex((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// Lowercase hex, without `String(format:)`, which costs more than the hash itself.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.withContiguousStorageIfAvailable { hex(raw: UnsafeRawBufferPointer($0)) } ?? Array(bytes).withUnsafeBytes(hex(raw:))
    }

    /// Lowercase hex of `bytes`, written straight into the string.
    static func hex(raw bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: 2 * bytes.count) { out in
            let digits: StaticString = "0123456789abcdef"
            for (index, byte) in bytes.enumerated() {
                out[2 * index] = digits.utf8Start[Int(byte >> 4)]
                out[2 * index + 1] = digits.utf8Start[Int(byte & 0x0F)]
            }
            return 2 * bytes.count
        }
    }

    /// Compares in time independent of where the strings differ.
    static func equal(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a.utf8, b.utf8) { difference |= x ^ y }
        return difference == 0
    }
}
