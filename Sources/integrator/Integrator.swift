import ArgumentParser
import Foundation
import IntegratorServer
import Logging
import NIOCore

/// The `integrator` command: the hub server, the operator's client commands and the demo.
@main
struct Integrator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "integrator",
        abstract: "A self-hosted integration hub for commerce.",
        subcommands: [
            Serve.self, Push.self, Messages.self, Mappings.self, Apply.self, Stores.self, Parameters.self, Demo.self, RotateSecretKey.self,
            Backup.self,
        ],
        defaultSubcommand: nil
    )
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the hub: push API, admin API, delivery workers and schedulers.")

    @Option(help: "Address to listen on (INTEGRATOR_HOST).")
    var host: String?
    @Option(help: "Port to listen on (INTEGRATOR_PORT).")
    var port: String?
    @Option(help: "sqlite:PATH (INTEGRATOR_DATABASE, default sqlite:integrator.sqlite).")
    var database: String?
    @Option(name: .customLong("admin-token"), help: "Token for the admin API (INTEGRATOR_ADMIN_TOKEN); generated and printed once when unset.")
    var adminToken: String?
    @Option(name: .customLong("admin-token-file"), help: "A file holding the admin token, kept out of `ps` (INTEGRATOR_ADMIN_TOKEN_FILE).")
    var adminTokenFile: String?
    @Option(name: .customLong("secret-key-file"), help: "32 random bytes in base64 that encrypt secrets at rest (INTEGRATOR_SECRET_KEY_FILE).")
    var secretKeyFile: String?
    @Option(
        name: .customLong("delivery-targets"),
        help: "any, public, or host names and CIDRs deliveries may go to (INTEGRATOR_DELIVERY_TARGETS, any)."
    )
    var deliveryTargets: String?
    @Option(
        name: .customLong("trusted-proxies"),
        help: "CIDRs of proxies whose X-Forwarded-For and -Proto are believed (INTEGRATOR_TRUSTED_PROXIES)."
    )
    var trustedProxies: String?
    @Option(name: .customLong("rate-limit"), help: "Messages per second each store may push; 0 for no limit (INTEGRATOR_RATE_LIMIT).")
    var rateLimit: String?
    @Option(name: .customLong("idle-timeout"), help: "Seconds a connection with no request under way stays open (INTEGRATOR_IDLE_TIMEOUT, 60).")
    var idleTimeout: String?
    @Option(name: .customLong("header-timeout"), help: "Seconds a request head may take from its first byte (INTEGRATOR_HEADER_TIMEOUT, 10).")
    var headerTimeout: String?
    @Option(name: .customLong("body-timeout"), help: "Seconds a request body may take from the end of its head (INTEGRATOR_BODY_TIMEOUT, 30).")
    var bodyTimeout: String?
    @Option(name: .customLong("max-connections"), help: "Connections open at once; 0 for the open-file limit less 256 (INTEGRATOR_MAX_CONNECTIONS).")
    var maxConnections: String?
    @Option(help: "How long finished history is kept: 30d, 12h, 90s; 0 keeps everything (INTEGRATOR_RETENTION, 30d).")
    var retention: String?
    @Option(
        name: .customLong("shutdown-grace"),
        help: "Seconds attempts under way may take to finish at shutdown before they are cut (INTEGRATOR_SHUTDOWN_GRACE, 30)."
    )
    var shutdownGrace: String?
    @Option(help: "A YAML or JSON file of stores, parameters, mappings and schedulers to apply at start (INTEGRATOR_CONFIG).")
    var config: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var settings = HubConfiguration()
        settings.host = host ?? environment["INTEGRATOR_HOST"] ?? settings.host
        settings.database = database ?? environment["INTEGRATOR_DATABASE"] ?? settings.database
        settings.configFile = config ?? environment["INTEGRATOR_CONFIG"]
        let flags = [
            "port": port, "rate-limit": rateLimit, "idle-timeout": idleTimeout, "header-timeout": headerTimeout, "body-timeout": bodyTimeout,
            "max-connections": maxConnections, "shutdown-grace": shutdownGrace,
        ]
        let security = [
            "admin-token": adminToken, "admin-token-file": adminTokenFile, "secret-key-file": secretKeyFile, "delivery-targets": deliveryTargets,
            "trusted-proxies": trustedProxies, "retention": retention,
        ]
        do {
            try settings.readNumbers(flags: flags.compactMapValues { $0 }, environment: environment)
            try settings.readSecurity(flags: security.compactMapValues { $0 }, environment: environment)
        } catch {
            FileHandle.standardError.write(Data("integrator: \(error)\n".utf8))
            throw ExitCode(2)
        }

        LoggingSystem.bootstrap { label in
            HubLogHandler.standardError(label: label, level: Logger.Level(rawValue: environment["LOG_LEVEL"] ?? "info") ?? .info)
        }
        let logger = Logger(label: "integrator")
        let host = settings.host
        let database = settings.database
        // A hub that cannot start (bad settings, database, config file) exits 2 with the reason;
        // once it runs, errors end it the usual way.
        var started = false
        do {
            try await withHub(configuration: settings, logger: logger) { channel in
                let port = channel.localAddress?.port ?? 0
                FileHandle.standardOutput.write(Data("Integrator listening on http://\(host):\(port) (database \(database))\n".utf8))
            } _: { built in
                started = true
                if let token = built.generatedAdminToken {
                    print("Admin token (shown once; pass --admin-token or INTEGRATOR_ADMIN_TOKEN to set your own): \(token)")
                }
                for change in built.configChanges { print("config: \(change)") }
                try await built.run()
            }
        } catch  where !started {
            FileHandle.standardError.write(Data("integrator: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}

struct RotateSecretKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-secret-key",
        abstract: "Re-encrypt the database's secrets with a new key, in place, with the hub stopped."
    )

    @Option(help: "The hub's database (sqlite:PATH or postgres://…).")
    var database: String
    @Option(name: .customLong("old-key-file"), help: "The key the secrets are encrypted with now; leave out when they are in clear.")
    var oldKeyFile: String?
    @Option(name: .customLong("new-key-file"), help: "The key to encrypt them with; leave out to store them in clear.")
    var newKeyFile: String?

    func run() async throws {
        do {
            let count = try await SecretKeySetup.rotate(
                database: database,
                oldKeyFile: oldKeyFile,
                newKeyFile: newKeyFile,
                logger: Logger(label: "integrator")
            )
            print("re-encrypted \(count) secret value(s); start the hub with --secret-key-file \(newKeyFile ?? "(none)")")
        } catch {
            FileHandle.standardError.write(Data("integrator: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
