import Foundation

/// Where the hub reads the time. Retries, leases and schedules all ask it, so tests can move
/// time forward instead of sleeping.
public protocol HubClock: Sendable {
    func now() -> Date
}

/// The wall clock.
public struct SystemClock: HubClock {
    public init() {}
    public func now() -> Date { Date() }
}
