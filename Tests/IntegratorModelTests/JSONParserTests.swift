import Foundation
import IntegratorModel
import Testing

/// The hand-written parser against the JSON grammar: what it must accept, and what it must refuse.
@Suite struct JSONParserTests {
    @Test(
        arguments: [
            (#"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"#, ["a": 1, "b": [true, false, nil], "c": ["d": "e"]] as JSONValue),
            (#"  [ 1 , -2 , 3.5 , -0.25e2 , 1E3 , 0 ]  "#, [1, -2, 3.5, -25.0, 1000.0, 0]),
            (#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{08}\u{0C}\n\r\t"),
            (#""caf\u00e9 \u20ac \ud83d\ude00""#, "café € 😀"),
            (#""naïve 日本""#, "naïve 日本"),
            (#"9223372036854775807"#, .int(Int64.max)),
            (#"92233720368547760000"#, .double(92_233_720_368_547_760_000)),
            (#"[19.99, 0.1, 1.50, 1e2, -0.0, 123456789012345.6]"#, [19.99, 0.1, 1.5, 100.0, -0.0, 123456789012345.6]),
            (#"{}"#, [:]),
            (#"[]"#, []),
        ] as [(String, JSONValue)]
    )
    func acceptsValidDocuments(text: String, expected: JSONValue) throws {
        #expect(try JSONValue.parse(text) == expected)
    }

    @Test(arguments: [
        "", "   ", "{", "[1,", "[1,]", "{\"a\":}", "{\"a\" 1}", "{a:1}", "[01]", "[1.]", "[.5]", "[1e]", "[-]", "tru", "nul", "[1] x",
        "\"unterminated", "\"bad \\x escape\"", "\"\\u12\"", "\"\\ud83d\"", "\"\\ude00\"", "\"line\nbreak\"", "{\"a\":1,}", "'single'",
    ])
    func refusesInvalidDocuments(text: String) {
        #expect(throws: JSONReadError.self) { try JSONValue.parse(text) }
    }

    /// A number is kept exactly or refused naming its path; never stored rounded or as null.
    @Test(arguments: [
        (#"{"a":{"b":[1, 18446744073709551616]}}"#, "a.b.1"),
        (#"{"x":1e400}"#, "x"),
        (#"{"x":-1e400}"#, "x"),
        (#"{"x":1e-400}"#, "x"),
        (#"{"x":0.10000000000000000001}"#, "x"),
        (#"[-9223372036854775809]"#, "0"),
        (#"{"x":1e99999999999999999999999}"#, "x"),
        ("{\"x\":" + String(repeating: "9", count: 10_000) + "}", "x"),
    ])
    func numbersThatCannotBeKeptExactlyAreRefusedNamingTheirPath(text: String, path: String) {
        #expect(throws: JSONReadError.inexactNumber(path: path.split(separator: ".").map(String.init), text: "")) {
            do { try JSONValue.parse(text) } catch JSONReadError.inexactNumber(let path, _) {
                throw JSONReadError.inexactNumber(path: path, text: "")
            }
        }
    }

    /// Short decimals skip the check that a number reads back as written; they agree with it.
    @Test func shortDecimalsReadAsTheExactCheckReadsThem() throws {
        var generator = SystemRandomNumberGenerator()
        var samples = [
            "0.0", "-0.0", "19.99", "0.1", "0.30000000000000", "999999999999999.9", "99999999999999.9", "0.00000000000001",
            "-123456789.012345",
        ]
        for _ in 0..<5_000 {
            let count = Int.random(in: 2...16, using: &generator)
            let digits = String((0..<count).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) })
            let point = Int.random(in: 1..<count, using: &generator)
            var text = String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
            while text.hasPrefix("0"), !text.hasPrefix("0.") { text.removeFirst() }
            samples.append(Bool.random(using: &generator) ? "-" + text : text)
        }
        for text in samples {
            let parsed = try? JSONValue.parse("[\(text)]")
            #expect(parsed == JSONValue.exactNumber(text).map { .array([$0]) }, "\(text)")
        }
    }

    @Test func invalidUTF8InAStringIsRefusedNamingTheByte() {
        for bytes: [UInt8] in [
            [0x22, 0x61, 0xFF, 0x22], [0x7B, 0x22, 0x6B, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D], [0x22, 0x5C, 0x6E, 0xED, 0xA0, 0x80, 0x22],
            // An overlong '/', a surrogate written as UTF-8, a cut-off emoji, a lone continuation byte.
            [0x22, 0xC0, 0xAF, 0x22], [0x22, 0x61, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xF0, 0x9F, 0x98, 0x22], [0x22, 0x80, 0x22],
            // The same as a key, where most of a push's strings are.
            [0x7B, 0x22, 0xC0, 0xAF, 0x22, 0x3A, 0x31, 0x7D],
        ] {
            #expect(throws: JSONReadError.self) { try JSONValue.parse(bytes) }
            do { _ = try JSONValue.parse(bytes) } catch let error as JSONReadError {
                guard case .invalidUTF8(let at) = error else {
                    Issue.record("expected invalidUTF8, got \(error)")
                    continue
                }
                #expect(bytes.indices.contains(at) && bytes[at] >= 0x80)
            } catch { Issue.record("\(error)") }
        }
    }

    @Test func textOutsideASCIIIsKeptExactlyInKeysValuesAndEscapedStrings() throws {
        let text = #"{"naïve":"Zoë ☕ 日本 😀","escaped":"\u00e9 é \ud83d\ude00 😀\n"}"#
        let value = try JSONValue.parse(Array(text.utf8))
        #expect(value["naïve"]?.stringValue == "Zoë ☕ 日本 😀")
        #expect(value["escaped"]?.stringValue == "é é 😀 😀\n")
    }

    @Test func refusesNestingPastTheLimitWithoutRecursingFurther() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONReadError.tooDeep(limit: 64)) { try JSONValue.parse(deep) }
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSONValue.parse(ok) }
    }

    @Test func agreesWithFoundationOnARealisticOrder() throws {
        let text =
            #"{"message":"order:new","payload":{"order":{"number":"R123","totals":{"item":12.99,"order":29.99},"#
            + #""line_items":[{"sku":"ABC-123","quantity":1,"price":19.99,"options":{"size":"XL"}}],"#
            + #""shipping_address":{"firstname":"Chris","address2":"","zipcode":"20175"},"note":null,"gift":false}}}"#
        let ours = try JSONValue.parse(text)
        let theirs = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(ours == theirs)
        #expect(try JSONValue.parse(ours.jsonString) == ours)
    }
}

@Suite struct PrettyJSONTests {
    @Test func prettyJSONIndentsAndReadsBackTheSameValue() throws {
        let value = try JSONValue.parse(#"{"b":[1,{"c":"x"}],"a":{},"d":[]}"#)
        let pretty = value.prettyJSONString
        #expect(pretty == "{\n  \"a\": {},\n  \"b\": [\n    1,\n    {\n      \"c\": \"x\"\n    }\n  ],\n  \"d\": []\n}")
        #expect(try JSONValue.parse(pretty) == value)
    }
}

@Suite struct TimestampTests {
    @Test(arguments: [
        "2026-11-24T10:15:00.123Z", "2026-11-24T10:15:00Z", "2026-11-24T12:15:00.5+02:00", "2026-11-24T05:15:00-05:00", "2024-02-29T23:59:59.999Z",
    ])
    func theHandReaderAgreesWithFoundation(text: String) throws {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = text.contains(".") ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        let expected = try #require(formatter.date(from: text))
        let read = try #require(Timestamp.parse(text))
        #expect(abs(read.timeIntervalSince(expected)) < 0.0005)
    }

    @Test(arguments: ["2026-13-01T00:00:00Z", "24/11/2026", "not a time", "1e17", "1e400", "nan", "-1e308", "inf", "-1", "10000-01-01T00:00:00Z"])
    func badTimesAreRefused(text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test func bareDatesAndEpochSecondsStillRead() {
        #expect(Timestamp.parse("2026-11-24") != nil)
        #expect(Timestamp.parse("1795548494")?.timeIntervalSince1970 == 1_795_548_494)
    }
}

@Suite struct TimestampRangeTests {
    @Test(arguments: [Double.nan, .infinity, -.infinity, 1e300, -1e300, 1e17, -1, 0, 253_402_300_800])
    func formattingAnyDateStaysWithinTheYears1970To9999(seconds: Double) {
        let text = Timestamp.format(Date(timeIntervalSince1970: seconds))
        #expect(text.count == 24)
        #expect(text >= "1970-01-01T00:00:00.000Z" && text <= "9999-12-31T23:59:59.999Z")
        #expect(Timestamp.parse(text) != nil)
    }

    @Test func addingAnyIntervalStaysInRange() {
        let now = Date()
        for seconds in [Double.nan, .infinity, -.infinity, 1e300, -1e300, 5] {
            let date = Timestamp.adding(seconds, to: now)
            #expect(Timestamp.range.contains(date.timeIntervalSince1970))
        }
    }
}
