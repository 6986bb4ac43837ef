import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdCore
import IntegratorModel
import IntegratorPostgres
import IntegratorStore
import Logging
import NIOCore
import ServiceLifecycle

/// What `buildApplication` made: the application to run, the hub inside it, and the admin
/// token when one was generated (to print once).
public struct BuiltHub {
    public var application: Application<RouterResponder<HubRequestContext>>
    public var hub: Hub
    public var generatedAdminToken: String?
    /// What `--config` changed, one line each.
    public var configChanges: [String]

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully.
    public func run() async throws {
        try await application.runService()
    }
}

/// Builds the whole hub from its settings (database, routing cache, API, delivery workers and
/// schedulers) and runs `body` with it, typically `built.run()`. The database is open for
/// exactly the length of this call: PostgreSQL's connection pool runs as its child task, so
/// the hub's start (migrations, the admin token, mappings, `--config`) can use it, and it closes
/// after the application's services have all stopped. `integrator serve`, the demo and the
/// tests call this same function.
public func withHub<T>(
    configuration: HubConfiguration,
    clock: any HubClock = SystemClock(),
    logger: Logger = Logger(label: "integrator"),
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in },
    _ body: (BuiltHub) async throws -> T
) async throws -> T {
    if let why = configuration.adminTokenProblem { throw SettingError(description: why) }
    let secrets = try SecretKeySetup.box(keyFile: configuration.secretKeyFile)
    return try await withHubDatabase(configuration.database, logger: logger, now: clock.now(), secrets: secrets) { database in
        let built = try await buildApplication(
            database: database,
            secrets: secrets,
            configuration: configuration,
            clock: clock,
            logger: logger,
            onServerRunning: onServerRunning
        )
        return try await body(built)
    }
}

/// The hub on an open database: its settings read and written, mappings loaded, `--config`
/// applied, routes and services assembled.
func buildApplication(
    database: any HubDatabase,
    secrets: SecretBox,
    configuration: HubConfiguration,
    clock: any HubClock,
    logger: Logger,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void
) async throws -> BuiltHub {
    try await SecretKeySetup.prepare(store: database, secrets: secrets, keyFile: configuration.secretKeyFile, logger: logger)

    var generated: String?
    let adminHash: String
    if let token = configuration.adminToken, !token.isEmpty {
        adminHash = Tokens.hash(token)
        try await database.setSetting("admin_token_hash", value: adminHash)
    } else if let stored = try await database.setting("admin_token_hash") {
        adminHash = stored
    } else {
        let token = Tokens.generate()
        generated = token
        adminHash = Tokens.hash(token)
        try await database.setSetting("admin_token_hash", value: adminHash)
    }

    // The console's cookie key: from the operator's secret key, or the admin token when this
    // process knows it; otherwise it is learnt at the first sign-in.
    let knownToken = configuration.adminToken.flatMap { $0.isEmpty ? nil : $0 } ?? generated
    let consoleKey = secrets.key.map(ConsoleSession.key(secretKey:)) ?? knownToken.map(ConsoleSession.key(adminToken:))
    let hub = Hub(
        database: database,
        configuration: configuration,
        clock: clock,
        adminTokenHash: adminHash,
        consoleKey: consoleKey,
        logger: logger
    )
    try await hub.loadMappings()
    var changes = try await IntegrationMigration.run(hub)
    if let path = configuration.configFile {
        changes += try await hub.apply(try ConfigFile.read(path: path))
    }

    // HEAD is answered wherever GET is, as HTTP asks.
    let hummingbirdRouter = Router(context: HubRequestContext.self, options: .autoGenerateHeadEndpoints)
    // Before any route, so that every console answer carries the framing and sniffing headers.
    hummingbirdRouter.add(middleware: ConsoleHeadersMiddleware())
    hummingbirdRouter.add(middleware: APIErrorMiddleware())
    let router = MethodRouter(hummingbirdRouter)
    let auth = Authenticator(hub: hub)
    router.get("/health") { _, _ -> Response in
        _ = try await hub.database.setting("admin_token_hash")
        return .json(["status": "ok"])
    }
    router.get("/metrics") { request, _ -> Response in
        if let expected = configuration.metricsToken {
            let given = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil } ?? ""
            guard Tokens.equal(Tokens.hash(given), Tokens.hash(expected)) else {
                throw APIError(.unauthorized, "/metrics needs the metrics token as a bearer token", headers: [.wwwAuthenticate: "Bearer"])
            }
        }
        var totals: [String: Int] = [:]
        for store in try await hub.database.stores() {
            for (state, count) in try await hub.database.queueCounts(storeID: store.id) { totals[state, default: 0] += count }
        }
        hub.metrics.setQueueDepth(totals)
        var breakers: [(storeID: String, mapping: String, open: Bool)] = []
        for store in try await hub.database.stores() {
            for health in try await hub.database.mappingHealth(storeID: store.id, failuresSince: nil) {
                breakers.append((store.id, health.mapping, health.breaker.state != .closed))
            }
        }
        hub.metrics.setBreakers(breakers)
        hub.metrics.setGroupCommits(hub.database.groupCommitStatistics)
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: hub.metrics.exposition()))
        )
    }
    PushController(hub: hub, auth: auth).addRoutes(to: router)
    AdminController(hub: hub, auth: auth).addRoutes(to: router)
    try ConsoleController(hub: hub).addRoutes(to: router)
    router.get("/") { _, _ in Response(status: .seeOther, headers: [.location: "/console"]) }

    let clientConfiguration = TargetGuard.clientConfiguration(deliveryConcurrency: configuration.deliveryConcurrency)
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
    IntegrationController(hub: hub, auth: auth, client: client).addRoutes(to: router)
    router.answerOtherMethods()

    let registry = hub.connections
    let headerTimeout = TimeAmount.milliseconds(Int64(configuration.headerTimeout * 1000))
    let bodyTimeout = TimeAmount.milliseconds(Int64(configuration.bodyTimeout * 1000))
    let http1 = HTTP1Channel.Configuration(
        additionalChannelHandlers: [
            ConnectionGuardHandler(registry: registry, headerTimeout: headerTimeout, bodyTimeout: bodyTimeout, logger: logger)
        ],
        idleTimeout: .milliseconds(Int64(configuration.idleTimeout * 1000))
    )
    var application = Application(
        router: hummingbirdRouter,
        server: .http1(configuration: http1),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Integrator"),
        onServerRunning: onServerRunning,
        logger: logger
    )
    // Shut down in reverse: workers and schedulers stop before the client they use.
    application.addServices(
        StoreService(hub: hub),
        HTTPClientService(client: client, targets: hub.targets),
        DeliveryService(hub: hub, client: client),
        SchedulerService(hub: hub),
        RetentionService(hub: hub),
        MemoryReturnService(memory: hub.memory)
    )
    return BuiltHub(application: application, hub: hub, generatedAdminToken: generated, configChanges: changes)
}

