import Foundation
import IntegratorModel

/// The hub's own messages an attempt may cause. The worker gives a way to make them; the store
/// makes and writes each only when what it reports happens, in the attempt's transaction, so an
/// alert is written exactly when its event is, and routing is paid only then.
public struct AttemptAlerts: Sendable {
    /// What an alert reports, by its message name.
    public enum Kind: String, Sendable, CaseIterable {
        /// The attempt opened its mapping's breaker.
        case failing = "hub:mapping:failing"
        /// The attempt closed it.
        case recovered = "hub:mapping:recovered"
        /// The attempt parked its delivery.
        case parked = "hub:delivery:parked"
    }

    /// Makes the routed alert message of a kind; nil makes none (alerts never cause alerts).
    public var make: (@Sendable (Kind) -> NewMessage?)?

    public init(make: (@Sendable (Kind) -> NewMessage?)? = nil) {
        self.make = make
    }

    /// The alert a breaker's change of state makes: `failing` when it opened, `recovered` when
    /// it closed; nil for no change.
    public func message(for event: BreakerStatus.Event?) -> NewMessage? {
        switch event {
        case .opened?: make?(.failing)
        case .closed?: make?(.recovered)
        case nil: nil
        }
    }
}

/// One mapping's health as the console and `/metrics` show it.
public struct MappingHealth: Sendable, Hashable {
    public var mapping: String
    public var breaker: BreakerStatus
    public var lastSuccessAt: Date?
    public var lastFailureAt: Date?
    /// Failed attempts since the `since` the caller asked about (the last hour).
    public var recentFailures: Int

    public init(mapping: String, breaker: BreakerStatus, lastSuccessAt: Date?, lastFailureAt: Date?, recentFailures: Int) {
        self.mapping = mapping
        self.breaker = breaker
        self.lastSuccessAt = lastSuccessAt
        self.lastFailureAt = lastFailureAt
        self.recentFailures = recentFailures
    }
}
