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
    /// Each delivery URL's request, parsed once.
    let templates = RequestTemplates()

    init(hub: Hub, client: HTTPClient) {
        self.hub = hub
        self.client = client
        self.owner = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(MessageID.make())"
    }

    func run() async throws {
        let inFlight = SharedCounter()
        // Attempts answered whose record is not yet committed: they hold no slot (the next
        // claim need not wait a commit cycle for them) but are bounded like the slots.
        let recording = SharedCounter()
        let perMapping = InFlightTable()
        let rate = OutboundRate()
        let stopping = SharedFlag()
        // Whether capacity coming free can make more claimable (`AfterClaim`).
        let capacityWakes = SharedFlag()
        let limit = hub.configuration.deliveryConcurrency
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                while !stopping.isSet && !Task.isCancelled {
                    let free = limit - inFlight.value
                    var claimed: [ClaimedDelivery]?
                    if free > 0, recording.value < limit {
                        do {
                            let limits = perMapping.limits(cap: inFlightCap, rateLimit: rateLimit, started: rate.counts())
                            claimed = try await hub.database.claim(owner: owner, now: hub.clock.now(), limit: free, limits: limits, lease: lease)
                        } catch {
                            hub.logger.error("claiming deliveries failed: \(error)")
                        }
                    }
                    for delivery in claimed ?? [] {
                        let key = MappingKey(storeID: delivery.storeID, mapping: delivery.mapping)
                        if rateLimit(key) != nil { rate.started(key) }
                        inFlight.add(1)
                        perMapping.add(key, 1)
                    }
                    // Decided before the attempts start, so none of their wakes is judged by
                    // the claim before.
                    let atCap =
                        (claimed?.count ?? free) < free
                        && !perMapping.limits(cap: inFlightCap, rateLimit: rateLimit, started: rate.counts()).full.isEmpty
                    let next = AfterClaim.decide(free: free, claimed: claimed?.count, mappingAtCap: atCap)
                    capacityWakes.set(to: next.capacityWakes)
                    for delivery in claimed ?? [] {
                        let key = MappingKey(storeID: delivery.storeID, mapping: delivery.mapping)
                        group.addTask {
                            // The process's slot is free once the answer is in; the mapping's
                            // stays taken until the outcome is recorded, so `max_in_flight` (and
                            // the breaker, which reads recorded outcomes) see every attempt.
                            let slot = ReleaseOnce {
                                inFlight.add(-1)
                                recording.add(1)
                                if capacityWakes.isSet { hub.doorbell.ring() }
                            }
                            await deliver(delivery, answered: slot.release)
                            slot.release()
                            perMapping.add(key, -1)
                            recording.add(-1)
                            // A probe's outcome may close its breaker, which makes the mapping's
                            // other due deliveries claimable.
                            if capacityWakes.isSet || delivery.probe { hub.doorbell.ring() }
                        }
                    }
                    if !next.claimAgain {
                        var nap = hub.configuration.pollInterval
                        // A mapping held by its rate limit is due again when its window opens.
                        if let opening = rate.nextOpening(limit: rateLimit) { nap = min(nap, max(0.001, opening.inSeconds)) }
                        // With every slot taken, new work cannot be claimed: pushes leave the
                        // loop asleep (`Hub.wakeWorkers`) and an attempt that frees a slot wakes it.
                        let full = inFlight.value >= limit || recording.value >= limit
                        if full { hub.deliverySaturated.store(true, ordering: .sequentiallyConsistent) }
                        await hub.doorbell.wait(upTo: nap)
                        if full { hub.deliverySaturated.store(false, ordering: .sequentiallyConsistent) }
                    }
                }
                // Every attempt's end wakes the wait for the last of them.
                capacityWakes.set()
                await finishOrCut(group: &group, underWay: { inFlight.value + recording.value })
            }
        } onGracefulShutdown: {
            stopping.set()
            hub.doorbell.ring()
        }
    }

    /// Once shutdown begins: lets the attempts under way finish within `--shutdown-grace`, then
    /// cuts the rest; each cut attempt records itself as interrupted (`deliver`).
    private func finishOrCut(group: inout DiscardingTaskGroup, underWay: () -> Int) async {
        let grace = hub.configuration.shutdownGrace
        let deadline = ContinuousClock.now + .milliseconds(Int64(grace * 1000))
        while underWay() > 0, ContinuousClock.now < deadline, !Task.isCancelled {
            await hub.doorbell.wait(upTo: min(0.1, max(0.001, (deadline - ContinuousClock.now).inSeconds)))
        }
        if underWay() > 0 {
            hub.logger.warning(
                "cutting \(underWay()) attempt(s) still under way after the shutdown grace of \(grace) s; they go again at the next start"
            )
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
    /// The decisions are the model's (`DeliveryRequest`, `AttemptVerdict`, `ReplyEffects`); this
    /// shell sends, routes the reply's messages and records. `answered` is called once the
    /// endpoint is done with it (before the record's commit), so its slot can go to the next.
    func deliver(_ delivery: ClaimedDelivery, answered: @Sendable () -> Void = {}) async {
        let startedAt = hub.clock.now()
        let clockStart = ContinuousClock.now
        guard let compiled = hub.catalog.mapping(storeID: delivery.storeID, name: delivery.mapping) else {
            answered()
            await record(
                AttemptReport(
                    deliveryID: delivery.id,
                    storeID: delivery.storeID,
                    messageID: delivery.messageID,
                    owner: owner,
                    startedAt: startedAt,
                    duration: 0,
                    url: "",
                    status: nil,
                    response: nil,
                    error: "mapping '\(delivery.mapping)' no longer exists; parked",
                    transition: DeliveryTransition(state: .parked)
                )
            )
            return
        }
        let mapping = compiled.mapping
        let url = DeliveryRequest.target(stored: delivery.url, mapping: mapping)
        var answer = AttemptAnswer()
        do {
            let parameters = try await hub.parameters(storeID: delivery.storeID).filter { mapping.sends(parameter: $0.name) }
            let request = try DeliveryRequest.make(delivery, mapping: mapping, url: url, parameters: parameters, now: hub.clock.now())
            // The timeout counts from the start of the attempt, so the attempt ends within it
            // and its lease (the timeout plus a margin, from the claim) outlives it.
            let left = mapping.timeout - (ContinuousClock.now - clockStart).inSeconds
            answer = await Self.send(
                try Self.httpRequest(request, templates: templates),
                client: client,
                targets: hub.targets,
                timeout: max(0.001, left),
                cap: Self.responseLimit
            )
        } catch {
            answer.failure = .requestNotMade("\(error)")
        }
        let duration = (ContinuousClock.now - clockStart).inSeconds
        answered()
        if Task.isCancelled {
            await recordInterrupted(delivery, mapping: mapping, url: url, startedAt: startedAt, duration: duration)
            return
        }
        let now = hub.clock.now()
        let verdict = AttemptVerdict.judge(
            answer,
            url: url,
            mapping: mapping,
            attempt: delivery.attempts + 1,
            targets: hub.targets.policy,
            now: now,
            random: Double.random(in: 0..<1)
        )
        let effects = ReplyEffects.of(verdict, delivery: delivery, mapping: mapping.name, maxDepth: hub.configuration.maxMessageDepth)
        let report = self.report(
            delivery,
            mapping: mapping,
            url: url,
            answer: answer,
            verdict: verdict,
            effects: effects,
            timing: (startedAt, duration, now)
        )
        await record(report)
        hub.metrics.attempt(storeID: delivery.storeID, mapping: mapping.name, seconds: duration, failed: !verdict.succeeded)
        hub.metrics.messagesIngested(report.children.count + report.notifications.filter { $0.message != nil }.count)
        hub.logger.info(
            "attempt",
            metadata: [
                "message_id": .string(delivery.messageID), "delivery": .string(delivery.id), "mapping": .string(mapping.name),
                "status": .string(answer.status.map(String.init) ?? "-"), "state": .string(verdict.transition.state.rawValue),
            ]
        )
    }

    /// The attempt's record: the verdict, its alerts, and the reply's effects with their
    /// messages routed (in the same transaction as the attempt, so none is lost or doubled).
    private func report(
        _ delivery: ClaimedDelivery,
        mapping: Mapping,
        url: String,
        answer: AttemptAnswer,
        verdict: AttemptVerdict,
        effects: ReplyEffects,
        timing: (startedAt: Date, duration: Double, now: Date)
    ) -> AttemptReport {
        let now = timing.now
        let response = answer.body.isEmpty ? nil : String(decoding: answer.body.prefix(hub.configuration.responseCap), as: UTF8.self)
        var report = AttemptReport(
            deliveryID: delivery.id,
            storeID: delivery.storeID,
            messageID: delivery.messageID,
            owner: owner,
            startedAt: timing.startedAt,
            duration: timing.duration,
            url: url,
            status: answer.status,
            response: response,
            error: verdict.error,
            transition: verdict.transition
        )
        report.mapping = mapping.name
        report.claimedAttempts = delivery.attempts
        report.breaker = mapping.breaker
        // Alerts are about other messages' deliveries: a hub message's own failures make none.
        if delivery.origin != .hub {
            report.alerts = HubAlerts.maker(router: hub.router, delivery: delivery, mapping: mapping.name, lastError: report.error, now: now)
        }
        report.result = effects.result
        report.parameters = effects.parameters
        let route = { (message: ReplyEffects.Message, origin: MessageOrigin) in
            self.hub.router.route(
                storeID: delivery.storeID,
                name: message.name,
                payload: message.payload,
                origin: origin,
                parentMessageID: delivery.messageID,
                parentDeliveryID: delivery.id,
                depth: effects.depth,
                now: now
            )
        }
        report.children = effects.messages.map { route($0, .reply) }
        report.notifications = effects.notifications.map { kept in
            NewNotification(
                storeID: delivery.storeID,
                messageID: delivery.messageID,
                deliveryID: delivery.id,
                mapping: mapping.name,
                notification: kept.notification,
                reference: kept.reference,
                message: kept.message.map { route($0, .notification) }
            )
        }
        return report
    }

    func record(_ report: AttemptReport) async {
        // The attempt happened; keep trying to write it down until the store takes it or we stop.
        var wait: Double = 0.05
        while true {
            do {
                try await hub.database.record(report)
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
}
