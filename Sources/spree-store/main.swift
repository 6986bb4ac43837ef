import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOCore
import SpreeStore

/// `spree-store`: a Spree store's API v1 (1.3 or 2.0 behaviour) with the hub connector's
/// routes, backed by SQLite, for tests and the demo.
@main
struct SpreeStoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spree-store",
        abstract: "A Spree store simulator (API v1, 1.3 and 2.0).",
        subcommands: [Serve.self]
    )
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the store's API under /api.")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one and prints it).") var port = 3000
    @Option(help: "The Spree version to behave as: 1.3 or 2.0.") var version = "2.0"
    @Option(name: .customLong("api-key"), help: "The API key of the admin user (sent as X-Spree-Token).") var apiKey: String
    @Option(help: "The SQLite file holding the shop (:memory: keeps nothing).") var database = "spree-store.sqlite"
    @Flag(help: "Load a small shop when the database is empty.") var sample = false
    @Flag(name: .customLong("no-lock-column"), help: "Behave as a stock store without the hub connector's locked_at column.") var noLockColumn = false

    func validate() throws {
        guard SpreeVersion(rawValue: version) != nil else {
            throw ValidationError("unknown Spree version '\(version)'; use 1.3 or 2.0")
        }
        guard !apiKey.isEmpty else { throw ValidationError("--api-key must not be empty") }
    }

    func run() async throws {
        let spreeVersion = SpreeVersion(rawValue: version)!
        let db: SpreeDatabase
        do {
            db = try SpreeDatabase(path: database, version: spreeVersion)
        } catch {
            FileHandle.standardError.write(Data("spree-store: \(error)\n".utf8))
            throw ExitCode(2)
        }
        await db.ensureAdmin(apiKey: apiKey)
        if sample, await db.orderCount == 0 { await db.loadSample() }
        let api = await SpreeAPI(database: db, lockable: !noLockColumn)
        var logger = Logger(label: "spree-store")
        logger.logLevel = .warning
        let host = self.host
        let shown = spreeVersion.rawValue
        let app = Application(
            router: api.router(),
            configuration: .init(address: .hostname(host, port: port), serverName: "spree-store"),
            onServerRunning: { channel in
                FileHandle.standardOutput.write(
                    Data("Spree \(shown) store listening on http://\(host):\(channel.localAddress?.port ?? 0)/api/\n".utf8)
                )
            },
            logger: logger
        )
        try await app.runService()
    }
}
