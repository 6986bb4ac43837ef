import Foundation
import IntegratorModel
import IntegratorStore

/// The JSON forms of stored records, as the admin API shows them.
enum Presenter {
    static func time(_ date: Date?) -> JSONValue {
        guard let date else { return .null }
        return .string(ISOTime.format(date))
    }

    /// A store, with the retention in force on it (`hubRetention` when it has none of its own)
    /// and where that comes from (`store` or `hub`).
    static func store(_ store: StoreInfo, hubRetention: RetentionPeriod) -> JSONValue {
        .object([
            "id": .string(store.id), "name": .string(store.name), "created_at": time(store.createdAt),
            "retention": .string((store.retention ?? hubRetention).description),
            "retention_source": .string(store.retention == nil ? "hub" : "store"),
        ])
    }

    /// A mapping's health: its breaker, last success and failure, failures in the last hour.
    static func health(_ health: MappingHealth, paused: Bool) -> JSONValue {
        .object([
            "mapping": .string(health.mapping), "breaker": .string(health.breaker.state.rawValue),
            "consecutive_failures": .int(Int64(health.breaker.consecutiveFailures)),
            "probe_at": health.breaker.state == .closed ? .null : time(health.breaker.probeAt),
            "last_success_at": time(health.lastSuccessAt), "last_failure_at": time(health.lastFailureAt),
            "failures_last_hour": .int(Int64(health.recentFailures)), "paused": .bool(paused),
        ])
    }

    static func parameter(_ parameter: Parameter) -> JSONValue {
        .object(["name": .string(parameter.name), "value": parameter.value])
    }

    static func scheduler(_ scheduler: Scheduler) -> JSONValue {
        .object([
            "id": .string(scheduler.id), "message": .string(scheduler.message), "payload": scheduler.payload,
            "interval": .double(scheduler.interval), "enabled": .bool(scheduler.enabled),
            "next_run_at": time(scheduler.nextRunAt), "last_run_at": time(scheduler.lastRunAt),
        ])
    }

    /// A message's overall state: `skipped` or `archived` when it says so, else the state of
    /// its least finished delivery.
    static func state(of message: MessageRecord) -> String {
        if message.state != "accepted" { return message.state }
        let order: [DeliveryState] = [.running, .failing, .parked, .scheduled, .pending, .completed, .archived]
        for state in order where message.deliveries.contains(where: { $0.state == state }) { return state.rawValue }
        return message.state
    }

    static func message(_ message: MessageRecord, full: Bool) -> JSONValue {
        var fields: JSONObject = [
            "message_id": .string(message.id), "id": .string(message.id), "message": .string(message.name),
            "store_id": .string(message.storeID), "origin": .string(message.origin.rawValue), "state": .string(state(of: message)),
            "parent_id": message.parentMessageID.map(JSONValue.string) ?? .null,
            "parent_delivery_id": message.parentDeliveryID.map(JSONValue.string) ?? .null,
            "depth": .int(Int64(message.depth)), "created_at": time(message.createdAt),
            "note": message.note.map(JSONValue.string) ?? .null,
            "deliveries": .array(message.deliveries.map { delivery($0, full: full) }),
        ]
        if full {
            fields["payload"] = message.payload
            fields["identifiers"] = .object(
                JSONObject(Dictionary(message.identifiers.map { ($0.name, JSONValue.string($0.value)) }, uniquingKeysWith: { a, _ in a }))
            )
        }
        return .object(fields)
    }

    static func delivery(_ delivery: DeliveryRecord, full: Bool) -> JSONValue {
        var fields: JSONObject = [
            "id": .string(delivery.id), "mapping": .string(delivery.mapping), "state": .string(delivery.state.rawValue),
            "attempts": .int(Int64(delivery.attempts)),
            "next_attempt_at": time(
                delivery.state == .completed || delivery.state == .parked || delivery.state == .archived ? nil : delivery.nextAttemptAt
            ),
            "last_error": delivery.lastError.map(JSONValue.string) ?? .null,
            "last_status": delivery.lastStatus.map { .int(Int64($0)) } ?? .null,
            "created_at": time(delivery.createdAt), "updated_at": time(delivery.updatedAt), "completed_at": time(delivery.completedAt),
            "ordering_key": delivery.orderingKey.map(JSONValue.string) ?? .null,
            "waiting_for": delivery.waitingFor.map(JSONValue.string) ?? .null,
        ]
        if full {
            fields["result"] = delivery.result ?? .null
            fields["update_url"] = delivery.url.map(JSONValue.string) ?? .null
            fields["attempt_log"] = .array(delivery.attemptLog.map(attempt))
        }
        return .object(fields)
    }

    static func attempt(_ attempt: AttemptRecord) -> JSONValue {
        .object([
            "number": .int(Int64(attempt.number)), "started_at": time(attempt.startedAt),
            "duration_ms": .double((attempt.duration * 1000).rounded()), "url": .string(attempt.url),
            "status": attempt.status.map { .int(Int64($0)) } ?? .null,
            "response": attempt.response.map(JSONValue.string) ?? .null, "error": attempt.error.map(JSONValue.string) ?? .null,
        ])
    }

    static func notification(_ n: NotificationRecord) -> JSONValue {
        .object([
            "id": .int(n.id), "store_id": .string(n.storeID), "message_id": .string(n.messageID),
            "delivery_id": n.deliveryID.map(JSONValue.string) ?? .null, "origin": .string(n.mapping), "level": .string(n.level),
            "subject": .string(n.subject), "description": .string(n.description), "extra": n.extra,
            "reference": n.reference.map(JSONValue.string) ?? .null, "occurrences": .int(Int64(n.occurrences)),
            "logged_on": time(n.createdAt), "last_update": time(n.updatedAt),
        ])
    }

    static func detail(_ detail: MessageDetail) -> JSONValue {
        guard case .object(var fields) = message(detail.message, full: true) else { return .null }
        fields["children"] = .array(detail.children.map { message($0, full: false) })
        fields["notifications"] = .array(detail.notifications.map(notification))
        let results = detail.message.deliveries.compactMap { d in d.result.map { (d.mapping, $0) } }
        fields["result"] = results.isEmpty ? .null : .object(JSONObject(Dictionary(results, uniquingKeysWith: { a, _ in a })))
        fields["last_error"] = detail.message.deliveries.compactMap(\.lastError).last.map(JSONValue.string) ?? .null
        return .object(fields)
    }

    static func page<Item>(_ page: Page<Item>, key: String, render: (Item) -> JSONValue) -> JSONValue {
        .object([
            key: .array(page.items.map(render)), "count": .int(Int64(page.count)), "current_page": .int(Int64(page.page)),
            "pages": .int(Int64(page.pages)), "per_page": .int(Int64(page.perPage)),
        ])
    }
}
