import Crypto
import Foundation
import Testing

@testable import IntegratorServer

/// Token digests and comparisons, written without intermediate copies, give what the plain
/// library calls give.
@Suite struct TokensTests {
    @Test(arguments: ["", "abc", "bench-store-token-0123456789", String(repeating: "é", count: 600), "tab\tand\u{0}nul"])
    func aTokensHashIsTheHexOfItsSHA256(token: String) {
        let expected = SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
        #expect(Tokens.hash(token) == expected)
    }

    @Test func aKnownDigest() {
        #expect(Tokens.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Tokens.hex([0x00, 0x0f, 0xf0, 0xff]) == "000ff0ff")
        #expect(Tokens.hex(AnySequence([0xab, 0x01] as [UInt8])) == "ab01")
        #expect(Tokens.generate().utf8.count == 64)
    }

    @Test(arguments: [
        ("same", "same", true),
        ("", "", true),
        ("abcd", "abce", false),  // differs in the last byte
        ("xbcd", "abcd", false),  // in the first
        ("abc", "abcd", false),  // lengths differ
        ("é", "e\u{301}", false),  // equal as Characters, not as bytes: a digest is bytes
    ])
    func equalComparesBytes(a: String, b: String, equal: Bool) {
        #expect(Tokens.equal(a, b) == equal)
        #expect(Tokens.equal(b, a) == equal)
    }
}
