import Foundation
import IntegratorModel
import IntegratorStore
import Logging
import PostgresNIO

/// The store for several hub processes on one PostgreSQL database: the same behaviour as the
/// SQLite store, with deliveries claimed by `FOR UPDATE SKIP LOCKED` leases, pushes group
/// committed (each `COMMIT` waits for the WAL flush), and `LISTEN/NOTIFY` so that a push to
/// one process wakes the workers of all, and a mapping saved in one reloads in all.
public final class PostgresDatabase: HubDatabase {
    static let quiet = Logger(label: "integrator.postgres.quiet", factory: { _ in SwiftLogNoOpLogHandler() })
    static let channel = "integrator"
    /// Group transactions under way at once, each on its own connection: while one waits for
    /// its commit's flush, the next is written (measured in BENCHMARKS.md, row 10).
    static let commitLanes = 2

    let client: PostgresClient
    let committer: GroupCommitter<PostgresJob>
    public let commitObserver = CommitObserver()
    /// Seals mapping definitions and secret parameters on the way in, opens them on the way out.
    public let secrets: SecretBox

    /// Connects to `url` (`postgres://user:password@host:port/database?sslmode=disable`),
    /// brings the schema up to date and runs `body` with the database. The connection pool runs
    /// as a child task of this call for exactly its length: when `body` returns or throws, the
    /// pool is cancelled and every connection closed before this returns.
    public static func withDatabase<T>(
        url: String,
        logger: Logger,
        secrets: SecretBox = .clear,
        _ body: (PostgresDatabase) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(configuration: try configuration(from: url), backgroundLogger: logger)
        let database = PostgresDatabase(client: client, secrets: secrets)
        return try await withThrowingTaskGroup(of: Void.self) { connections in
            connections.addTask { await client.run() }
            defer { connections.cancelAll() }
            do {
                try await database.migrate()
            } catch {
                throw StoreError.unavailable("cannot prepare the PostgreSQL database at \(redacted(url)): \(String(reflecting: error))")
            }
            return try await body(database)
        }
    }

    private init(client: PostgresClient, secrets: SecretBox) {
        self.secrets = secrets
        self.client = client
        self.committer = GroupCommitter(lanes: Self.commitLanes, observer: commitObserver) { [commitObserver, secrets] jobs in
            do {
                return try await client.withConnection { connection in
                    // On the connection's event loop (`EventLoopTaskExecutor`): each statement's
                    // answer resumes the commit on the thread that read it.
                    try await withTaskExecutorPreference(EventLoopTaskExecutor(connection.eventLoop)) {
                        try await PostgresDatabase.commit(jobs, on: connection, secrets: secrets, report: commitObserver.current)
                    }
                }
            } catch {
                return Array(repeating: error, count: jobs.count)
            }
        }
    }

    static func configuration(from url: String) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
            let host = components.host, !host.isEmpty
        else {
            throw StoreError.invalid("'\(redacted(url))' is not a PostgreSQL URL; use postgres://user:password@host:port/database")
        }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let sslMode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        let tls: PostgresClient.Configuration.TLS =
            sslMode == "disable" ? .disable : (sslMode == "require" ? .require(.makeClientConfiguration()) : .prefer(.makeClientConfiguration()))
        var configuration = PostgresClient.Configuration(
            host: host,
            port: components.port ?? 5432,
            username: components.user?.removingPercentEncoding ?? "postgres",
            password: components.password?.removingPercentEncoding,
            database: database.isEmpty ? nil : database,
            tls: tls
        )
        configuration.options.maximumConnections = 40
        return configuration
    }

    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }

    func migrate() async throws {
        try await client.withConnection { connection in
            try await connection.run("SELECT pg_advisory_lock(727274)", [])
            do {
                try await connection.run("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)", [])
                let applied = Set(try await connection.rows("SELECT version FROM schema_migrations", []).map { try $0.int("version") })
                for migration in PostgresSchema.migrations where !applied.contains(migration.version) {
                    try await connection.run("BEGIN", [])
                    do {
                        for statement in migration.statements { try await connection.run(statement, []) }
                        try await connection.run("INSERT INTO schema_migrations (version) VALUES (?)", [.int(migration.version)])
                        try await connection.run("COMMIT", [])
                    } catch {
                        try? await connection.run("ROLLBACK", [])
                        throw error
                    }
                }
                try await connection.run("SELECT pg_advisory_unlock(727274)", [])
            } catch {
                try? await connection.run("SELECT pg_advisory_unlock(727274)", [])
                throw error
            }
        }
    }

    /// Runs `body` in one transaction on one connection.
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            try await connection.run("BEGIN", [])
            do {
                let result = try await body(connection)
                try await connection.run("COMMIT", [])
                return result
            } catch {
                try? await connection.run("ROLLBACK", [])
                throw error
            }
        }
    }

    /// Runs `work` in the next group transaction and returns its value once durable.
    func perform<T: Sendable>(_ work: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let slot = ResultSlot<T>()
        try await committer.submit(PostgresJob(.statements { connection in slot.set(try await work(connection)) }))
        return slot.take()
    }

    /// How many group transactions have committed how many writes.
    public var groupCommitStatistics: (transactions: Int, writes: Int) {
        let stats = committer.statistics
        return (stats.transactions, stats.jobs)
    }

    // MARK: Processes

    public func listen(_ handler: @escaping @Sendable (StoreChange) -> Void) async throws {
        try await client.withConnection { connection in
            try await connection.listen(on: Self.channel) { notifications in
                for try await notification in notifications {
                    handler(notification.payload == "mappings" ? .mappings : .work)
                }
            }
        }
    }
}
