import AsyncHTTPClient
import Foundation
import HTTPTypes
import IntegratorModel
import IntegratorStore
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization

/// The delivery workers: lease due deliveries, POST each to its mapping's URL as the original
/// hub did, and write what came back. Runs until graceful shutdown, then lets the attempts in
/// flight finish (each is bounded by its mapping's timeout) before returning.
struct DeliveryService: Service {
    let hub: Hub
    let client: HTTPClient
    /// Who holds the leases this process takes.
    let owner: String

    init(hub: Hub, client: HTTPClient) {
        self.hub = hub
        self.client = client
        self.owner = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(MessageID.make())"
    }

    func run() async throws {
        let inFlight = SharedCounter()
        let perMapping = InFlightTable()
        let rate = OutboundRate()
        let stopping = SharedFlag()
        let limit = hub.configuration.deliveryConcurrency
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                while !stopping.isSet && !Task.isCancelled {
                    let free = limit - inFlight.value
                    var claimed: [ClaimedDelivery] = []
                    if free > 0 {
                        do {
                            let limits = perMapping.limits(cap: inFlightCap, rateLimit: rateLimit, started: rate.counts())
                            claimed = try await hub.store.claim(owner: owner, now: hub.clock.now(), limit: free, limits: limits, lease: lease)
                        } catch {
                            hub.logger.error("claiming deliveries failed: \(error)")
                        }
                    }
                    for delivery in claimed {
                        let key = MappingKey(storeID: delivery.storeID, mapping: delivery.mapping)
                        if rateLimit(key) != nil { rate.started(key) }
                        inFlight.add(1)
                        perMapping.add(key, 1)
                        group.addTask {
                            await deliver(delivery)
                            perMapping.add(key, -1)
                            inFlight.add(-1)
                            hub.doorbell.ring()
                        }
                    }
                    if claimed.isEmpty || claimed.count == free {
                        var nap = hub.configuration.pollInterval
                        // A mapping held by its rate limit is due again when its window opens.
                        if let opening = rate.nextOpening(limit: rateLimit) { nap = min(nap, max(0.001, opening.inSeconds)) }
                        await hub.doorbell.wait(upTo: nap)
                    }
                }
                await finishOrCut(group: &group, inFlight: inFlight)
            }
        } onGracefulShutdown: {
            stopping.set()
            hub.doorbell.ring()
        }
    }

    /// Once shutdown begins: lets the attempts under way finish within `--shutdown-grace`, then
    /// cuts the rest; each cut attempt records itself as interrupted (`deliver`).
    private func finishOrCut(group: inout DiscardingTaskGroup, inFlight: SharedCounter) async {
        let grace = hub.configuration.shutdownGrace
        let deadline = ContinuousClock.now + .milliseconds(Int64(grace * 1000))
        while inFlight.value > 0, ContinuousClock.now < deadline, !Task.isCancelled {
            await hub.doorbell.wait(upTo: min(0.1, max(0.001, (deadline - ContinuousClock.now).inSeconds)))
        }
        if inFlight.value > 0 {
            hub.logger.warning(
                "cutting \(inFlight.value) attempt(s) still under way after the shutdown grace of \(grace) s; they go again at the next start")
            group.cancelAll()
        }
    }

    /// Each mapping's `options.rate_limit`, from the routing catalog.
    private var rateLimit: @Sendable (MappingKey) -> Int? {
        let catalog = hub.catalog
        return { key in catalog.mapping(storeID: key.storeID, name: key.mapping)?.mapping.rateLimit }
    }

    /// Each mapping's `options.max_in_flight`, from the routing catalog.
    private var inFlightCap: @Sendable (MappingKey) -> Int {
        let catalog = hub.catalog
        return { key in catalog.mapping(storeID: key.storeID, name: key.mapping)?.mapping.inFlightCap ?? Mapping.defaultMaxInFlight }
    }

    private var lease: @Sendable (String, String) -> Double {
        let catalog = hub.catalog
        let margin = hub.configuration.leaseMargin
        return { storeID, name in (catalog.mapping(storeID: storeID, name: name)?.mapping.timeout ?? Mapping.defaultTimeout) + margin }
    }

    /// One attempt, start to finish; never throws, since every failure is an outcome to record.
    func deliver(_ delivery: ClaimedDelivery) async {
        let startedAt = hub.clock.now()
        let clockStart = ContinuousClock.now
        guard let compiled = hub.catalog.mapping(storeID: delivery.storeID, name: delivery.mapping) else {
            await record(
                AttemptReport(
                    deliveryID: delivery.id, storeID: delivery.storeID, messageID: delivery.messageID, owner: owner, startedAt: startedAt,
                    duration: 0,
                    url: "", status: nil, response: nil, error: "mapping '\(delivery.mapping)' no longer exists; parked",
                    transition: DeliveryTransition(state: .parked)))
            return
        }
        let mapping = compiled.mapping
        let base = delivery.url ?? mapping.url
        // A stored update_url from before this rule, or one that no longer passes it, is not followed.
        let url = DeliveryURL.problem(base) == nil ? base : mapping.url
        var call = AttemptCall()
        do {
            let parameters = try await hub.parameters(storeID: delivery.storeID).filter { mapping.sends(parameter: $0.name) }
            let request = try Self.request(delivery, mapping: mapping, url: url, parameters: parameters, now: hub.clock.now())
            // The timeout counts from the start of the attempt, so the attempt ends within it
            // and its lease (the timeout plus a margin, from the claim) outlives it.
            let left = mapping.timeout - (ContinuousClock.now - clockStart).inSeconds
            call = await Self.send(request, client: client, targets: hub.targets, timeout: max(0.001, left), cap: Self.responseLimit)
        } catch {
            call.failure = .requestNotMade("\(error)")
        }
        let duration = (ContinuousClock.now - clockStart).inSeconds
        if Task.isCancelled {
            await recordInterrupted(delivery, mapping: mapping, url: url, startedAt: startedAt, duration: duration)
            return
        }
        let status = call.status
        let responseBytes = call.body
        var failure = call.failure?.describe(url: url, timeout: mapping.timeout)
        // A reply is applied only when it arrived whole: a body cut short, over the cap, or past
        // the timeout makes the attempt a failure, with nothing of its reply taken.
        var reply = EndpointReply()
        if failure == nil { reply = mapping.wireProtocol == .v6 ? EndpointReply.readV6(call.body) : EndpointReply.read(call.body) }
        let now = hub.clock.now()
        let outcome: AttemptOutcome
        // The original hub took only 200; Wombat and cangaroo took 200 to 204.
        var succeeded = failure == nil && (mapping.wireProtocol == .v6 ? (200...204).contains(status ?? 0) : status == 200)
        if succeeded, let refusal = reply.refusal ?? updateURLRefusal(reply, base: url) {
            succeeded = false
            failure = "the endpoint answered \(status ?? 0), but \(refusal)"
            reply = EndpointReply()
        }
        if succeeded {
            if let delay = reply.delay {
                outcome = .later(delay: delay, updateURL: Self.resolve(reply.updateURL, against: url))
            } else {
                outcome = .success
            }
        } else {
            outcome = .failure(retryAfter: call.retryAfter)
            if failure == nil, let status {
                let detail = reply.result["error"]?.comparableText ?? reply.result["summary"]?.comparableText
                failure =
                    "the endpoint answered \(status) \(HTTPResponseStatus(statusCode: status).reasonPhrase)"
                    + (detail.map { ": \($0.prefix(500))" } ?? "")
            }
        }
        let policy = RetryPolicy(schedule: mapping.retrySchedule ?? RetryPolicy.defaultSchedule)
        var transition = DeliveryTransition.after(
            outcome, attempt: delivery.attempts + 1, retriesAllowed: mapping.retriesAllowed, policy: policy, now: now,
            random: Double.random(in: 0..<1))
        // A target the operator refuses stays refused: retrying cannot help.
        if case .targetRefused? = call.failure { transition = DeliveryTransition(state: .parked) }
        // A paused mapping's delivery waits, whatever it would have waited for.
        if mapping.paused, transition.state == .failing || transition.state == .scheduled { transition.state = .paused }

        var report = AttemptReport(
            deliveryID: delivery.id, storeID: delivery.storeID, messageID: delivery.messageID, owner: owner, startedAt: startedAt, duration: duration,
            url: url, status: status,
            response: responseBytes.isEmpty ? nil : String(decoding: responseBytes.prefix(hub.configuration.responseCap), as: UTF8.self),
            error: failure, transition: transition)
        if case .targetRefused? = call.failure {
            report.error = (failure ?? "") + "; parked, since retrying cannot help"
        } else if transition.state == .parked, let failure {
            report.error = failure + (mapping.retriesAllowed ? "; no retry left, parked" : "; retries are not allowed for this mapping, parked")
        }
        report.mapping = mapping.name
        report.breaker = mapping.breaker
        // Alerts are about other messages' deliveries: a hub message's own failures make none.
        if delivery.origin != HubAlerts.origin {
            report.alerts = HubAlerts.maker(router: hub.router, delivery: delivery, mapping: mapping.name, lastError: report.error, now: now)
        }
        let childDepth = delivery.depth + 1
        var notifications = reply.notifications
        if succeeded {
            report.result = reply.result == .null ? nil : reply.result
            // The store's id is not a parameter an endpoint can change.
            report.parameters = reply.parameters.filter { $0.name != Self.storeIDParameter }.map { Parameter(name: $0.name, value: $0.value) }
            if childDepth > hub.configuration.maxMessageDepth, !reply.messages.isEmpty {
                notifications.append(
                    IntegratorModel.Notification(
                        level: .error, subject: "messages refused: chain too deep",
                        description:
                            "the reply held \(reply.messages.count) message(s) at depth \(childDepth), past the limit of "
                            + "\(hub.configuration.maxMessageDepth); a mapping may be answering its own messages in a loop"
                    ))
            } else {
                report.children = reply.messages.map { child in
                    hub.router.route(
                        storeID: delivery.storeID, name: child.name, payload: child.payload, origin: "reply", parentMessageID: delivery.messageID,
                        parentDeliveryID: delivery.id, depth: childDepth, now: now)
                }
            }
            if !reply.problems.isEmpty {
                notifications.append(
                    IntegratorModel.Notification(
                        level: .warn, subject: "parts of the reply were ignored",
                        description: reply.problems.map(\.description).joined(separator: "; ")))
            }
        }
        let reference = Self.reference(of: delivery.payload)
        report.notifications = notifications.map { notification in
            var payload: [String: JSONValue] = [
                "level": .string(notification.level.rawValue), "subject": .string(notification.subject),
                "description": .string(notification.description), "source": .string(mapping.name), "message_id": .string(delivery.messageID),
            ]
            if let reference { payload["reference"] = .string(reference) }
            for (key, value) in notification.extra where payload[key] == nil { payload[key] = value }
            let message =
                childDepth > hub.configuration.maxMessageDepth
                ? nil
                : hub.router.route(
                    storeID: delivery.storeID, name: "notification:\(notification.level.rawValue)", payload: .object(payload), origin: "notification",
                    parentMessageID: delivery.messageID, parentDeliveryID: delivery.id, depth: childDepth, now: now)
            return NewNotification(
                storeID: delivery.storeID, messageID: delivery.messageID, deliveryID: delivery.id, mapping: mapping.name, notification: notification,
                reference: reference, message: message)
        }
        await record(report)
        hub.metrics.attempt(storeID: delivery.storeID, mapping: mapping.name, seconds: duration, failed: !succeeded)
        hub.metrics.messagesIngested(report.children.count + report.notifications.filter { $0.message != nil }.count)
        hub.logger.info(
            "attempt",
            metadata: [
                "message_id": .string(delivery.messageID), "delivery": .string(delivery.id), "mapping": .string(mapping.name),
                "status": .string(status.map(String.init) ?? "-"), "state": .string(transition.state.rawValue),
            ])
    }

    func record(_ report: AttemptReport) async {
        // The attempt happened; keep trying to write it down until the store takes it or we stop.
        var wait: Double = 0.05
        while true {
            do {
                try await hub.store.record(report)
                if !report.parameters.isEmpty { hub.parameterSets.invalidate(report.storeID) }
                if !report.children.isEmpty || !report.notifications.isEmpty { hub.wakeWorkers() }
                return
            } catch {
                hub.logger.error("recording an attempt failed, retrying: \(error)", metadata: ["message_id": .string(report.messageID)])
                if Task.isCancelled { return }
                try? await Task.sleep(for: .seconds(wait))
                wait = min(wait * 2, 5)
            }
        }
    }

    /// Why a reply's `update_url` is refused by `--delivery-targets`, where its host tells.
    private func updateURLRefusal(_ reply: EndpointReply, base: String) -> String? {
        guard reply.delay != nil, let updateURL = reply.updateURL, !updateURL.isEmpty else { return nil }
        return hub.targets.refusal(url: Self.resolve(updateURL, against: base)).map { "its update_url is refused: \($0)" }
    }
}
