import Foundation
import IntegratorModel

// Records of a store (the tenant) and its schedulers.

/// A tenant: one shop.
public struct StoreInfo: Sendable, Hashable {
    public var id: String
    public var name: String
    public var createdAt: Date
    /// The store's own retention; nil follows the hub's `--retention`.
    public var retention: RetentionPeriod?

    public init(id: String, name: String, createdAt: Date, retention: RetentionPeriod? = nil) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.retention = retention
    }
}

/// A scheduler: makes its message in its store every `interval` seconds.
public struct Scheduler: Sendable, Hashable {
    public var id: String
    public var message: String
    public var payload: JSONValue
    public var interval: Double
    public var enabled: Bool
    public var nextRunAt: Date?
    public var lastRunAt: Date?

    public init(
        id: String,
        message: String,
        payload: JSONValue,
        interval: Double,
        enabled: Bool = true,
        nextRunAt: Date? = nil,
        lastRunAt: Date? = nil
    ) {
        self.id = id
        self.message = message
        self.payload = payload
        self.interval = interval
        self.enabled = enabled
        self.nextRunAt = nextRunAt
        self.lastRunAt = lastRunAt
    }
}
