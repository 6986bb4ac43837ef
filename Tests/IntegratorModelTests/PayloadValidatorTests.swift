import Foundation
import Testing

@testable import IntegratorModel

@Suite struct PayloadValidatorTests {
    @Test(
        arguments: [
            ("order:new", ["order": ["number": "R1"]] as JSONValue),
            (
                "order:updated",
                ["order": ["number": "R1", "totals": ["order": "10.50"], "line_items": [["sku": "A", "quantity": 1, "price": "9.99"]]]]
            ),
            ("payment:ready", ["order": ["number": "R1"], "payment": ["amount": 10]]),
            ("shipment:ready", ["shipment": ["number": "H1"]]),
            ("shipment:confirm", ["shipment_number": "H1", "tracking_number": "1Z"]),
            ("product:new", ["product": ["sku": "SKU"]]),
            ("product:updated", ["product": ["id": 12]]),
            ("user:new", ["user": ["email": "a@b.co"]]),
            ("hub:poll", ["anything": true]),
        ] as [(String, JSONValue)]
    )
    func acceptsCanonicalObjects(name: String, payload: JSONValue) {
        #expect(PayloadValidator.problems(message: name, payload: payload).isEmpty)
    }

    @Test func namesEveryProblemWithItsPath() {
        let problems = PayloadValidator.problems(
            message: "order:new",
            payload: ["order": ["email": true, "line_items": [["sku": "A", "quantity": "two"], "x"], "totals": ["order": "lots"]]]
        )
        #expect(
            Set(problems.map(\.path)) == [
                "payload.order.number", "payload.order.email", "payload.order.line_items.0.quantity", "payload.order.line_items.1",
                "payload.order.totals.order",
            ]
        )
    }

    @Test func eachKindNeedsItsIdentity() {
        #expect(PayloadValidator.problems(message: "shipment:ready", payload: ["shipment": [:]]).map(\.path) == ["payload.shipment.number"])
        #expect(PayloadValidator.problems(message: "product:new", payload: ["product": ["name": "x"]]).map(\.path) == ["payload.product"])
        #expect(PayloadValidator.problems(message: "user:new", payload: ["user": ["email": "nobody"]]).map(\.path) == ["payload.user.email"])
        #expect(PayloadValidator.problems(message: "payment:ready", payload: [:]).map(\.path) == ["payload.order"])
    }

    @Test func historicalSpellingsAreNormalised() {
        #expect(MessageName.normalised("order:cancelled") == "order:canceled")
        #expect(MessageName.normalised("order:update") == "order:updated")
        #expect(MessageName.normalised("shipment:confirmation") == "shipment:confirm")
        #expect(MessageName.normalised("shipment:confirmed") == "shipment:confirm")
        #expect(MessageName.normalised("product:update") == "product:updated")
    }

    /// A value is blank exactly when trimming Foundation's whitespace would leave nothing.
    @Test(arguments: [
        "", " ", "\t", "  \t ", "a", " a ", "\n", " \r\n", "\u{00A0}", "\u{2003}\u{3000}", "\u{2003}x", "é", " \u{200B}", "\u{FEFF}",
        "\u{0085}", "\u{1680}", "R100000001",
    ])
    func aBlankValueIsOneThatTrimsToNothing(text: String) {
        #expect(PayloadValidator.isBlank(text) == text.trimmingCharacters(in: .whitespaces).isEmpty)
    }

    @Test func everyASCIICharacterIsBlankExactlyAsFoundationTrimsIt() {
        for value in 0..<128 {
            let text = " " + String(Unicode.Scalar(UInt8(value))) + "\t"
            #expect(PayloadValidator.isBlank(text) == text.trimmingCharacters(in: .whitespaces).isEmpty, "U+\(String(value, radix: 16))")
        }
    }
}
