import Foundation
import IntegratorModel
import Testing

/// A JSON object keeps its members sorted by key with no key twice, and reads and writes like
/// the dictionary it replaced: the same answers for the same operations.
@Suite struct JSONObjectTests {
    /// Operations on an object and on a dictionary fed the same steps.
    enum Step: Sendable, CustomStringConvertible {
        case set(String, JSONValue)
        case remove(String)
        var description: String {
            switch self {
            case .set(let key, let value): return "set \(key)=\(value.jsonString)"
            case .remove(let key): return "remove \(key)"
            }
        }
    }

    static let scripts: [[Step]] = {
        let shuffled: [Step] = (0..<200).map { index in Step.set(String(index * 7919 % 200), JSONValue.int(Int64(index))) }
        let removals: [Step] = (0..<100).map { index in Step.remove(String(index * 2)) }
        return [
            [Step.set("b", 1), Step.set("a", 2), Step.set("c", 3)],
            [Step.set("a", 1), Step.set("a", 2), Step.remove("a"), Step.set("a", JSONValue.null)],
            [Step.remove("missing"), Step.set("", "empty key"), Step.set("z", [1, 2]), Step.set("m", ["x": true])],
            [Step.set("é", 1), Step.set("e\u{301}", 2), Step.set("E", 3)],
            shuffled + removals,
        ]
    }()

    @Test(arguments: scripts)
    func answersAsADictionaryDoes(steps: [Step]) {
        var object = JSONObject()
        var dictionary: [String: JSONValue] = [:]
        for step in steps {
            switch step {
            case .set(let key, let value):
                object[key] = value
                dictionary[key] = value
            case .remove(let key):
                #expect(object.removeValue(forKey: key) == dictionary.removeValue(forKey: key))
            }
        }
        #expect(object.count == dictionary.count)
        #expect(object.keys == dictionary.keys.sorted())
        for (key, value) in dictionary { #expect(object[key] == value) }
        #expect(object == JSONObject(dictionary))
        #expect(object.dictionary == dictionary)
    }

    /// The trap this type invites: `JSONValue` reads a bare `nil` as `.null`, so an absent key
    /// must come back as no value at all, never as a present null.
    @Test func anAbsentKeyIsNoValueAndAPresentNullIsNull() {
        let object: JSONObject = ["total": 1, "nothing": .null]
        #expect(object["totals"] == Optional<JSONValue>.none)
        #expect(object["totals"] == nil)
        #expect(object["nothing"] == .some(.null))
        #expect(object[""] == Optional<JSONValue>.none)
        #expect(JSONObject()["a"] == Optional<JSONValue>.none)
        #expect(JSONValue.object(object)["totals"] == Optional<JSONValue>.none)
    }

    @Test(arguments: [
        (#"{"b":1,"a":2}"#, #"{"a":2,"b":1}"#),
        (#"{"a":1,"a":2}"#, #"{"a":2}"#),
        (#"{"k":1,"j":0,"k":2,"i":[],"k":3}"#, #"{"i":[],"j":0,"k":3}"#),
        (#"{"Z":1,"a":2,"_":3,"0":4}"#, #"{"0":4,"Z":1,"_":3,"a":2}"#),
        (#"{"é":1,"e":2,"ü":{"y":1,"x":2}}"#, #"{"e":2,"é":1,"ü":{"x":2,"y":1}}"#),
    ])
    func aParsedObjectIsInKeyOrderAndARepeatedKeyKeepsItsLastValue(document: String, written: String) throws {
        let value = try JSONValue.parse(document)
        #expect(value.jsonString == written)
        #expect(try JSONValue.parse(written) == value)
        // The same answer a dictionary of the document's pairs gives, last value winning.
        let parsed = try #require(value.objectValue)
        for key in parsed.keys { #expect(parsed[key] != nil) }
        #expect(parsed.keys == parsed.keys.sorted())
    }

    @Test func equalMembersInAnyOrderAreEqualAndHashAlike() throws {
        let one = try JSONValue.parse(#"{"a":1,"b":{"c":[1,{"d":2,"e":3}]}}"#)
        let other = try JSONValue.parse(#"{"b":{"c":[1,{"e":3,"d":2}]},"a":1}"#)
        #expect(one == other)
        #expect(one.hashValue == other.hashValue)
        #expect(Set([one, other]).count == 1)
        let built: JSONValue = ["b": ["c": [1, ["e": 3, "d": 2]]], "a": 1]
        #expect(built == one)
        #expect(try JSONValue.parse(#"{"a":1}"#) != (try JSONValue.parse(#"{"a":1,"b":1}"#)))
        #expect(try JSONValue.parse(#"{"a":1}"#) != (try JSONValue.parse(#"{"b":1}"#)))
    }

    @Test func aLiteralWithARepeatedKeyKeepsTheLastAsTheParserDoes() {
        let object: JSONObject = ["a": 1, "b": 2, "a": 3]
        #expect(object.count == 2)
        #expect(object["a"] == 3)
        #expect(JSONObject([("x", 1), ("x", 2)])["x"] == 2)
    }

    @Test func readsLikeADictionary() {
        var object: JSONObject = ["b": 2, "a": 1, "c": 3]
        #expect(object.map(\.key) == ["a", "b", "c"])
        #expect(object.values == [1, 2, 3])
        #expect(object.filter { $0.value != 2 } == ["a": 1, "c": 3])
        #expect(object.mapValues { .int(($0.numberValue.map(Int64.init) ?? 0) * 10) } == ["a": 10, "b": 20, "c": 30])
        #expect(object.compactMapValues { $0 == 2 ? Optional.none : $0 } == ["a": 1, "c": 3])
        #expect(object["z", default: 9] == 9)
        object["z", default: 0] = 26
        #expect(object["z"] == 26)
        #expect(object.updateValue(0, forKey: "a") == 1)
        #expect(object.updateValue(0, forKey: "y") == nil)
        object.merge(["a": 5, "d": 4], uniquingKeysWith: { _, new in new })
        #expect(object == ["a": 5, "b": 2, "c": 3, "d": 4, "y": 0, "z": 26])
        #expect(object.merging(["a": 6], uniquingKeysWith: { old, _ in old })["a"] == 5)
        var seen: [String] = []
        for (key, _) in object { seen.append(key) }
        #expect(seen == ["a", "b", "c", "d", "y", "z"])
    }

    /// A hostile object (many keys, sent in reverse order, some repeated) is parsed in n log n
    /// and read by binary search: the answers are a dictionary's.
    @Test func aLargeObjectInAnyOrderReadsBack() throws {
        let count = 20_000
        var text = "{"
        for index in (0..<count).reversed() { text += "\"k\(index)\":\(index)," }
        text += "\"k7\":\"again\"}"
        let object = try #require(try JSONValue.parse(text).objectValue)
        #expect(object.count == count)
        #expect(object["k7"] == "again")
        #expect(object["k0"] == 0)
        #expect(object["k\(count - 1)"] == .int(Int64(count - 1)))
        #expect(object["k\(count)"] == nil)
        #expect(object.keys == object.keys.sorted())
        let document = try JSONValue.parseDocument(Array(text.utf8))
        #expect(document.repeatsAKey)
    }

    @Test func codableRoundTripsThroughFoundation() throws {
        let value: JSONValue = ["b": [1, "two", ["c": .null]], "a": true]
        let data = try JSONEncoder().encode(value)
        #expect(try JSONDecoder().decode(JSONValue.self, from: data) == value)
    }
}
