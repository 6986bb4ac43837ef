import IntegratorModel
import Testing

@Suite struct MappingTests {
    @Test func decodesTheOriginalForm() throws {
        let mapping = try Mapping.decode([
            "name": "spree.order_import", "messages": ["order:import", "order:cancelled"], "url": "http://127.0.0.1:4000/orders/import",
            "token": "secret", "filters": [["path": "payload.order.channel", "operator": "eq", "value": "amazon"]],
            "identifiers": ["order_number": "payload.order.number"], "parameters": ["spree.*"],
            "options": ["retries_allowed": false], "timeout": 30,
        ])
        #expect(mapping.messages == ["order:import", "order:canceled"])
        #expect(mapping.retriesAllowed == false)
        #expect(mapping.timeout == 30)
        #expect(mapping.sends(parameter: "spree.api_url"))
        #expect(!mapping.sends(parameter: "amazon.key"))
        #expect(try Mapping.decode(mapping.json) == mapping)
    }

    @Test func defaultsMatchTheSpec() throws {
        let mapping = try Mapping.decode(["name": "m", "messages": ["order:new"], "url": "https://example.com/x"])
        #expect(mapping.retriesAllowed)
        #expect(mapping.timeout == 180)
        #expect(mapping.enabled)
        #expect(!mapping.required)
    }

    @Test func listsEveryProblem() {
        do {
            _ = try Mapping.decode(["messages": "order:new", "url": "ftp://x", "timeout": -1, "colour": "red", "filters": [["path": "a"]]])
            Issue.record("expected a validation error")
        } catch let error as ValidationError {
            let paths = Set(error.problems.map(\.path))
            #expect(paths.isSuperset(of: ["name", "messages", "url", "timeout", "colour", "filters.0.operator"]))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func identifierValuesAreReadFromTheMessage() throws {
        let compiled = CompiledMapping(
            try Mapping.decode([
                "name": "m", "messages": ["shipment:ready"], "url": "http://h/x",
                "identifiers": ["shipment": "payload.shipment.number", "missing": "payload.nope"],
            ])
        )
        let values = compiled.identifierValues(message: "shipment:ready", id: "1", payload: ["shipment": ["number": "H1"]])
        #expect(values.map(\.name) == ["shipment"])
        #expect(values.map(\.value) == ["H1"])
    }
}
