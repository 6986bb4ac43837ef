import IntegratorModel
import Testing

/// The operators beyond the original ten, groups, explanations and transforms: one table each.
let languageCases: [FilterCase] = [
    // gte / lte / between
    FilterCase(label: "gte equal", filter: filter("payload.order.items", "gte", 3), payload: order, passes: true),
    FilterCase(label: "gte below", filter: filter("payload.order.items", "gte", 4), payload: order, passes: false),
    FilterCase(label: "lte equal", filter: filter("payload.order.total", "lte", 120.5), payload: order, passes: true),
    FilterCase(label: "lte above", filter: filter("payload.order.total", "lte", 100), payload: order, passes: false),
    FilterCase(label: "gte on text fails", filter: filter("payload.order.channel", "gte", 1), payload: order, passes: false),
    FilterCase(label: "between inside", filter: filter("payload.order.total", "between", [100, 200]), payload: order, passes: true),
    FilterCase(label: "between inclusive low", filter: filter("payload.order.items", "between", [3, 5]), payload: order, passes: true),
    FilterCase(label: "between inclusive high", filter: filter("payload.order.items", "between", [1, 3]), payload: order, passes: true),
    FilterCase(label: "between outside", filter: filter("payload.order.total", "between", [0, 100]), payload: order, passes: false),
    FilterCase(label: "between on missing fails", filter: filter("payload.order.nope", "between", [0, 100]), payload: order, passes: false),
    // in / not_in
    FilterCase(label: "in listed", filter: filter("payload.order.channel", "in", ["spree", "amazon"]), payload: order, passes: true),
    FilterCase(label: "in not listed", filter: filter("payload.order.channel", "in", ["spree", "ebay"]), payload: order, passes: false),
    FilterCase(label: "in compares numbers as eq", filter: filter("payload.order.items", "in", ["3", 7]), payload: order, passes: true),
    FilterCase(label: "in is case-sensitive", filter: filter("payload.order.channel", "in", ["AMAZON"]), payload: order, passes: false),
    FilterCase(
        label: "in ignore_case",
        filter: ["path": "payload.order.channel", "operator": "in", "value": ["AMAZON"], "ignore_case": true],
        payload: order,
        passes: true
    ),
    FilterCase(label: "not_in not listed", filter: filter("payload.order.channel", "not_in", ["spree"]), payload: order, passes: true),
    FilterCase(label: "not_in listed", filter: filter("payload.order.channel", "not_in", ["amazon"]), payload: order, passes: false),
    FilterCase(label: "not_in on missing fails", filter: filter("payload.order.nope", "not_in", ["x"]), payload: order, passes: false),
    FilterCase(
        label: "not_in any over *",
        filter: filter("payload.order.line_items.*.sku", "not_in", ["SKU-1"], rule: "any"),
        payload: order,
        passes: true
    ),
    FilterCase(
        label: "not_in all over *",
        filter: filter("payload.order.line_items.*.sku", "not_in", ["SKU-1"], rule: "all"),
        payload: order,
        passes: false
    ),
    // ignore_case
    FilterCase(
        label: "eq ignore_case",
        filter: ["path": "payload.order.channel", "operator": "eq", "value": "Amazon", "ignore_case": true],
        payload: order,
        passes: true
    ),
    FilterCase(label: "eq without ignore_case", filter: filter("payload.order.channel", "eq", "Amazon"), payload: order, passes: false),
    FilterCase(
        label: "neq ignore_case",
        filter: ["path": "payload.order.channel", "operator": "neq", "value": "AMAZON", "ignore_case": true],
        payload: order,
        passes: false
    ),
    FilterCase(
        label: "begin ignore_case",
        filter: ["path": "payload.order.number", "operator": "begin", "value": "r1", "ignore_case": true],
        payload: order,
        passes: true
    ),
    FilterCase(
        label: "end ignore_case",
        filter: ["path": "payload.order.email", "operator": "end", "value": "@EXAMPLE.COM", "ignore_case": true],
        payload: order,
        passes: true
    ),
    FilterCase(
        label: "contains ignore_case in a list",
        filter: ["path": "payload.order.tags", "operator": "contains", "value": "VIP", "ignore_case": true],
        payload: order,
        passes: true
    ),
    // exists
    FilterCase(label: "exists true on a value", filter: filter("payload.order.number", "exists", true), payload: order, passes: true),
    FilterCase(label: "exists true on null", filter: filter("payload.order.gift", "exists", true), payload: order, passes: true),
    FilterCase(label: "exists true on missing", filter: filter("payload.order.nope", "exists", true), payload: order, passes: false),
    FilterCase(label: "exists false on missing", filter: filter("payload.order.nope", "exists", false), payload: order, passes: true),
    FilterCase(label: "exists false on null", filter: filter("payload.order.gift", "exists", false), payload: order, passes: false),
    FilterCase(label: "exists over * reaching some", filter: filter("payload.order.line_items.*.sku", "exists", true), payload: order, passes: true),
    FilterCase(
        label: "exists over * reaching none",
        filter: filter("payload.order.line_items.*.nope", "exists", false),
        payload: order,
        passes: true
    ),
    // cidr
    FilterCase(label: "cidr inside", filter: filter("payload.ip", "cidr", "10.0.0.0/8"), payload: ["ip": "10.20.30.40"], passes: true),
    FilterCase(label: "cidr outside", filter: filter("payload.ip", "cidr", "10.0.0.0/8"), payload: ["ip": "11.0.0.1"], passes: false),
    FilterCase(label: "cidr IPv6", filter: filter("payload.ip", "cidr", "2001:db8::/32"), payload: ["ip": "2001:db8::7"], passes: true),
    FilterCase(label: "cidr not an address", filter: filter("payload.ip", "cidr", "10.0.0.0/8"), payload: ["ip": "ten"], passes: false),
    FilterCase(label: "cidr on missing", filter: filter("payload.ip", "cidr", "10.0.0.0/8"), payload: [:], passes: false),
    // anything_but
    FilterCase(label: "anything_but other value", filter: filter("payload.order.channel", "anything_but", "spree"), payload: order, passes: true),
    FilterCase(label: "anything_but that value", filter: filter("payload.order.channel", "anything_but", "amazon"), payload: order, passes: false),
    FilterCase(
        label: "anything_but a list",
        filter: filter("payload.order.channel", "anything_but", ["spree", "amazon"]),
        payload: order,
        passes: false
    ),
    FilterCase(label: "anything_but on missing fails", filter: filter("payload.order.nope", "anything_but", "x"), payload: order, passes: false),
]

