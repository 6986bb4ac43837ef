import Foundation
import IntegratorModel

/// The settings of `integrator serve`. Each has a flag and an environment variable (SPEC §9):
///
/// | setting | flag | variable | default |
/// |---|---|---|---|
/// | host | `--host` | `INTEGRATOR_HOST` | 127.0.0.1 |
/// | port | `--port` | `INTEGRATOR_PORT` | 8080 |
/// | database | `--database` | `INTEGRATOR_DATABASE` | `sqlite:integrator.sqlite` |
/// | admin token | `--admin-token` | `INTEGRATOR_ADMIN_TOKEN` | generated, stored, printed once |
/// | admin token file | `--admin-token-file` | `INTEGRATOR_ADMIN_TOKEN_FILE` | none |
/// | secret key file | `--secret-key-file` | `INTEGRATOR_SECRET_KEY_FILE` | none: secrets in clear |
/// | delivery targets | `--delivery-targets` | `INTEGRATOR_DELIVERY_TARGETS` | `any` |
/// | trusted proxies | `--trusted-proxies` | `INTEGRATOR_TRUSTED_PROXIES` | none |
/// | metrics token | | `INTEGRATOR_METRICS_TOKEN` | none: `/metrics` open |
/// | config file | `--config` | `INTEGRATOR_CONFIG` | none |
/// | rate limit | `--rate-limit` | `INTEGRATOR_RATE_LIMIT` | 0 (none): messages per second per store |
/// | idle timeout | `--idle-timeout` | `INTEGRATOR_IDLE_TIMEOUT` | 60 s |
/// | header timeout | `--header-timeout` | `INTEGRATOR_HEADER_TIMEOUT` | 10 s |
/// | body timeout | `--body-timeout` | `INTEGRATOR_BODY_TIMEOUT` | 30 s |
/// | connection cap | `--max-connections` | `INTEGRATOR_MAX_CONNECTIONS` | 0: the open-file limit less 256 |
/// | retention | `--retention` | `INTEGRATOR_RETENTION` | `30d`; `0` keeps everything |
/// | shutdown grace | `--shutdown-grace` | `INTEGRATOR_SHUTDOWN_GRACE` | 30 s |
public struct HubConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    public var port: Int = 8080
    public var database: String = "sqlite:integrator.sqlite"
    public var adminToken: String?
    public var configFile: String?
    /// Pushed messages per second each store may send (429 above it); 0 for no limit.
    public var rateLimit: Double = 0
    /// The largest push body accepted, in bytes (413 above it).
    public var maxBodySize: Int = 1 << 20
    /// The deepest JSON nesting accepted (400 above it).
    public var maxJSONDepth: Int = JSONDepthDefault.value
    /// How many deliveries are attempted at once.
    public var deliveryConcurrency: Int = 64
    /// How long idle workers wait before looking for due work they were not told about.
    public var pollInterval: Double = 0.5
    /// How often schedulers are checked.
    public var schedulerTick: Double = 1
    /// How deep a chain of reply messages may grow before the hub refuses it as a loop.
    public var maxMessageDepth: Int = 10
    /// The longest response body kept with an attempt, in bytes.
    public var responseCap: Int = 64 * 1024
    /// Extra seconds a lease lasts beyond the mapping's timeout.
    public var leaseMargin: Double = 30
    /// Seconds a connection with no request under way stays open.
    public var idleTimeout: Double = 60
    /// Seconds a request head may take to arrive whole, from its first byte.
    public var headerTimeout: Double = 10
    /// Seconds a request body may take to arrive whole, from the end of its head.
    public var bodyTimeout: Double = 30
    /// Connections open at once; 0 for the open-file limit less 256. At the cap the connection
    /// idle the longest is closed to make room for a new one.
    public var maxConnections: Int = 0
    /// The operator's key file (32 bytes, base64): secrets are encrypted at rest with it.
    public var secretKeyFile: String?
    /// Where deliveries may go.
    public var deliveryTargets: DeliveryTargets = .any
    /// Proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed.
    public var trustedProxies: [IPNetwork] = []
    /// When set, `/metrics` answers only to this bearer token.
    public var metricsToken: String?
    /// How long finished history is kept, unless a store says otherwise.
    public var retention: RetentionPeriod = .standard
    /// Seconds attempts under way may take to finish once shutdown begins; then they are cut.
    public var shutdownGrace: Double = 30

    /// The shortest admin or store token accepted.
    public static let minimumTokenLength = 16

    public init() {}
}

enum JSONDepthDefault {
    static let value = 64
}
