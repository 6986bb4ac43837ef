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
        let stopping = SharedFlag()
        let limit = hub.configuration.deliveryConcurrency
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                while !stopping.isSet && !Task.isCancelled {
                    let free = limit - inFlight.value
                    var claimed: [ClaimedDelivery] = []
                    if free > 0 {
                        do {
                            claimed = try await hub.store.claim(
                                owner: owner, now: hub.clock.now(), limit: free, limits: perMapping.limits(cap: inFlightCap), lease: lease)
                        } catch {
                            hub.logger.error("claiming deliveries failed: \(error)")
                        }
                    }
                    for delivery in claimed {
                        let key = MappingKey(storeID: delivery.storeID, mapping: delivery.mapping)
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
                        await hub.doorbell.wait(upTo: hub.configuration.pollInterval)
                    }
                }
            }
        } onGracefulShutdown: {
            stopping.set()
            hub.doorbell.ring()
        }
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
                            "the reply held \(reply.messages.count) message(s) at depth \(childDepth), past the limit of \(hub.configuration.maxMessageDepth); a mapping may be answering its own messages in a loop"
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

    private func record(_ report: AttemptReport) async {
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

    /// The largest response body read; past it the attempt fails (its reply is not applied).
    static let responseLimit = 4 << 20

    /// The hop header: how many deliveries deep the message this request carries is. The hub
    /// reads it on every push, so a mapping whose URL is the hub's own push API counts toward
    /// the same depth limit as reply chains and ends.
    static let hopsHeader = "X-Integrator-Hops"

    /// The HTTP request of one attempt, signed with the hub's clock.
    static func request(_ delivery: ClaimedDelivery, mapping: Mapping, url: String, parameters: [Parameter], now: Date) throws -> HTTPClientRequest {
        // A transform makes the payload from the message; the protocol's fields stay.
        var delivery = delivery
        if let transform = mapping.transform {
            delivery.payload = transform.apply(message: delivery.messageName, id: delivery.messageID, payload: delivery.payload)
        }
        let body =
            mapping.wireProtocol == .v6
            ? v6RequestBody(delivery, parameters: parameters, transformed: mapping.transform != nil)
            : requestBody(delivery, parameters: parameters)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        if mapping.wireProtocol == .v6 {
            // As Wombat sent them; X-Augury-Token too, which endpoint_base checked in the first
            // weeks of v6 (February to March 2014).
            request.headers.add(name: "X-Hub-Token", value: mapping.token)
            request.headers.add(name: "X-Augury-Token", value: mapping.token)
            request.headers.add(name: "X-Hub-Store", value: delivery.storeID)
        } else {
            request.headers.add(name: "X-Augury-Token", value: mapping.token)
        }
        request.headers.add(name: "X-Integrator-Delivery", value: delivery.id)
        request.headers.add(name: hopsHeader, value: String(delivery.depth + 1))
        request.headers.add(name: "User-Agent", value: "Integrator")
        if !mapping.signingSecrets.isEmpty {
            // Standard Webhooks: the delivery id is stable across retries, so receivers can dedupe.
            let timestamp = Int64(Timestamp.clamped(now).timeIntervalSince1970)
            request.headers.add(name: "webhook-id", value: delivery.id)
            request.headers.add(name: "webhook-timestamp", value: String(timestamp))
            request.headers.add(
                name: "webhook-signature",
                value: try WebhookSignature.sign(id: delivery.id, timestamp: timestamp, body: body, secrets: mapping.signingSecrets))
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        return request
    }

    /// What one HTTP exchange gave: a status, the whole body, a `Retry-After`, or why it failed.
    struct AttemptCall: Sendable {
        var status: Int?
        var body: [UInt8] = []
        var retryAfter: Double?
        var failure: AttemptFailure?
    }

    /// Why an exchange gave no usable answer.
    enum AttemptFailure: Sendable, Equatable {
        /// Connecting, the head and the whole body took longer than the mapping's timeout.
        case timeout
        case bodyTooLarge(cap: Int)
        case bodyCutShort(String)
        case requestNotMade(String)
        case transport(String)
        /// `--delivery-targets` refuses the host or an address it resolves to.
        case targetRefused(String)

        /// The attempt's error in words a person can act on.
        func describe(url: String, timeout: Double) -> String {
            switch self {
            case .timeout:
                return "no complete answer from \(url) within the mapping's timeout of \(timeout) s (connecting, the head and the whole body count)"
            case .bodyTooLarge(let cap): return "the response body was larger than the limit of \(cap) bytes; the reply was not applied"
            case .bodyCutShort(let why): return "the response body was cut short (\(why)); the reply was not applied"
            case .requestNotMade(let why): return "the request could not be made: \(why)"
            case .targetRefused(let why): return "not delivered to \(url): \(why)"
            case .transport(let why):
                if why.contains("refused") || why.contains("connect") { return "could not connect to \(url): \(why)" }
                return "the request to \(url) failed: \(why)"
            }
        }
    }

    /// Sends `request` and reads the whole answer, all within `timeout` seconds: connecting,
    /// the head and the body. A stalled or trickling body ends at the timeout like a silent
    /// server; a body cut short or over `cap` is a failure too.
    static func send(_ request: HTTPClientRequest, client: HTTPClient, targets: TargetGuard, timeout: Double, cap: Int) async -> AttemptCall {
        let seconds = min(max(timeout.isFinite ? timeout : Mapping.defaultTimeout, 0.001), Mapping.maximumTimeout)
        let milliseconds = Int64(seconds * 1000)
        // The client's own deadline covers connecting and the head; the timer below, the body.
        let deadline = NIODeadline.now() + .milliseconds(milliseconds)
        var call = AttemptCall()
        do {
            call = try await withThrowingTaskGroup(of: AttemptCall?.self) { group in
                group.addTask {
                    // Resolving and checking the target is part of the attempt, under its timer.
                    let chosen = try await targets.client(for: request.url, standard: client)
                    let response = try await chosen.execute(request, deadline: deadline)
                    let status = Int(response.status.code)
                    var call = AttemptCall(status: status)
                    if status == 429 || status == 503, let header = response.headers.first(name: "Retry-After"),
                        let value = Double(header.prefix(32)), value.isFinite, value >= 0
                    {
                        call.retryAfter = value
                    }
                    do {
                        var collected = try await response.body.collect(upTo: cap)
                        call.body = collected.readBytes(length: collected.readableBytes) ?? []
                    } catch is NIOTooManyBytesError {
                        call.failure = .bodyTooLarge(cap: cap)
                    } catch {
                        call.failure = .bodyCutShort("\(error)")
                    }
                    return call
                }
                group.addTask {
                    try await Task.sleep(until: .now + .milliseconds(milliseconds), clock: .continuous)
                    return nil
                }
                defer { group.cancelAll() }
                // The first to finish decides: the exchange, or the timer (nil).
                guard case let finished?? = try await group.next() else { return AttemptCall(failure: .timeout) }
                return finished
            }
        } catch let error as TargetRefused {
            call.failure = .targetRefused(error.description)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            call.failure = .timeout
        } catch {
            call.failure = .transport("\(error)")
        }
        return call
    }

    /// The parameter every delivery carries with the store's id: endpoint_base's `store_id`
    /// helper reads it. No store parameter may take its name.
    static let storeIDParameter = "store_id"

    /// The request the original hub sent: the message, its id, the store's id, and the payload
    /// with the store parameters the mapping names as a `[{name, value}]` list, `store_id` first.
    static func requestBody(_ delivery: ClaimedDelivery, parameters: [Parameter]) -> Data {
        var payload = delivery.payload.objectValue ?? [:]
        let listed = [Parameter(name: storeIDParameter, value: .string(delivery.storeID))] + parameters.filter { $0.name != storeIDParameter }
        payload["parameters"] = .array(listed.map { .object(["name": .string($0.name), "value": $0.value]) })
        return JSONValue.object([
            "message": .string(delivery.messageName), "message_id": .string(delivery.messageID), "store_id": .string(delivery.storeID),
            "payload": .object(payload),
        ]).encoded()
    }

    /// The v6 request as Wombat sent it: `{request_id, parameters: {name: value}, <type>: {...}}`.
    /// A message that carries an object (`order` for `order:new`) sends exactly that object under
    /// its type: `original`, `previous` and `diff` belong to the v5 payload only. A message with
    /// no object (a poll), or whose mapping transforms it, sends its payload's fields at the top level.
    static func v6RequestBody(_ delivery: ClaimedDelivery, parameters: [Parameter], transformed: Bool = false) -> Data {
        let payload = delivery.payload.objectValue ?? [:]
        let type = String(delivery.messageName.prefix { $0 != ":" })
        var fields: [String: JSONValue]
        if !transformed, let object = payload[type], case .object = object {
            fields = [type: object]
        } else {
            fields = payload
            fields["v6"] = nil
        }
        fields["request_id"] = .string(delivery.id)
        var named = Dictionary(parameters.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
        named[storeIDParameter] = .string(delivery.storeID)
        fields["parameters"] = .object(named)
        return JSONValue.object(fields).encoded()
    }

    /// A relative `update_url` inherits the original base URL. (The reply reader has already
    /// refused one that is not http or https; `deliver` checks the stored URL again.)
    static func resolve(_ updateURL: String?, against base: String) -> String {
        guard let updateURL, !updateURL.isEmpty else { return base }
        if let absolute = URL(string: updateURL), absolute.scheme != nil { return updateURL }
        return URL(string: updateURL, relativeTo: URL(string: base))?.absoluteString ?? base
    }

    /// What to search a message's notifications by: its order, shipment, product or user.
    static func reference(of payload: JSONValue) -> String? {
        let candidates = [
            payload["order"]?["number"], payload["shipment"]?["number"], payload["shipment_number"], payload["product"]?["sku"],
            payload["user"]?["email"], payload["order_number"], payload["number"],
        ]
        return candidates.compactMap { $0 }.first { $0 != .null }.map(\.comparableText)
    }
}

/// A count shared between the loop and the attempts it starts.
final class SharedCounter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func add(_ delta: Int) { count.withLock { $0 += delta } }
}

/// A flag set once, from the graceful-shutdown handler.
final class SharedFlag: Sendable {
    private let flag = Mutex(false)
    var isSet: Bool { flag.withLock { $0 } }
    func set() { flag.withLock { $0 = true } }
}

/// Attempts under way per mapping in this process, for `options.max_in_flight`.
final class InFlightTable: Sendable {
    private let counts = Mutex<[MappingKey: Int]>([:])

    func add(_ key: MappingKey, _ delta: Int) {
        counts.withLock { counts in
            let value = counts[key, default: 0] + delta
            counts[key] = value > 0 ? value : nil
        }
    }

    /// The limits of the next claim: mappings at their cap left out, the others' room.
    func limits(cap: @escaping @Sendable (MappingKey) -> Int) -> ClaimLimits {
        let snapshot = counts.withLock { $0 }
        let full = snapshot.filter { $0.value >= cap($0.key) }.map(\.key)
        return ClaimLimits(full: full) { key in cap(key) - snapshot[key, default: 0] }
    }
}

extension Duration {
    /// The duration in seconds, for attempt durations and what is left of a timeout.
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