@Suite struct FilterLanguageTests {
    static func node(_ json: JSONValue) throws -> CompiledFilterNode {
        var problems: [Problem] = []
        let decoded = try #require(FilterNode.decode(json, at: "filters.0", problems: &problems), "\(problems)")
        return CompiledFilterNode(decoded)
    }

    @Test(arguments: languageCases)
    func newOperatorsRouteAsSpecified(_ row: FilterCase) throws {
        #expect(try Self.node(row.filter).passes(message: "order:new", id: "m1", payload: row.payload) == row.passes)
    }

    static func group(_ key: String, _ nodes: [JSONValue]) -> JSONValue { .object([key: .array(nodes)]) }
    static let channelSpree = filter("payload.order.channel", "eq", "spree")
    static let channelAmazon = filter("payload.order.channel", "eq", "amazon")
    static let itemsThree = filter("payload.order.items", "eq", 3)
    static let itemsFour = filter("payload.order.items", "eq", 4)
    static let groupCases: [(String, JSONValue, Bool)] = [
        ("any of two, one passes", group("any", [channelSpree, itemsThree]), true),
        ("any of two, none passes", group("any", [channelSpree, itemsFour]), false),
        ("all of two, both pass", group("all", [channelAmazon, itemsThree]), true),
        ("all of two, one fails", group("all", [channelAmazon, itemsFour]), false),
        ("not of a failing filter", .object(["not": channelSpree]), true),
        ("not of a passing filter", .object(["not": channelAmazon]), false),
        ("not of a missing path passes", .object(["not": filter("payload.order.nope", "eq", "x")]), true),
        ("nested four deep", group("any", [group("all", [.object(["not": group("any", [channelSpree])])])]), true),
    ]

