import Foundation
import IntegratorModel
import Testing

/// A top-level member's bytes are offered for keeping only when they read back to exactly the
/// parsed value: never when an object repeats a key.
@Suite struct JSONDocumentTests {
    @Test(arguments: [
        (#"{"message":"order:new","payload":{"b":1,"a":[1.0,2]}}"#, #"{"b":1,"a":[1.0,2]}"#),
        (" { \"payload\" : { \"b\" : [ 1 , 2 ] } , \"x\" : 1 } ", #"{ "b" : [ 1 , 2 ] }"#),
        (#"{"payload":{"s":"caf\u00e9 \ud83d\ude00 \"q\" \/"},"message":"x"}"#, #"{"s":"caf\u00e9 \ud83d\ude00 \"q\" \/"}"#),
        // An escaped key still names the member; its value's bytes are the same.
        (#"{"p\u0061yload":{"n":-0.5e3}}"#, #"{"n":-0.5e3}"#),
        (#"{"payload":"text"}"#, #""text""#),
        (#"{"payload":{}}"#, "{}"),
    ])
    func keepsAMembersOwnBytes(document: String, kept: String) throws {
        let bytes = Array(document.utf8)
        let parsed = try JSONValue.parseDocument(bytes)
        let range = try #require(parsed.keptMember("payload"))
        let slice = Array(bytes[range])
        #expect(String(decoding: slice, as: UTF8.self) == kept)
        #expect(try JSONValue.parse(slice) == parsed.value["payload"])
        #expect(parsed.value == (try JSONValue.parse(bytes)))
    }

    @Test(arguments: [
        #"{"payload":{"a":1},"payload":{"a":2}}"#,
        #"{"payload":{"a":1,"a":2}}"#,
        #"{"payload":{"a":[{"k":1,"k":2}]}}"#,
        #"{"x":{"k":1,"k":2},"payload":{"a":1}}"#,
        #"{"message":"order:new"}"#,
        #"[{"payload":{"a":1}}]"#,
        #""payload""#,
    ])
    func offersNothingWhenTheBytesCouldReadOtherwiseOrThereIsNoSuchMember(document: String) throws {
        #expect(try JSONValue.parseDocument(Array(document.utf8)).keptMember("payload") == nil)
    }

    @Test func aNestedMemberOfTheSameNameIsNotTheTopLevelOne() throws {
        let bytes = Array(#"{"order":{"payload":{"deep":true}},"payload":{"top":1}}"#.utf8)
        let range = try #require(try JSONValue.parseDocument(bytes).keptMember("payload"))
        #expect(String(decoding: bytes[range], as: UTF8.self) == #"{"top":1}"#)
    }

    @Test func aDocumentThatDoesNotParseThrowsAsParseDoes() {
        for text in ["", "{", #"{"payload":{"a":1}} x"#, #"{"payload":{"a":"\ud800"}}"#] {
            #expect(throws: JSONReadError.self) { try JSONValue.parseDocument(Array(text.utf8)) }
        }
    }
}
