import IntegratorModel
import Testing

/// One row of the routing table: a filter, a payload, and whether the message passes.
struct FilterCase: CustomTestStringConvertible, Sendable {
    var label: String
    var filter: JSONValue
    var payload: JSONValue
    var passes: Bool
    var testDescription: String { label }
}

let order: JSONValue = [
    "order": [
        "number": "R123", "channel": "amazon", "email": "a@example.com", "total": 120.5, "items": 3,
        "note": "", "gift": nil, "flag": "null", "tags": ["vip", "wholesale"], "empty_list": [],
        "line_items": [["sku": "SKU-1", "quantity": 2], ["sku": "SKU-2", "quantity": 5]],
        "shipments": [["items": [["sku": "A"], ["sku": "B"]]], ["items": [["sku": "C"]]]],
    ]
]

func filter(_ path: String, _ op: String, _ value: JSONValue = nil, rule: String? = nil) -> JSONValue {
    var fields: JSONObject = ["path": .string(path), "operator": .string(op)]
    if value != nil { fields["value"] = value }
    if let rule { fields["match_rule"] = .string(rule) }
    return .object(fields)
}

let filterCases: [FilterCase] = [
    // eq / neq
    FilterCase(label: "eq string matches", filter: filter("payload.order.channel", "eq", "amazon"), payload: order, passes: true),
    FilterCase(label: "eq string differs", filter: filter("payload.order.channel", "eq", "spree"), payload: order, passes: false),
    FilterCase(label: "eq number against string value", filter: filter("payload.order.items", "eq", "3"), payload: order, passes: true),
    FilterCase(label: "eq on missing path fails", filter: filter("payload.order.nope", "eq", "x"), payload: order, passes: false),
    FilterCase(label: "eq on message name", filter: filter("message", "eq", "order:new"), payload: order, passes: true),
    FilterCase(label: "neq differs", filter: filter("payload.order.channel", "neq", "spree"), payload: order, passes: true),
    FilterCase(label: "neq equal fails", filter: filter("payload.order.channel", "neq", "amazon"), payload: order, passes: false),
    FilterCase(label: "neq on missing path fails", filter: filter("payload.order.nope", "neq", "x"), payload: order, passes: false),
    // gt / lt
    FilterCase(label: "gt above", filter: filter("payload.order.total", "gt", 100), payload: order, passes: true),
    FilterCase(label: "gt equal fails", filter: filter("payload.order.total", "gt", 120.5), payload: order, passes: false),
    FilterCase(label: "gt string threshold", filter: filter("payload.order.total", "gt", "99.99"), payload: order, passes: true),
    FilterCase(label: "gt on non-number fails", filter: filter("payload.order.channel", "gt", 1), payload: order, passes: false),
    FilterCase(label: "gt on missing path fails", filter: filter("payload.order.nope", "gt", 1), payload: order, passes: false),
    FilterCase(label: "lt below", filter: filter("payload.order.items", "lt", 4), payload: order, passes: true),
    FilterCase(label: "lt above fails", filter: filter("payload.order.items", "lt", 2), payload: order, passes: false),
    FilterCase(label: "lt on missing path fails", filter: filter("payload.order.nope", "lt", 1), payload: order, passes: false),
    // begin / contains / end
    FilterCase(label: "begin prefix", filter: filter("payload.order.number", "begin", "R1"), payload: order, passes: true),
    FilterCase(label: "begin not prefix", filter: filter("payload.order.number", "begin", "X"), payload: order, passes: false),
    FilterCase(label: "begin on missing path fails", filter: filter("payload.order.nope", "begin", "R"), payload: order, passes: false),
    FilterCase(label: "contains substring", filter: filter("payload.order.email", "contains", "@example"), payload: order, passes: true),
    FilterCase(label: "contains array element", filter: filter("payload.order.tags", "contains", "vip"), payload: order, passes: true),
    FilterCase(label: "contains array lacks element", filter: filter("payload.order.tags", "contains", "retail"), payload: order, passes: false),
    FilterCase(label: "contains on missing path fails", filter: filter("payload.order.nope", "contains", "x"), payload: order, passes: false),
    FilterCase(label: "end suffix", filter: filter("payload.order.email", "end", ".com"), payload: order, passes: true),
    FilterCase(label: "end not suffix", filter: filter("payload.order.email", "end", ".org"), payload: order, passes: false),
    FilterCase(label: "end on missing path fails", filter: filter("payload.order.nope", "end", "x"), payload: order, passes: false),
    // present / empty
    FilterCase(label: "present string", filter: filter("payload.order.number", "present"), payload: order, passes: true),
    FilterCase(label: "present empty string fails", filter: filter("payload.order.note", "present"), payload: order, passes: false),
    FilterCase(label: "present null fails", filter: filter("payload.order.gift", "present"), payload: order, passes: false),
    FilterCase(label: "present string null fails", filter: filter("payload.order.flag", "present"), payload: order, passes: false),
    FilterCase(label: "present empty list fails", filter: filter("payload.order.empty_list", "present"), payload: order, passes: false),
    FilterCase(label: "present on missing path fails", filter: filter("payload.order.nope", "present"), payload: order, passes: false),
    FilterCase(label: "empty on missing path passes", filter: filter("payload.order.nope", "empty"), payload: order, passes: true),
    FilterCase(label: "empty on empty string passes", filter: filter("payload.order.note", "empty"), payload: order, passes: true),
    FilterCase(label: "empty on null passes", filter: filter("payload.order.gift", "empty"), payload: order, passes: true),
    FilterCase(label: "empty on value fails", filter: filter("payload.order.number", "empty"), payload: order, passes: false),
    // match
    FilterCase(label: "match regex", filter: filter("payload.order.number", "match", "^R\\d+$"), payload: order, passes: true),
    FilterCase(label: "match regex fails", filter: filter("payload.order.number", "match", "^X"), payload: order, passes: false),
    FilterCase(label: "match on missing path fails", filter: filter("payload.order.nope", "match", ".*"), payload: order, passes: false),
    // * over arrays, all and any
    FilterCase(label: "* all pass", filter: filter("payload.order.line_items.*.sku", "begin", "SKU-"), payload: order, passes: true),
    FilterCase(label: "* all, one fails", filter: filter("payload.order.line_items.*.sku", "eq", "SKU-1"), payload: order, passes: false),
    FilterCase(
        label: "* any, one passes",
        filter: filter("payload.order.line_items.*.sku", "eq", "SKU-2", rule: "any"),
        payload: order,
        passes: true
    ),
    FilterCase(
        label: "* any, none passes",
        filter: filter("payload.order.line_items.*.sku", "eq", "SKU-9", rule: "any"),
        payload: order,
        passes: false
    ),
    FilterCase(label: "* numbers gt all", filter: filter("payload.order.line_items.*.quantity", "gt", 1), payload: order, passes: true),
    FilterCase(label: "* numbers gt any", filter: filter("payload.order.line_items.*.quantity", "gt", 4, rule: "any"), payload: order, passes: true),
    FilterCase(label: "nested * any", filter: filter("payload.order.shipments.*.items.*.sku", "eq", "C", rule: "any"), payload: order, passes: true),
    FilterCase(label: "nested * all", filter: filter("payload.order.shipments.*.items.*.sku", "eq", "C"), payload: order, passes: false),
    FilterCase(
        label: "* over empty array is missing",
        filter: filter("payload.order.empty_list.*.sku", "eq", "x", rule: "any"),
        payload: order,
        passes: false
    ),
    FilterCase(label: "* over empty array is empty", filter: filter("payload.order.empty_list.*.sku", "empty"), payload: order, passes: true),
    FilterCase(label: "* over a non-array is missing", filter: filter("payload.order.number.*", "present"), payload: order, passes: false),
    FilterCase(label: "index selects one element", filter: filter("payload.order.line_items.1.sku", "eq", "SKU-2"), payload: order, passes: true),
]

