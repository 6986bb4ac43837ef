import Foundation
import IntegratorModel
import IntegratorStore
import Logging

/// The hub's shared parts, built once: the store, the routing cache, the clock and the
/// doorbell that wakes delivery workers. Controllers and services hold a reference to it.
public final class Hub: Sendable {
    public let store: any HubStore
    public let configuration: HubConfiguration
    public let clock: any HubClock
    let catalog: MappingCatalog
    let router: MessageRouter
    let doorbell: Doorbell
    let rateLimiter: RateLimiter
    let logger: Logger
    /// Counters, gauges and histograms for `/metrics`.
    public let metrics = HubMetrics()
    /// SHA-256 of the admin token.
    let adminTokenHash: String

    init(store: any HubStore, configuration: HubConfiguration, clock: any HubClock, adminTokenHash: String, logger: Logger) {
        self.store = store
        self.configuration = configuration
        self.clock = clock
        self.catalog = MappingCatalog()
        self.router = MessageRouter(catalog: catalog)
        self.doorbell = Doorbell()
        self.rateLimiter = RateLimiter(rate: configuration.rateLimit)
        self.adminTokenHash = adminTokenHash
        self.logger = logger
    }

    /// Fills the routing cache from the store.
    func loadMappings() async throws {
        catalog.load(try await store.allMappings())
    }

    /// Wakes the delivery workers: new work was written.
    public func wakeWorkers() {
        doorbell.ring()
    }
}
