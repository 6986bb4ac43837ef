import AsyncHTTPClient
import Foundation
import IntegratorModel
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// The demo's moving parts once the servers are up: wires the hub through its admin API,
/// prints what to open, then plays a marketplace that pushes an `order:import` every few
/// seconds, the way a real channel pushes to `/events`.
struct DemoMarketplace: Service {
    let ports: DemoPorts
    let secrets: DemoSecrets
    let host: String
    let orderEvery: Double
    let pollEvery: Double
    let folder: String
    let http: HTTPClient

    static let storeID = "demo"
    static let customers = [
        ("Ada", "Lovelace"), ("Grace", "Hopper"), ("Alan", "Turing"), ("Edsger", "Dijkstra"), ("Barbara", "Liskov"), ("Ken", "Thompson"),
    ]
    static let items: [(sku: String, price: Double)] = [("ABC-123", 19.99), ("ABC-124", 19.99), ("DEF-123", 23.99), ("RUB-00001", 12.5)]

    func run() async throws {
        let shopPort = await ports.port(.shop)
        let endpointPort = await ports.port(.endpoint)
        let hubPort = await ports.port(.hub)
        let shopAPI = "http://127.0.0.1:\(shopPort)/api/"
        let endpoint = "http://127.0.0.1:\(endpointPort)"
        let hubHost = host == "0.0.0.0" ? "127.0.0.1" : host
        let hub = "http://\(hubHost):\(hubPort)"
        try await wire(hub: hub, shopAPI: shopAPI, endpoint: endpoint)

        FileHandle.standardOutput.write(
            Data(
                """

                Integrator demo is running.

                  Console       \(hub)/console
                  Admin token   \(secrets.admin)
                  Store         \(Self.storeID) (push token \(secrets.store))
                  Spree store   \(shopAPI) (X-Spree-Token \(secrets.spree))
                  Spree endpoint \(endpoint)
                  Data          \(folder)

                A marketplace pushes an order:import every \(orderEvery) s; the hub imports it into the store
                through the Spree endpoint, polls the store's orders every \(pollEvery) s, and turns what changed
                into order:new and order:updated, whose payments are captured. Try it from another terminal:

                  INTEGRATOR_URL=\(hub) INTEGRATOR_ADMIN_TOKEN=\(secrets.admin) integrator messages list --store \(Self.storeID)

                Press Ctrl-C to stop.

                """.utf8
            )
        )

        var sequence = 0
        // Two orders at once, so the console has something to show on first sight.
        for _ in 0..<2 {
            sequence += 1
            try await pushOrder(hub: hub, sequence: sequence)
        }
        guard orderEvery > 0 else {
            try? await gracefulShutdown()
            return
        }
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                try await Task.sleep(for: .seconds(orderEvery))
            } catch {
                return
            }
            sequence += 1
            do {
                try await pushOrder(hub: hub, sequence: sequence)
            } catch {
                FileHandle.standardError.write(Data("demo marketplace: \(error)\n".utf8))
            }
        }
    }

    /// The store, its Spree parameters, three mappings and the poll scheduler, through the
    /// admin API with the CLI's client; safe to run again on the same data folder.
    func wire(hub: String, shopAPI: String, endpoint: String) async throws {
        let client = try HubClient(url: hub, token: secrets.admin)
        do {
            try await wire(client, shopAPI: shopAPI, endpoint: endpoint)
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
    }

    private func wire(_ client: HubClient, shopAPI: String, endpoint: String) async throws {
        let store = "/api/stores/\(Self.storeID)"
        if try await client.send(.GET, store).status == 404 {
            _ = try await client.expect(.POST, "/api/stores", ["id": .string(Self.storeID), "name": "Demo Shop", "token": .string(secrets.store)])
        }
        let parameters: [(String, JSONValue)] = [
            ("spree.api_url", .string(shopAPI)), ("spree.api_key", .string(secrets.spree)), ("spree.api_version", "2.0"),
        ]
        for (name, value) in parameters {
            _ = try await client.expect(.PUT, "\(store)/parameters/\(name)", ["value": value])
        }
        let mappings: [JSONValue] = [
            [
                "name": "spree.order_import", "messages": ["order:import"], "url": .string(endpoint + "/orders/import"),
                "token": .string(secrets.endpoint),
                "parameters": ["spree.*"], "identifiers": ["order_number": "payload.order.number"],
            ],
            [
                "name": "spree.collections_poll", "messages": ["hub:poll"], "url": .string(endpoint + "/collections/poller"),
                "token": .string(secrets.endpoint),
                "parameters": ["spree.*"], "required": true,
            ],
            [
                "name": "spree.payment_capture", "messages": ["order:new"], "url": .string(endpoint + "/payments/capturer"),
                "token": .string(secrets.endpoint),
                "parameters": ["spree.*"], "identifiers": ["order_number": "payload.order.number"],
            ],
        ]
        for mapping in mappings {
            _ = try await client.expect(.PUT, "\(store)/mappings/\(mapping["name"]!.stringValue!)", mapping)
        }
        let scheduler: JSONValue = [
            "id": "poll-orders", "message": "hub:poll", "payload": ["target": "collections.orders"], "interval": .double(pollEvery),
        ]
        _ = try await client.expect(.PUT, "\(store)/schedulers/poll-orders", scheduler)
    }

    func pushOrder(hub: String, sequence: Int) async throws {
        let (first, last) = Self.customers[sequence % Self.customers.count]
        let item = Self.items[sequence % Self.items.count]
        let quantity = 1 + sequence % 3
        let total = (Double(quantity) * item.price * 100).rounded() / 100
        let number = "MKT-\(Int(Date().timeIntervalSince1970))-\(sequence)"
        let address: JSONValue = [
            "firstname": .string(first), "lastname": .string(last), "address1": "7735 Old Georgetown Rd", "city": "Bethesda",
            "zipcode": "20814", "phone": "555-0100", "country": "US", "state": "Maryland",
        ]
        let order: JSONValue = [
            "message": "order:import",
            "payload": [
                "order": [
                    "number": .string(number), "channel": "Marketplace", "email": .string("\(first.lowercased())@example.com"), "status": "complete",
                    "currency": "USD", "placed_on": .string(ISO8601DateFormatter().string(from: Date())),
                    "line_items": [["sku": .string(item.sku), "quantity": .int(Int64(quantity)), "price": .double(item.price)]],
                    "payments": [["amount": .double(total), "status": "pending", "payment_method": "Credit Card"]],
                    "shipping_address": address, "billing_address": address,
                ]
            ],
        ]
        var request = HTTPClientRequest(url: hub + "/events")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-Hub-Store", value: Self.storeID)
        request.headers.add(name: "X-Hub-Access-Token", value: secrets.store)
        request.body = .bytes(ByteBuffer(bytes: Array(order.encoded())))
        let response = try await http.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 20)
        guard response.status.code == 202 else { throw DemoFailure("the hub answered \(response.status.code) to the marketplace's order \(number)") }
    }
}

struct DemoFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