@Suite struct FilterTests {
    @Test(arguments: filterCases)
    func filterRoutesAsSpecified(_ row: FilterCase) throws {
        var problems: [Problem] = []
        let decoded = try #require(Filter.decode(row.filter, at: "filters.0", problems: &problems), "\(problems)")
        let compiled = CompiledFilter(decoded)
        #expect(compiled.passes(message: "order:new", id: "m1", payload: row.payload) == row.passes)
    }

    @Test func badFiltersNameEveryProblem() {
        var problems: [Problem] = []
        _ = Filter.decode(["path": "payload..x", "operator": "like"], at: "filters.2", problems: &problems)
        #expect(problems.map(\.path) == ["filters.2.path", "filters.2.operator"])
        problems = []
        _ = Filter.decode(["path": "payload.a", "operator": "match", "value": "(["], at: "filters.0", problems: &problems)
        #expect(problems.first?.path == "filters.0.value")
        problems = []
        _ = Filter.decode(["path": "payload.a", "operator": "gt", "value": "many"], at: "filters.0", problems: &problems)
        #expect(problems.first?.problem.contains("numbers") == true)
        problems = []
        _ = Filter.decode(["path": "payload.a", "operator": "eq", "value": "x", "match_rule": "some"], at: "f", problems: &problems)
        #expect(problems.first?.path == "f.match_rule")
    }
}
