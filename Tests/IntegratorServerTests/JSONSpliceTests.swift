import Foundation
import IntegratorModel
import IntegratorTestSupport
import Testing

/// A field put into stored JSON text without parsing it: on the hub's own encoding the bytes are
/// exactly what encoding the changed value gives; anything the scanner is not sure of is left
/// to the parser.
@Suite struct JSONSpliceTests {
    static let parameters: JSONValue = [["name": "store_id", "value": "acme"], ["name": "erp.cursor", "value": 7]]

    /// The slow way the splice replaces: parse, set, encode.
    static func reencoded(_ object: JSONValue, _ value: JSONValue) -> [UInt8] {
        var fields = object.objectValue ?? [:]
        fields["parameters"] = value
        return Array(JSONValue.object(fields).encoded())
    }

    static func spliced(_ text: [UInt8], _ value: JSONValue) -> [UInt8]? {
        JSONSplice.settingField("parameters", to: Array(value.encoded()), in: text)
    }

    @Test(arguments: [
        "{}",
        #"{"a":1}"#,
        #"{"z":null}"#,
        #"{"order":{"number":"R1","line_items":[{"sku":"A"}]},"parameters":[1,2]}"#,
        #"{"a":"{\"parameters\":1}","p":[true,false,null],"parameters":{},"q":-0.5e-3}"#,
        #"{"params":1,"parametersX":2,"parameter":3}"#,
        #"{"日本":"é","\u00e9":"\\\/\b\f\n\r\t\u0000"}"#,
        #"{"big":1234567890123456789,"e":1E+5,"neg":-0}"#,
    ])
    func theSplicedBytesAreTheReencodedBytes(text: String) throws {
        let object = try JSONValue.parse(text)
        let canonical = Array(object.encoded())
        #expect(Self.spliced(canonical, Self.parameters) == Self.reencoded(object, Self.parameters))
    }

    @Test func everyGeneratedObjectSplicesToItsReencoding() throws {
        var fuzzer = Fuzzer(seed: 17)
        for _ in 0..<Fuzzer.iterations(default: 3000) {
            var fields: JSONObject = [:]
            for _ in 0..<fuzzer.int(0...6) { fields[fuzzer.pick(Fuzzer.keys)] = fuzzer.value(depth: 1) }
            let object = JSONValue.object(fields)
            let value = fuzzer.value(depth: 2)
            #expect(Self.spliced(Array(object.encoded()), value) == Self.reencoded(object, value))
        }
    }

    /// Text that is not in the hub's encoding but still an object: the field is set, the rest
    /// kept as written, and the result reads as the changed value.
    @Test func looseTextStillGivesTheSameValue() throws {
        let text = #" { "b" : [1, {"x": "y"}] ,  "parameters" : "old", "a": 2 } "#
        let spliced = try #require(Self.spliced(Array(text.utf8), Self.parameters))
        #expect(try JSONValue.parse(spliced) == ["a": 2, "b": [1, ["x": "y"]], "parameters": Self.parameters])
    }

    @Test(arguments: [
        "", "[]", "[1]", "\"x\"", "1", "null", "{", "{}x", #"{"a":1,}"#, #"{"a" 1}"#, #"{"a":01}"#, #"{"a":1-2}"#, #"{"a":.5}"#,
        #"{"a":tru}"#, #"{"a":"\q"}"#, #"{"a":"\u12"}"#, #"{"a":"open}"#, #"{"\u0061":1}"#, #"{"parameters":1,"parameters":2}"#,
        #"{"a":[1,2}"#, #"{"a":{"b"}}"#, "{\"a\":\"tab\there\"}",
    ])
    func whatTheScannerIsNotSureOfIsLeftToTheParser(text: String) {
        #expect(Self.spliced(Array(text.utf8), Self.parameters) == nil)
    }

    @Test func nestingPastTheLimitIsLeftToTheParser() {
        let deep = #"{"a":"# + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "}"
        #expect(Self.spliced(Array(deep.utf8), Self.parameters) == nil)
    }

    /// Generated and mutated bytes: never a trap, and whenever the parser reads the input, it
    /// reads the output as the input with the field set. (What the splice takes that the parser
    /// refuses is JSON by grammar the hub would not keep, such as 1e400; stored text is the hub's
    /// own encoding, so it holds none.)
    @Test func hostileBytesNeverTrap() {
        var fuzzer = Fuzzer(seed: 23)
        for _ in 0..<Fuzzer.iterations(default: 3000) {
            let document = fuzzer.document()
            guard let spliced = Self.spliced(document, Self.parameters), let input = try? JSONValue.parse(document) else { continue }
            #expect((try? JSONValue.parse(spliced)) == Self.setting(input), "\(String(decoding: document, as: UTF8.self))")
        }
    }

    static func setting(_ input: JSONValue) -> JSONValue {
        var fields = input.objectValue ?? [:]
        fields["parameters"] = parameters
        return .object(fields)
    }
}
