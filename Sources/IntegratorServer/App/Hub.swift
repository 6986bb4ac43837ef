import Crypto
import Foundation
import IntegratorModel
import IntegratorStore
import Logging
import Synchronization

/// The hub's shared parts, built once: the database, the routing cache, the clock and the
/// doorbell that wakes delivery workers. Controllers and services hold a reference to it.
public final class Hub: Sendable {
    /// Where everything is kept (SQLite or PostgreSQL); "store" means a tenant, a shop.
    public let database: any HubDatabase
    public let configuration: HubConfiguration
    public let clock: any HubClock
    let catalog: MappingCatalog
    let router: MessageRouter
    let doorbell: Doorbell
    let rateLimiter: RateLimiter
    let logger: Logger
    /// Store id → token hash, read on every push.
    let tokenHashes = ReadCache<String>(lifetime: .seconds(2))
    /// Store id → parameters, read on every delivery.
    let parameterSets = ReadCache<[Parameter]>(lifetime: .seconds(1))
    /// Counters, gauges and histograms for `/metrics`.
    public let metrics = HubMetrics()
    /// SHA-256 of the admin token.
    let adminTokenHash: String
    /// Marks large bodies, so their memory goes back to the system soon after.
    let memory = MemoryReturn()
    /// The server's open connections, within `configuration.maxConnections`.
    let connections: ConnectionRegistry

    /// The console's cookie key, once known.
    let consoleKey: ConsoleKey
    /// Failed console sign-ins per client address.
    let signIns = SignInLimiter()
    /// Where deliveries may go, checked on the addresses actually connected to.
    let targets: TargetGuard

    init(
        database: any HubDatabase,
        configuration: HubConfiguration,
        clock: any HubClock,
        adminTokenHash: String,
        consoleKey: SymmetricKey?,
        logger: Logger
    ) {
        self.consoleKey = ConsoleKey(consoleKey)
        self.targets = TargetGuard(
            policy: configuration.deliveryTargets,
            configuration: TargetGuard.clientConfiguration(deliveryConcurrency: configuration.deliveryConcurrency)
        )
        self.database = database
        self.configuration = configuration
        self.clock = clock
        self.catalog = MappingCatalog()
        self.router = MessageRouter(catalog: catalog)
        self.doorbell = Doorbell()
        self.rateLimiter = RateLimiter(rate: configuration.rateLimit)
        self.adminTokenHash = adminTokenHash
        self.logger = logger
        ConnectionRegistry.raiseOpenFileLimit()
        let automatic = ConnectionRegistry.automaticCapacity()
        self.connections = ConnectionRegistry(
            capacity: configuration.maxConnections > 0 ? min(configuration.maxConnections, automatic) : automatic
        )
        let metrics = self.metrics
        database.commitObserver.set { stage, duration in metrics.commitStage(stage, duration) }
    }

    /// Fills the routing cache from the database.
    func loadMappings() async throws {
        catalog.load(try await database.allMappings())
    }

    /// Why a store token with this hash cannot be given to `storeID`: it is the admin token,
    /// or another store's. Each token names one principal, so no token is ever ambiguous.
    func tokenProblem(hash: String, storeID: String) async throws -> String? {
        if Tokens.equal(hash, adminTokenHash) { return "is the admin token; a store needs a token of its own" }
        if let owner = try await database.storeID(tokenHash: hash), owner != storeID {
            return "is already another store's token; every store needs its own"
        }
        return nil
    }

    /// A store's token hash, through the short-lived cache.
    func tokenHash(storeID: String) async throws -> String? {
        // Unknown stores are cached too (as ""), so an unknown store id costs the same work as a
        // known one: a caller cannot tell them apart by time. A store created by another process
        // is seen within the cache's lifetime; one created here at once.
        let hash = try await tokenHashes.value(storeID) { try await database.tokenHash(storeID: storeID) ?? "" }
        return hash?.isEmpty == false ? hash : nil
    }

    /// A store's parameters, through the short-lived cache.
    func parameters(storeID: String) async throws -> [Parameter] {
        try await parameterSets.value(storeID) { try await database.parameters(storeID: storeID) } ?? []
    }

    /// Drops what the caches hold about a store after this process changed it.
    func storeChanged(_ storeID: String?) {
        if let storeID {
            tokenHashes.invalidate(storeID)
            parameterSets.invalidate(storeID)
        } else {
            tokenHashes.invalidateAll()
            parameterSets.invalidateAll()
        }
    }

    /// Why `--delivery-targets` refuses a mapping's URL when it is saved, as a problem at `url`.
    func targetProblem(_ mapping: Mapping, prefix: String = "") -> Problem? {
        targets.refusal(url: mapping.url).map { Problem(path: prefix + "url", problem: $0) }
    }

    /// Set by the delivery loop while it waits with every slot taken. New work cannot be claimed
    /// then, so `wakeWorkers` leaves it asleep: every push woke it to find nothing free (a
    /// wasted wake a push whenever delivery is saturated, as behind slow endpoints, and 1 % of
    /// a push's CPU in row 2). An attempt that gives back its slot rings the bell itself.
    let deliverySaturated = Atomic<Bool>(false)

    /// Wakes the delivery workers: new work was written.
    public func wakeWorkers() {
        if deliverySaturated.load(ordering: .sequentiallyConsistent) { return }
        doorbell.ring()
    }
}
