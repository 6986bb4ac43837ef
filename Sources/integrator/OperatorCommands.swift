import ArgumentParser
import Foundation
import IntegratorModel
import IntegratorServer
import IntegratorStore
import NIOHTTP1

/// `integrator mappings`: a store's mappings with their health, and pausing or resuming one.
struct Mappings: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List a store's mappings with their health; pause or resume one.",
        subcommands: [List.self, Pause.self, Resume.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Each mapping's breaker, pause and failures in the last hour.")
        @OptionGroup var hub: HubOptions
        @Option var store: String

        func run() async throws {
            try await hub.withClient { client in
                let health = try await client.expect(.GET, "/api/stores/\(HubClient.escape(store))/health")
                if hub.json { return print(health.jsonString) }
                print("MAPPING".padding(toLength: 32, withPad: " ", startingAt: 0) + "BREAKER    PAUSED  FAILURES/1H  LAST SUCCESS")
                for row in health["mappings"]?.arrayValue ?? [] {
                    let name = (row["mapping"]?.stringValue ?? "").padding(toLength: 32, withPad: " ", startingAt: 0)
                    let breaker = (row["breaker"]?.stringValue ?? "").padding(toLength: 11, withPad: " ", startingAt: 0)
                    let paused = (row["paused"] == .bool(true) ? "yes" : "no").padding(toLength: 8, withPad: " ", startingAt: 0)
                    let failures = (row["failures_last_hour"].map { $0.comparableText } ?? "0").padding(toLength: 13, withPad: " ", startingAt: 0)
                    print(name + breaker + paused + failures + (row["last_success_at"]?.stringValue ?? "-"))
                }
            }
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hold a mapping's deliveries (state paused) until it is resumed; messages still get their deliveries."
        )
        @OptionGroup var hub: HubOptions
        @Option var store: String
        @Argument(help: "The mapping's name.") var name: String

        func run() async throws {
            try await setPaused(hub: hub, store: store, name: name, action: "pause")
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send a paused mapping's held deliveries, in the order received.")
        @OptionGroup var hub: HubOptions
        @Option var store: String
        @Argument(help: "The mapping's name.") var name: String

        func run() async throws {
            try await setPaused(hub: hub, store: store, name: name, action: "resume")
        }
    }

    static func setPaused(hub: HubOptions, store: String, name: String, action: String) async throws {
        try await hub.withClient { client in
            let path = "/api/stores/\(HubClient.escape(store))/mappings/\(HubClient.escape(name))/\(action)"
            let mapping = try await client.expect(.POST, path, .object([:]))
            if hub.json { return print(mapping.jsonString) }
            print(action == "pause" ? "\(name): paused; its deliveries wait" : "\(name): resumed; held deliveries go out in order")
        }
    }
}

/// `integrator backup`: a consistent copy of a SQLite database while the hub serves.
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy a SQLite database consistently while the hub runs (PostgreSQL: use pg_dump; see README)."
    )

    @Option(help: "The hub's database: sqlite:PATH.") var database: String
    @Option(help: "The new file to write the copy to.") var to: String

    func run() async throws {
        var path = database
        for prefix in ["sqlite://", "sqlite:"] where path.hasPrefix(prefix) {
            path = String(path.dropFirst(prefix.count))
            break
        }
        if database.hasPrefix("postgres://") || database.hasPrefix("postgresql://") {
            FileHandle.standardError.write(
                Data("integrator: back up PostgreSQL with pg_dump --format=custom and restore with pg_restore (see README, Backups)\n".utf8)
            )
            throw ExitCode(2)
        }
        do {
            let summary = try SQLiteBackup.copy(from: path, to: to)
            print(
                "backed up \(path) to \(to): \(summary.bytes) bytes, \(summary.messages) message(s); restore by stopping the hub and copying it back"
            )
        } catch {
            FileHandle.standardError.write(Data("integrator: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
