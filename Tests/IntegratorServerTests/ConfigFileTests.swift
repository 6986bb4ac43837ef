import Foundation
import IntegratorModel
import IntegratorServer
import IntegratorTestSupport
import NIOHTTP1
import Testing

/// `--config` files: applied at start, idempotent, and refused whole when bad.
@Suite(.serialized) struct ConfigFileTests {
    let yaml = """
        stores:
          - id: shop
            name: Shop
            token: shop-token-0123456789
            parameters:
              spree.api_url: http://127.0.0.1:3000/api/
              spree.collections_poll.per_page: [{orders: 50}]
            mappings:
              - name: spree.order_import
                messages: [order:import]
                url: http://127.0.0.1:4000/orders/import
                token: "123"
                parameters: ["spree.*"]
                filters: [{path: payload.order.channel, operator: eq, value: amazon}]
            schedulers:
              - id: poll-orders
                message: hub:poll
                payload: {target: collections.orders}
                interval: 300
        """

    @Test(arguments: TestBackend.all) func applyingTwiceChangesNothingTheSecondTime(backend: TestBackend) async throws {
        try await TestHub.run(backend: backend) { hub in
            let document = try ConfigFile.parse(yaml, source: "test.yaml")
            let first = try await hub.hub.apply(document)
            #expect(first.count == 5, "\(first)")
            #expect(try await hub.hub.apply(document).isEmpty)
            let mapping = try await call(
                .GET,
                "\(hub.url)/api/stores/shop/mappings/spree.order_import",
                headers: ["X-Augury-Token": "shop-token-0123456789"]
            )
            #expect(mapping.status == 200)
            #expect(mapping.body["token"] == "123")
            let parameter = try await call(.GET, "\(hub.url)/api/stores/shop/parameters/spree.collections_poll.per_page", headers: hub.admin)
            #expect(parameter.body["value"] == [["orders": 50]])
        }
    }

    @Test(arguments: TestBackend.all) func aBadFileIsRefusedWholeNamingEachProblem(backend: TestBackend) async throws {
        try await TestHub.run(backend: backend) { hub in
            let bad = """
                stores:
                  - id: good
                    token: good-token-0123456789
                  - id: "bad id"
                    mappings:
                      - name: m
                        messages: [order:new]
                        url: nowhere
                    schedulers:
                      - id: s
                        message: hub:poll
                        interval: -5
                """
            do {
                _ = try await hub.hub.apply(try ConfigFile.parse(bad, source: "bad.yaml"))
                Issue.record("a bad config was applied")
            } catch let error as ConfigError {
                let paths = Set(error.problems.map(\.path))
                #expect(paths.isSuperset(of: ["stores.1.id", "stores.1.mappings.0.url", "stores.1.schedulers.0.interval"]), "\(paths)")
            }
            let stores = try await call(.GET, "\(hub.url)/api/stores", headers: hub.admin).body
            #expect(stores["stores"]?.arrayValue?.count == 1, "nothing of a bad file may be applied")
        }
    }

    /// `integrator apply` and `--config` are one behaviour: the CLI sends the file to the server,
    /// which refuses a bad one whole with the same problems as at start, and changes nothing.
    @Test(arguments: TestBackend.all) func theCLIAppliesAFileAsConfigDoesAllOrNothing(backend: TestBackend) async throws {
        try await TestHub.run(backend: backend) { hub in
            let bad = """
                {"stores": [{"id": "good", "token": "good-token-0123456789", "parameters": {"erp.key": "k"}},
                            {"id": "bad id", "mappings": [{"name": "m", "messages": ["order:new"], "url": "nowhere"}]}]}
                """
            let cli = ["--url", hub.url, "--admin-token", TestHub.adminToken]
            let refused = try await CLITests.run(["apply", "-f", "-"] + cli, input: bad, url: hub.url)
            #expect(refused.status != 0)
            #expect(refused.err.contains("stores.1.id") && refused.err.contains("stores.1.mappings.0.url"), "\(refused.err)")
            let answer = try await call(.POST, "\(hub.url)/api/apply", json: try JSONValue.parse(bad), headers: hub.admin)
            #expect(answer.status == 422)
            var paths: Set<String> = []
            for problem in answer.body["errors"]?.arrayValue ?? [] { paths.insert(problem["path"]?.stringValue ?? "") }
            do {
                _ = try await hub.hub.apply(try JSONValue.parse(bad))
                Issue.record("a bad config was applied")
            } catch let error as ConfigError {
                #expect(Set(error.problems.map(\.path)) == paths)
            }
            #expect(try await call(.GET, "\(hub.url)/api/stores/good", headers: hub.admin).status == 404, "nothing of a bad file may be applied")

            let good = #"{"stores": [{"id": "good", "token": "good-token-0123456789", "parameters": {"erp.key": "k"}}]}"#
            let applied = try await CLITests.run(["apply", "-f", "-"] + cli, input: good, url: hub.url)
            #expect(applied.status == 0, "\(applied.err)")
            #expect(applied.out.contains("store good: created") && applied.out.contains("store good: parameter erp.key set"))
            #expect(applied.err.contains("[1/2] store good") && applied.err.contains("[2/2] parameter erp.key"))
            let again = try await CLITests.run(["apply", "-f", "-", "--json"] + cli, input: good, url: hub.url)
            #expect(try JSONValue.parse(again.out) == ["changes": []])
        }
    }

    @Test func textThatIsNotYAMLIsRefused() {
        #expect(throws: ConfigError.self) { try ConfigFile.parse("stores: [unclosed", source: "x.yaml") }
    }
}
