import AsyncHTTPClient
import EndpointKit
import Foundation
import Hummingbird
import IntegratorModel
import IntegratorTestSupport
import Logging
import NIOCore
import NIOHTTP1
import SpreeEndpoint
import SpreeStore
import Synchronization

/// The Spree endpoint's collections poller paging every order out of the simulator, against a
/// plain client reading the same pages.
enum PollerBench {
    struct Result {
        var pollerSeconds: Double
        var plainSeconds: Double
        var polls: Int
    }

    static func run(orders: Int, logger: Logger) async throws -> Result {
        // A shop's orders come in at different moments: each reading of the simulator's clock
        // moves it on by 10 ms, starting two hours ago.
        let clock = SteppingClock(start: Date().addingTimeInterval(-7200), step: 0.01)
        let database = try SpreeDatabase(path: ":memory:", version: .v2_0, now: { clock.next() })
        await database.ensureAdmin(apiKey: "bench-spree-key")
        await database.loadSample()
        let existing = await database.orderCount
        for index in existing..<orders {
            _ = try await database.importOrder(
                [
                    "email": .string("buyer\(index)@example.com"), "channel": "bench",
                    "completed_at": .string(ISO8601DateFormatter().string(from: clock.next())),
                    "line_items_attributes": [["sku": "RUB-00001", "quantity": 1, "price": 12.5]],
                    "ship_address": [
                        "firstname": "A", "lastname": "B", "address1": "1 Road", "city": "Town", "zipcode": "12345", "phone": "555",
                        "country": ["iso": "US"], "state": ["name": "Maryland"],
                    ],
                ],
                admin: true,
                userID: nil
            )
        }
        let api = await SpreeAPI(database: database)
        var quiet = logger
        quiet.logLevel = .error
        let endpoint = SpreeEndpoint.make(key: "bench-endpoint-key", http: testClient)
        return try await withServer { onRunning in
            Application(
                router: api.router(),
                configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: onRunning,
                logger: quiet
            )
        } body: { port in
            let apiURL = "http://127.0.0.1:\(port)/api/"
            // A plain client reading the collection page by page: the floor, and the orders to find.
            var expected = Set<String>()
            let plainStart = ContinuousClock.now
            var page = 1
            var pages = 1
            while page <= pages {
                let reply = try await call(
                    .GET,
                    apiURL + "integrator/orders?page=\(page)&per_page=50&since=2000-01-01T00:00:00Z",
                    headers: ["X-Spree-Token": "bench-spree-key"]
                )
                pages = Int(reply.body["pages"]?.numberValue ?? 1)
                for order in reply.body["orders"]?.arrayValue ?? [] { if let number = order["number"]?.stringValue { expected.insert(number) } }
                page += 1
            }
            let plainSeconds = seconds(since: plainStart)
            let total = expected.count

            // The poller, called as the hub calls it, its cursor fed back each time.
            var seen = Set<String>()
            var cursor: JSONValue = []
            var polls = 0
            let start = ContinuousClock.now
            while seen.count < total, polls < total {
                let request = EndpointTesting.request(
                    "hub:poll",
                    payload: ["target": "collections.orders"],
                    parameters: [
                        "spree.api_url": .string(apiURL), "spree.api_key": "bench-spree-key", "spree.api_version": "2.0",
                        "spree.collections_poll.last_updated_at": cursor, "spree.collections_poll.per_page": [["orders": "50"]],
                    ]
                )
                let reply = await EndpointTesting.send(endpoint, path: "/collections/poller", request)
                guard reply.status == 200 else { throw BenchError("the poller answered \(reply.status): \(reply.body)") }
                polls += 1
                let before = seen.count
                for message in reply.body["messages"]?.arrayValue ?? [] {
                    if let number = message["payload"]?["order"]?["number"]?.stringValue { seen.insert(number) }
                }
                for parameter in reply.body["parameters"]?.arrayValue ?? [] where parameter["name"] == "spree.collections_poll.last_updated_at" {
                    cursor = parameter["value"] ?? []
                }
                if seen.count == before, polls > 1, (reply.body["messages"]?.arrayValue ?? []).count < 50 { break }
            }
            let pollerSeconds = seconds(since: start)
            guard seen.count == total else { throw BenchError("the poller saw \(seen.count) of \(total) orders in \(polls) polls") }

            return Result(pollerSeconds: pollerSeconds, plainSeconds: plainSeconds, polls: polls)
        }
    }
}

/// A clock that moves on by `step` seconds at every reading.
final class SteppingClock: Sendable {
    private let current: Mutex<Date>
    private let step: Double

    init(start: Date, step: Double) {
        current = Mutex(start)
        self.step = step
    }

    func next() -> Date {
        current.withLock { date in
            date = date.addingTimeInterval(step)
            return date
        }
    }
}