    /// `depth` nested `any` groups around one filter.
    static func nested(_ depth: Int) -> JSONValue {
        var node = filter("payload.a", "eq", 1)
        for _ in 0..<depth { node = group("any", [node]) }
        return node
    }

    static let badCases: [(JSONValue, String)] = [
        (group("any", [["path": "payload.a", "operator": "like"]]), "filters.0.any.0.operator"),
        (
            group("all", [filter("payload.a", "eq", 1), .object(["not": ["path": "payload.a", "operator": "sort-of"]])]),
            "filters.0.all.1.not.operator"
        ),
        (group("any", []), "filters.0.any"),
        (.object(["any": "x"]), "filters.0.any"),
        (.object(["any": .array([filter("payload.a", "eq", 1)]), "all": .array([filter("payload.a", "eq", 1)])]), "filters.0"),
        (nested(5), "filters.0.any.0.any.0.any.0.any.0.any"),
        (["path": "payload.a", "operator": "eq", "value": 1, "colour": "red"], "filters.0.colour"),
        (["path": "payload.a", "operator": "gt", "value": 1, "ignore_case": true], "filters.0.ignore_case"),
        (["path": "payload.a", "operator": "eq", "value": 1, "ignore_case": "yes"], "filters.0.ignore_case"),
        (filter("payload.a", "between", [5, 1]), "filters.0.value"),
        (filter("payload.a", "between", [1]), "filters.0.value"),
        (filter("payload.a", "between", ["a", "b"]), "filters.0.value"),
        (filter("payload.a", "in", .array([])), "filters.0.value"),
        (filter("payload.a", "in", "x"), "filters.0.value"),
        (filter("payload.a", "not_in", [["nested": 1]]), "filters.0.value"),
        (filter("payload.a", "exists", "yes"), "filters.0.value"),
        (filter("payload.a", "cidr", "10.0.0.0/40"), "filters.0.value"),
        (filter("payload.a", "cidr", "nonsense"), "filters.0.value"),
        (filter("payload.a", "anything_but", ["a": 1]), "filters.0.value"),
        (filter("payload.a", "gte", "many"), "filters.0.value"),
    ]

    @Test func fourLevelsOfGroupsAreAllowed() throws {
        _ = try Self.node(Self.nested(4))
    }

    @Test(arguments: groupCases)
    func groupsCombineTheirFilters(label: String, json: JSONValue, passes: Bool) throws {
        #expect(try Self.node(json).passes(message: "order:new", id: "m1", payload: order) == passes, "\(label)")
    }

    @Test(arguments: badCases)
    func badDefinitionsAreRefusedNamingTheirPath(json: JSONValue, path: String) {
        var problems: [Problem] = []
        #expect(FilterNode.decode(json, at: "filters.0", problems: &problems) == nil)
        #expect(problems.map(\.path).contains(path), "\(problems)")
    }

