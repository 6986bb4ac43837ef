import ArgumentParser
import AsyncHTTPClient
import EndpointKit
import Foundation
import Hummingbird
import IntegratorModel
import IntegratorServer
import Logging
import NIOCore
import ServiceLifecycle
import SpreeEndpoint
import SpreeStore
import UnixSignals

/// `integrator demo`: the hub, the Spree endpoint and a Spree store with sample data in one
/// process, wired through the admin API as an operator would, with a marketplace pushing an
/// order every few seconds so there is something to watch in the console.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start a hub, the Spree endpoint and a sample Spree store, wired together, and print the console's address."
    )

    @Option(help: "Address the hub listens on.") var host = "127.0.0.1"
    @Option(help: "Port of the hub and its console (0 picks a free one).") var port = 8080
    @Option(help: "Folder for the demo's databases (default: a new temporary folder).") var data: String?
    @Option(name: .customLong("admin-token"), help: "The console's admin token (default: a new random one).") var adminToken: String?
    @Option(name: .customLong("order-every"), help: "Seconds between the marketplace's orders (0: none).") var orderEvery: Double = 5
    @Option(name: .customLong("poll-every"), help: "Seconds between polls of the store's orders.") var pollEvery: Double = 5

    func run() async throws {
        let folder = URL(
            fileURLWithPath: data
                ?? FileManager.default.temporaryDirectory.appendingPathComponent("integrator-demo-\(UUID().uuidString.prefix(8))").path
        )
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let secrets = DemoSecrets(admin: adminToken ?? Tokens.generate())
        LoggingSystem.bootstrap { label in
            let level = Logger.Level(rawValue: ProcessInfo.processInfo.environment["LOG_LEVEL"] ?? "warning") ?? .warning
            return HubLogHandler.standardError(label: label, level: level)
        }
        let logger = Logger(label: "integrator-demo")
        let ports = DemoPorts()

        // The shop: a Spree 2.0 store simulator with the sample catalogue and orders.
        let shop = try SpreeDatabase(path: folder.appendingPathComponent("spree-store.sqlite").path, version: .v2_0)
        await shop.ensureAdmin(apiKey: secrets.spree)
        if await shop.orderCount == 0 { await shop.loadSample() }
        let shopApp = Application(
            router: await SpreeAPI(database: shop, lockable: true).router(),
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "spree-store"),
            onServerRunning: { ports.report(.shop, $0) },
            logger: logger
        )

        // The Spree endpoint, which the hub calls and which calls the shop.
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        let endpointApp = SpreeEndpoint.make(key: secrets.endpoint, http: http)
            .application(host: "127.0.0.1", port: 0, logger: logger) { ports.report(.endpoint, $0) }

        // The hub itself.
        var settings = HubConfiguration()
        settings.host = host
        settings.port = port
        settings.database = "sqlite:" + folder.appendingPathComponent("integrator.sqlite").path
        settings.adminToken = secrets.admin
        let marketplace = DemoMarketplace(
            ports: ports,
            secrets: secrets,
            host: host,
            orderEvery: orderEvery,
            pollEvery: pollEvery,
            folder: folder.path,
            http: http
        )
        var started = false
        do {
            try await withHub(configuration: settings, logger: logger) {
                ports.report(.hub, $0)
            } _: { built in
                started = true
                let group = ServiceGroup(
                    configuration: .init(
                        services: [
                            .init(service: shopApp), .init(service: endpointApp), .init(service: built.application),
                            .init(
                                service: marketplace,
                                successTerminationBehavior: .ignore,
                                failureTerminationBehavior: .gracefullyShutdownGroup
                            ),
                        ],
                        gracefulShutdownSignals: [.sigterm, .sigint],
                        logger: logger
                    )
                )
                try await group.run()
            }
        } catch {
            try? await http.shutdown()
            guard started else {
                FileHandle.standardError.write(Data("integrator demo: \(error)\n".utf8))
                throw ExitCode(2)
            }
            throw error
        }
        try await http.shutdown()
    }
}

/// The demo's credentials: the admin token, the store's push token, the endpoint's key and
/// the shop's API key.
struct DemoSecrets: Sendable {
    var admin: String
    var store = Tokens.generate()
    var endpoint = Tokens.generate()
    var spree = Tokens.generate()
}

/// The ports the three servers got, as each starts.
final class DemoPorts: Sendable {
    enum Part: Sendable { case shop, endpoint, hub }
    private let streams: [(Part, AsyncStream<Int>, AsyncStream<Int>.Continuation)] = [Part.shop, .endpoint, .hub].map { part in
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        return (part, stream, continuation)
    }

    func report(_ part: Part, _ channel: any Channel) {
        streams.first { $0.0 == part }?.2.yield(channel.localAddress?.port ?? 0)
    }

    func port(_ part: Part) async -> Int {
        guard let stream = streams.first(where: { $0.0 == part })?.1 else { return 0 }
        for await port in stream { return port }
        return 0
    }
}
