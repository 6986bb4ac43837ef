import Foundation
import IntegratorModel
import IntegratorServer
import IntegratorTestSupport
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// A clock the tests move by hand, so retry and scheduler waits need no sleeping.
final class TestClock: HubClock {
    private let offset = Mutex<Double>(0)
    func now() -> Date { Date().addingTimeInterval(offset.withLock { $0 }) }
    func advance(_ seconds: Double) { offset.withLock { $0 += seconds } }
}

/// A running hub on a fresh SQLite file, with an admin token and one store.
struct TestHub: Sendable {
    static let adminToken = "test-admin-token-0123456789"
    static let storeToken = "test-store-token-0123456789"
    let port: Int
    let hub: Hub
    let clock: TestClock
    var url: String { "http://127.0.0.1:\(port)" }
    var admin: [String: String] { ["Authorization": "Bearer \(Self.adminToken)"] }
    var pusher: [String: String] { ["X-Hub-Store": "acme", "X-Hub-Access-Token": Self.storeToken] }

    /// Starts a hub with store `acme`, runs `body`, and stops the hub.
    static func run<T>(
        backend: TestBackend = .sqlite,
        configure: (inout HubConfiguration) -> Void = { _ in },
        body: (TestHub) async throws -> T
    ) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("integrator-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (database, removeDatabase) = try await backend.freshDatabase(in: directory)
        var settings = HubConfiguration()
        settings.port = 0
        settings.database = database
        settings.adminToken = adminToken
        settings.pollInterval = 0.02
        settings.schedulerTick = 0.02
        configure(&settings)
        let clock = TestClock()
        let hubBox = Mutex<Hub?>(nil)
        var logger = Logger(label: "hub")
        logger.logLevel = .warning
        do {
            let result = try await withScopedServer { (onRunning, serve) async throws -> T in
                try await withHub(configuration: settings, clock: clock, logger: logger, onServerRunning: onRunning) {
                    (built: BuiltHub) async throws -> T in
                    hubBox.withLock { $0 = built.hub }
                    return try await serve(built.application)
                }
            } body: { (port: Int) async throws -> T in
                let hub = TestHub(port: port, hub: hubBox.withLock { $0! }, clock: clock)
                let created = try await call(
                    .POST,
                    "\(hub.url)/api/stores",
                    json: ["id": "acme", "name": "Acme", "token": .string(storeToken)],
                    headers: hub.admin
                )
                #expect(created.status == 201)
                return try await body(hub)
            }
            await removeDatabase()
            return result
        } catch {
            await removeDatabase()
            throw error
        }
    }

    func push(_ json: JSONValue, headers extra: [String: String] = [:]) async throws -> Reply {
        try await call(.POST, "\(url)/events", json: json, headers: pusher.merging(extra) { _, new in new })
    }

    func addMapping(_ json: JSONValue) async throws {
        let reply = try await call(.POST, "\(url)/api/stores/acme/mappings", json: json, headers: admin)
        #expect(reply.status == 201, "\(reply.body)")
    }

    func message(_ id: String) async throws -> JSONValue {
        try await call(.GET, "\(url)/api/stores/acme/messages/\(id)", headers: admin).body
    }

    func messages(_ query: String = "") async throws -> JSONValue {
        try await call(.GET, "\(url)/api/stores/acme/messages?\(query)", headers: admin).body
    }
}