    @Test func aMappingsFiltersGroupAndRoundTrip() throws {
        let json: JSONValue = [
            "name": "m", "messages": ["order:new"], "url": "http://h/x",
            "filters": [
                filter("payload.order.channel", "in", ["amazon", "ebay"]),
                ["not": ["path": "payload.order.email", "operator": "end", "value": "@TEST.EXAMPLE", "ignore_case": true]],
            ],
        ]
        let mapping = try Mapping.decode(json)
        let again = try Mapping.decode(mapping.json)
        #expect(again == mapping)
        let compiled = CompiledMapping(mapping)
        #expect(compiled.matches(message: "order:new", id: "m1", payload: order))
        var fields = json.objectValue ?? [:]
        fields["filters"] = [filter("payload.a", "eq", 1), filter("payload.a", "eq", 1), ["any": [["path": "payload.a", "operator": "nope"]]]]
        let bad = JSONValue.object(fields)
        #expect(throws: ValidationError.self) { try Mapping.decode(bad) }
        do { _ = try Mapping.decode(bad) } catch let error as ValidationError { #expect(error.problems.first?.path == "filters.2.any.0.operator") }
    }

    @Test func explanationsSayWhichFilterRefusedAndWhatItSaw() throws {
        let mapping = try Mapping.decode([
            "name": "m", "messages": ["order:new"], "url": "http://h/x",
            "filters": [
                filter("payload.order.channel", "eq", "amazon"),
                ["any": [filter("payload.order.total", "gt", 500), filter("payload.order.items", "gt", 5)]],
            ],
        ])
        let compiled = CompiledMapping(mapping)
        let refused = compiled.explain(message: "order:new", id: "m1", payload: order)
        #expect(!refused.matches)
        #expect(refused.why.hasPrefix("filters.1.any refused it"))
        #expect(refused.filters[0].json["reached"] == ["amazon"])
        #expect(refused.filters[0].passed)
        #expect(refused.filters[1].json["group"] == "any")
        #expect(refused.filters[1].json["filters"]?[0]?["reached"] == [120.5])
        #expect(refused.filters[1].json["filters"]?[0]?["passed"] == false)
        var fields = order["order"]?.objectValue ?? [:]
        fields["total"] = 900
        let big: JSONValue = ["order": .object(fields)]
        let passed = compiled.explain(message: "order:new", id: "m1", payload: big)
        #expect(passed.matches && passed.why.contains("every filter passed"))
        let otherName = compiled.explain(message: "order:updated", id: "m1", payload: big)
        #expect(!otherName.matches && otherName.why.contains("does not take order:updated"))
        let missing = CompiledMapping(
            try Mapping.decode(["name": "n", "messages": ["order:new"], "url": "http://h/x", "filters": [filter("payload.order.nope", "eq", "x")]])
        )
        #expect(missing.explain(message: "order:new", id: "m1", payload: order).why.contains("reached nothing"))
    }

    @Test func transformsFillTheTemplateFromTheMessage() throws {
        var problems: [Problem] = []
        let transform = try #require(
            Transform.decode(
                [
                    "paths": [
                        "number": "payload.order.number", "skus": "payload.order.line_items.*.sku", "total": "payload.order.total",
                        "gone": "payload.nope",
                        "name": "message",
                    ],
                    "template": [
                        "ref": "<number>", "skus": "<skus>", "amount": "<total>", "missing": "<gone>", "text": "Order <number> (<name>) for <total>",
                        "list": ["<number>", ["deep": "<total>"]], "fixed": 7,
                    ],
                ],
                problems: &problems
            ),
            "\(problems)"
        )
        let out = transform.apply(message: "order:new", id: "m1", payload: order)
        #expect(
            out == [
                "ref": "R123", "skus": ["SKU-1", "SKU-2"], "amount": 120.5, "missing": nil, "text": "Order R123 (order:new) for 120.5",
                "list": ["R123", ["deep": 120.5]], "fixed": 7,
            ]
        )
    }

    @Test(
        arguments: [
            (["paths": ["n": "payload..x"], "template": ["a": "<n>"]], "transform.paths.n"),
            (["paths": ["n": "payload.x"], "template": ["a": "<m>"]], "transform.template.a"),
            (["paths": ["n": "payload.x"], "template": ["a": ["b", "<m> and <n>"]]], "transform.template.a.1"),
            (["paths": ["n": "payload.x"], "template": "<n>"], "transform.template"),
            (["paths": "payload.x", "template": [:]], "transform.paths"),
            (["paths": [:], "template": [:], "extra": 1], "transform.extra"),
            ("just text", "transform"),
        ] as [(JSONValue, String)]
    )
    func badTransformsAreRefusedNamingTheirPath(json: JSONValue, path: String) {
        var problems: [Problem] = []
        #expect(Transform.decode(json, problems: &problems) == nil)
        #expect(problems.map(\.path).contains(path), "\(problems)")
    }
}
