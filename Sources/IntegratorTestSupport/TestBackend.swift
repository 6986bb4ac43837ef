import Foundation
import IntegratorPostgres
import IntegratorStore
import Logging
import PostgresNIO

/// A store the tests run on: SQLite always, PostgreSQL when `INTEGRATOR_TEST_POSTGRES` names a
/// server (`postgres://user@host:port/database`); `.ci/run` starts one.
public enum TestBackend: String, Sendable, CaseIterable, CustomStringConvertible {
    case sqlite
    case postgres

    /// The server URL the PostgreSQL runs use, if any.
    public static var postgresURL: String? {
        ProcessInfo.processInfo.environment["INTEGRATOR_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The backends available here.
    public static var all: [TestBackend] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    public var description: String { rawValue }

    /// A `--database` value naming a fresh, empty database, and a function that removes it.
    public func freshDatabase(in directory: URL) async throws -> (url: String, remove: @Sendable () async -> Void) {
        switch self {
        case .sqlite:
            return ("sqlite:" + directory.appendingPathComponent("hub.sqlite").path, {})
        case .postgres:
            guard let base = Self.postgresURL, var components = URLComponents(string: base) else {
                throw TestBackendError("INTEGRATOR_TEST_POSTGRES is not set")
            }
            let name = "integrator_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased())"
            try await Self.administer(base, "CREATE DATABASE \(name)")
            components.path = "/\(name)"
            let url = components.string!
            return (url, { try? await Self.administer(base, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") })
        }
    }

    /// Runs one statement on the server of `url` with a short-lived client.
    static func administer(_ url: String, _ sql: String) async throws {
        guard let components = URLComponents(string: url), let host = components.host else { throw TestBackendError("bad URL \(url)") }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let configuration = PostgresClient.Configuration(
            host: host,
            port: components.port ?? 5432,
            username: components.user ?? "postgres",
            password: components.password,
            database: database.isEmpty ? nil : database,
            tls: .disable
        )
        let client = PostgresClient(configuration: configuration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await client.query(PostgresQuery(unsafeSQL: sql))
        }
    }
}

public struct TestBackendError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Opens a fresh store of `backend` for the length of `body`.
public func withFreshStore<T>(_ backend: TestBackend, _ body: (any HubDatabase, URL) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("integrator-store-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let (url, remove) = try await backend.freshDatabase(in: directory)
    do {
        let result: T
        if url.hasPrefix("sqlite:") {
            result = try await body(try SQLiteDatabase.open(path: String(url.dropFirst("sqlite:".count))), directory)
        } else {
            result = try await PostgresDatabase.withDatabase(url: url, logger: Logger(label: "test")) { try await body($0, directory) }
        }
        await remove()
        return result
    } catch {
        await remove()
        throw error
    }
}
