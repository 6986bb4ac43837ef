import Foundation
import IntegratorModel
import IntegratorTestSupport
import NIOHTTP1
import Testing

/// `integrator serve`, `spree-endpoint` and `spree-store` as real processes, as a shop runs them.
@Suite(.serialized) struct SpreeEndToEndTests {
    static let adminToken = "e2e-admin-token-0123456789"
    static let storeToken = "e2e-store-token-0123456789"
    static let endpointKey = "e2e-endpoint-key-0123456789"
    static let spreeKey = "e2e-spree-admin-key"

    @Test func importPollAndAStoreOutageThroughTheHub() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("integrator-spree-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let storeArguments = { (port: Int) in
            [
                "serve", "--port", String(port), "--version", "2.0", "--api-key", Self.spreeKey, "--database",
                directory.appendingPathComponent("shop.sqlite").path, "--sample",
            ]
        }
        var store = try ChildProcess("spree-store", arguments: storeArguments(0), logURL: directory.appendingPathComponent("store.log"))
        let storePort = try await store.port()
        let endpoint = try ChildProcess(
            "spree-endpoint",
            arguments: ["serve", "--port", "0", "--token", Self.endpointKey],
            logURL: directory.appendingPathComponent("endpoint.log")
        )
        defer { endpoint.terminate() }
        let endpointURL = "http://127.0.0.1:\(try await endpoint.port())"
        let api = "http://127.0.0.1:\(storePort)/api/"
        let config = """
            stores:
              - id: shop
                token: \(Self.storeToken)
                parameters:
                  spree.api_url: \(api)
                  spree.api_key: \(Self.spreeKey)
                  spree.api_version: "2.0"
                mappings:
                  - name: spree.order_import
                    messages: [order:import]
                    url: \(endpointURL)/orders/import
                    token: \(Self.endpointKey)
                    parameters: ["spree.*"]
                    options: {retry_schedule: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]}
                  - name: spree.collections_poll
                    messages: [hub:poll]
                    url: \(endpointURL)/collections/poller
                    token: \(Self.endpointKey)
                    parameters: ["spree.*"]
                    required: true
                schedulers:
                  - {id: poll-orders, message: hub:poll, payload: {target: collections.orders}, interval: 1}
            """
        let configURL = directory.appendingPathComponent("hub.yaml")
        try config.write(to: configURL, atomically: true, encoding: .utf8)
        let hub = try ChildProcess(
            arguments: [
                "serve", "--port", "0", "--database", "sqlite:" + directory.appendingPathComponent("hub.sqlite").path, "--admin-token",
                Self.adminToken, "--config", configURL.path,
            ],
            logURL: directory.appendingPathComponent("hub.log"),
            environment: ["INTEGRATOR_SCHEDULER_TICK": "0.2"]
        )
        defer { hub.terminate() }
        let base = "http://127.0.0.1:\(try await hub.port())"
        let admin = ["Authorization": "Bearer \(Self.adminToken)"]
        let spree = ["X-Spree-Token": Self.spreeKey]
        let pusher = ["X-Hub-Store": "shop", "X-Hub-Access-Token": Self.storeToken]

        func order(_ email: String) -> JSONValue {
            [
                "message": "order:import",
                "payload": [
                    "order": [
                        "number": .string("AMZ-\(email)"), "channel": "Amazon", "email": .string(email), "status": "complete",
                        "placed_on": "2026-11-24T10:00:00Z",
                        "line_items": [["sku": "DEF-123", "quantity": 1, "price": 23.99]],
                        "shipping_address": [
                            "firstname": "Chris", "lastname": "Mar", "address1": "112 Hula Lane", "city": "Leesburg", "zipcode": "20175",
                            "phone": "555", "country": "US", "state": "Virginia",
                        ],
                    ]
                ],
            ]
        }
        func storeHas(_ email: String) async throws -> String? {
            let found = try await call(.GET, api + "orders?q[email_eq]=\(email)", headers: spree).body
            return found["orders"]?[0]?["number"]?.stringValue
        }
        func cursor() async throws -> String? {
            let parameter = try await call(.GET, "\(base)/api/stores/shop/parameters/spree.collections_poll.last_updated_at", headers: admin)
            return parameter.status == 200 ? parameter.body["value"]?[0]?["orders"]?.stringValue : nil
        }

        // 1. An order:import pushed to the hub creates the order in the store.
        #expect(try await call(.POST, "\(base)/events", json: order("first@example.com"), headers: pusher).status == 202)
        #expect(try await eventually(30) { try await storeHas("first@example.com") != nil })
        let number = try #require(try await storeHas("first@example.com"))

        // 2. The scheduler's hub:poll brings it back as a message, and the cursor advances.
        #expect(
            try await eventually(30) {
                let persisted = try await call(.GET, "\(base)/api/stores/shop/messages?message=order:persist", headers: admin).body
                let current = try await cursor()
                return (persisted["count"]?.numberValue ?? 0) > 0 && current != nil
            }
        )
        let firstCursor = try #require(try await cursor())
        func persisted(_ number: String) async throws -> Bool {
            let list = try await call(.GET, "\(base)/api/stores/shop/messages?message=order:persist&per_page=20", headers: admin).body
            for summary in list["messages"]?.arrayValue ?? [] {
                let detail = try await call(.GET, "\(base)/api/stores/shop/messages/\(summary["message_id"]!.stringValue!)", headers: admin).body
                if detail["payload"]?["order"]?["number"]?.stringValue == number { return true }
            }
            return false
        }
        let found = try await eventually(30) { try await persisted(number) }
        #expect(found, "the imported order \(number) never came back from the poll")

        // 3. With the store stopped, deliveries fail; once it is back, they succeed.
        await store.kill9AndWait()
        let pushed = try await call(.POST, "\(base)/events", json: order("second@example.com"), headers: pusher)
        let id = try #require(pushed.body["message_id"]?.stringValue)
        #expect(
            try await eventually(30) {
                let message = try await call(.GET, "\(base)/api/stores/shop/messages/\(id)", headers: admin).body
                return message["state"] == "failing" && message["deliveries"]?[0]?["last_status"] == 500
            }
        )
        let failing = try await call(.GET, "\(base)/api/stores/shop/messages/\(id)", headers: admin).body
        #expect(failing["deliveries"]?[0]?["last_error"]?.stringValue?.contains("500") == true)
        #expect(failing["notifications"]?.arrayValue?.contains { $0["description"]?.stringValue?.contains("could not be reached") == true } == true)

        store = try ChildProcess("spree-store", arguments: storeArguments(storePort), logURL: directory.appendingPathComponent("store.log"))
        defer { store.terminate() }
        _ = try await store.port()
        #expect(
            try await eventually(30) {
                try await call(.GET, "\(base)/api/stores/shop/messages/\(id)", headers: admin).body["state"] == "completed"
            }
        )
        #expect(try await storeHas("second@example.com") != nil)
        #expect(
            try await eventually(30) {
                let current = try await cursor() ?? ""
                return current > firstCursor
            }
        )
    }
}