/// Opens the database a `--database` value names for the length of `body`: `sqlite:PATH` (or a
/// bare path) for SQLite, `postgres://user:password@host:port/database` for PostgreSQL.
func withHubDatabase<T>(
    _ database: String,
    logger: Logger,
    now: Date,
    secrets: SecretBox,
    _ body: (any HubDatabase) async throws -> T
) async throws -> T {
    if database.hasPrefix("postgres://") || database.hasPrefix("postgresql://") {
        return try await PostgresDatabase.withDatabase(url: database, logger: logger, secrets: secrets) { try await body($0) }
    }
    var path = database
    for prefix in ["sqlite://", "sqlite:"] where path.hasPrefix(prefix) {
        path = String(path.dropFirst(prefix.count))
        break
    }
    guard !path.isEmpty else { throw StoreError.invalid("--database names no file; use sqlite:PATH") }
    let database = try SQLiteDatabase.open(path: path, secrets: secrets)
    defer { database.close() }
    // One process owns the file, so any lease still held belongs to a process that died.
    let released = try await database.releaseOrphanedLeases(now: now)
    if released > 0 { logger.notice("returned \(released) delivery lease(s) left by a stopped process to the queue") }
    return try await body(database)
}

/// Listens for what other processes announce (new work, changed mappings).
struct StoreService: Service {
    let hub: Hub

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await hub.database.listen { change in
                        switch change {
                        case .work: hub.wakeWorkers()
                        case .mappings: Task { try? await hub.loadMappings() }
                        }
                    }
                } catch {
                    if Task.isCancelled { return }
                    hub.logger.error("listening for other processes failed, listening again in 1 s: \(error)")
                    try? await Task.sleep(for: .seconds(1))
                    // Changes announced while nobody listened are not lost: read the mappings again.
                    try? await hub.loadMappings()
                }
            }
        }
    }
}

/// Keeps the HTTP client alive while the hub runs and shuts it down last.
struct HTTPClientService: Service {
    let client: HTTPClient
    let targets: TargetGuard

    func run() async throws {
        try? await gracefulShutdown()
        await targets.shutdown()
        try await client.shutdown()
    }
}
