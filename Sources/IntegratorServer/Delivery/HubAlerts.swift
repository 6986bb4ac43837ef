import Foundation
import IntegratorModel
import IntegratorStore

/// The hub's own messages about endpoint health, origin `hub`, routed like any other message
/// (to a Slack, mail or pager endpoint): `hub:mapping:failing`, `hub:mapping:recovered` and
/// `hub:delivery:parked`, each with `store`, `mapping`, `message_id`, `message`, `last_error`
/// and `attempts`. An alert about a mapping never goes through that mapping.
enum HubAlerts {
    static let origin = MessageOrigin.hub

    /// Makes the alerts an attempt may cause, routed only if the store says one happened.
    static func maker(
        router: MessageRouter,
        delivery: ClaimedDelivery,
        mapping: String,
        lastError: String?,
        now: Date
    ) -> AttemptAlerts {
        AttemptAlerts { kind in
            router.route(
                storeID: delivery.storeID,
                name: kind.rawValue,
                payload: payload(delivery: delivery, mapping: mapping, lastError: lastError),
                origin: origin,
                now: now,
                excluding: mapping
            )
        }
    }

    /// The payload every alert carries.
    static func payload(delivery: ClaimedDelivery, mapping: String, lastError: String?) -> JSONValue {
        .object([
            "store": .string(delivery.storeID), "mapping": .string(mapping), "message_id": .string(delivery.messageID),
            "message": .string(delivery.messageName), "last_error": lastError.map(JSONValue.string) ?? .null,
            "attempts": .int(Int64(min(delivery.attempts, Int(Int32.max)) + 1)),
        ])
    }
}

extension DeliveryService {
    /// Records an attempt cut by shutdown: a failed attempt saying `interrupted`, its delivery
    /// due again at once, so the next start takes it. It is not the endpoint's fault, so it
    /// counts on no breaker and parks nothing.
    func recordInterrupted(_ delivery: ClaimedDelivery, mapping: Mapping, url: String, startedAt: Date, duration: Double) async {
        let grace = hub.configuration.shutdownGrace
        // Paused meanwhile? Then it waits for the resume, as its mapping's deliveries do.
        let paused = hub.catalog.mapping(storeID: delivery.storeID, name: mapping.name)?.mapping.paused ?? mapping.paused
        let report = AttemptReport(
            deliveryID: delivery.id,
            storeID: delivery.storeID,
            messageID: delivery.messageID,
            owner: owner,
            startedAt: startedAt,
            duration: duration,
            url: url,
            status: nil,
            response: nil,
            error: "interrupted: the hub shut down and its grace of \(grace) s ran out before the attempt finished; "
                + "it will be attempted again at the next start",
            transition: DeliveryTransition(state: paused ? .paused : .failing, nextAttemptAt: hub.clock.now())
        )
        // Written from a task of its own: this one is cancelled, and a store may refuse a
        // cancelled caller its connection.
        await Task { await record(report) }.value
    }
}
