/// Where a message came from. The hub's own sources are named here; a pushed message may
/// name its own (the original hub let a client say where an order came from), so the set is open.
public struct MessageOrigin: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }

    /// Pushed by a shop to `/events` (or the v1 and v6 routes).
    public static let push: MessageOrigin = "push"
    /// Pushed by an operator through `POST /api/stores/{id}/messages`.
    public static let store: MessageOrigin = "store"
    /// A message in an endpoint's reply.
    public static let reply: MessageOrigin = "reply"
    /// A notification in an endpoint's reply, carried on as `notification:<level>`.
    public static let notification: MessageOrigin = "notification"
    /// Made by change detection from an object that changed.
    public static let change: MessageOrigin = "change"
    /// Fired by a scheduler.
    public static let scheduler: MessageOrigin = "scheduler"
    /// An edited copy an operator sent again.
    public static let resend: MessageOrigin = "resend"
    /// Pushed from the console's test tool.
    public static let test: MessageOrigin = "test"
    /// The hub's own alerts (`hub:mapping:failing`, …): they never cause alerts.
    public static let hub: MessageOrigin = "hub"
}
