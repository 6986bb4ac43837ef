import Foundation
import IntegratorTestSupport

/// `integrator serve` as a child process, as an operator runs it: a fresh SQLite file in a
/// folder of its own and a config file with store `acme`. For tests that look at the process
/// from outside (its open files, its resident memory).
struct ServedHub: Sendable {
    static let adminToken = "served-admin-token-0123456789"
    static let storeToken = "served-store-token-0123456789"
    let child: ChildProcess
    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }
    var pusher: [String: String] { ["X-Hub-Store": "acme", "X-Hub-Access-Token": Self.storeToken] }

    /// Starts the hub with `arguments` added to `serve`'s, runs `body`, and stops it.
    static func run<T>(_ arguments: [String] = [], launcher: [String] = [], _ body: (ServedHub) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("integrator-served-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("config.yaml")
        try "stores:\n  - id: acme\n    name: Acme\n    token: \(storeToken)\n".write(to: config, atomically: true, encoding: .utf8)
        let database = "sqlite:" + directory.appendingPathComponent("hub.sqlite").path
        let child = try ChildProcess(
            arguments: ["serve", "--port", "0", "--database", database, "--admin-token", adminToken, "--config", config.path] + arguments,
            logURL: directory.appendingPathComponent("serve.log"),
            launcher: launcher
        )
        defer { child.terminate() }
        return try await body(ServedHub(child: child, port: try await child.port()))
    }
}
