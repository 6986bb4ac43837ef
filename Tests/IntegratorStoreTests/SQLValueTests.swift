import Testing

@testable import IntegratorStore

struct SQLValueTests {
    /// Every text bound by either store passes `storable`; a NUL anywhere, in a small string
    /// (kept inline) or a large one, outside ASCII or not, becomes U+FFFD and nothing else moves.
    @Test(arguments: [
        ("", ""),
        ("abc", "abc"),
        ("\u{0}", "\u{FFFD}"),
        ("a\u{0}b", "a\u{FFFD}b"),
        ("é\u{0}日本", "é\u{FFFD}日本"),
        (String(repeating: "x", count: 5_000) + "\u{0}", String(repeating: "x", count: 5_000) + "\u{FFFD}"),
        ("\u{0}" + String(repeating: "y", count: 40) + "\u{0}", "\u{FFFD}" + String(repeating: "y", count: 40) + "\u{FFFD}"),
        (String(repeating: "z", count: 40), String(repeating: "z", count: 40)),
    ])
    func aNULBecomesTheReplacementCharacterAndNothingElseChanges(text: String, stored: String) {
        #expect(SQLValue.storable(text) == stored)
        #expect(SQLValue.holdsNUL(text) == text.utf8.contains(0))
    }

    @Test func aSubstringsTextIsCheckedToo() {
        let whole = "head\u{0}tail and more than fifteen bytes"
        let part = String(whole.utf8.dropFirst(2))!
        #expect(SQLValue.storable(part) == "ad\u{FFFD}tail and more than fifteen bytes")
    }
}
