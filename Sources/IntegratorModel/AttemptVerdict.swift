import Foundation

/// Why an exchange gave no usable answer.
public enum AttemptFailure: Sendable, Equatable {
    /// Connecting, the head and the whole body took longer than the mapping's timeout.
    case timeout
    case bodyTooLarge(cap: Int)
    case bodyCutShort(String)
    case requestNotMade(String)
    case transport(String)
    /// `--delivery-targets` refuses the host or an address it resolves to.
    case targetRefused(String)

    /// The attempt's error in words a person can act on.
    public func describe(url: String, timeout: Double) -> String {
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

/// What one HTTP exchange gave: a status and its reason phrase, the whole body, a
/// `Retry-After`, or why it failed.
public struct AttemptAnswer: Sendable, Equatable {
    public var status: Int?
    public var reasonPhrase: String
    public var body: [UInt8]
    public var retryAfter: Double?
    public var failure: AttemptFailure?

    public init(status: Int? = nil, reasonPhrase: String = "", body: [UInt8] = [], retryAfter: Double? = nil, failure: AttemptFailure? = nil) {
        self.status = status
        self.reasonPhrase = reasonPhrase
        self.body = body
        self.retryAfter = retryAfter
        self.failure = failure
    }

    /// The wait a `Retry-After` header asks for, in seconds: read on 429 and 503 only, as a
    /// finite, non-negative number (the retry policy bounds it).
    public static func retryAfter(status: Int, header: String?) -> Double? {
        guard status == 429 || status == 503, let header, let value = Double(header.prefix(32)), value.isFinite, value >= 0 else { return nil }
        return value
    }
}

/// What the hub makes of an attempt's answer: whether it succeeded, the reply it takes (none
/// unless it succeeded), the error to record, and what the delivery becomes. Pure; the named
/// steps of `judge` are each a rule of the protocol.
public struct AttemptVerdict: Sendable {
    public var succeeded: Bool
    /// The reply as read: empty when the answer was not whole or was refused. Its notifications
    /// are kept whatever the status (as the original hub kept them); the rest is applied only
    /// when the attempt succeeded.
    public var reply: EndpointReply
    /// The attempt's error as recorded, nil on success.
    public var error: String?
    public var transition: DeliveryTransition

    /// Judges `answer` to an attempt at `url`, the `attempt`-th (counting from 1), at `now`.
    /// `random` (0 ..< 1) spreads the retry's jitter; `targets` judges a reply's `update_url`.
    public static func judge(
        _ answer: AttemptAnswer,
        url: String,
        mapping: Mapping,
        attempt: Int,
        targets: DeliveryTargets,
        now: Date,
        random: Double
    ) -> AttemptVerdict {
        var failure = answer.failure?.describe(url: url, timeout: mapping.timeout)
        // A reply is applied only when it arrived whole: a body cut short, over the cap, or past
        // the timeout makes the attempt a failure, with nothing of its reply taken.
        var reply = EndpointReply()
        if failure == nil { reply = mapping.wireProtocol == .v6 ? EndpointReply.readV6(answer.body) : EndpointReply.read(answer.body) }
        // The original hub took only 200; Wombat and cangaroo took 200 to 204.
        let accepted = mapping.wireProtocol == .v6 ? (200...204).contains(answer.status ?? 0) : answer.status == 200
        var succeeded = failure == nil && accepted
        if succeeded, let refusal = reply.refusal ?? updateURLRefusal(reply, base: url, targets: targets) {
            succeeded = false
            failure = "the endpoint answered \(answer.status ?? 0), but \(refusal)"
            reply = EndpointReply()
        }
        let outcome: AttemptOutcome
        if succeeded {
            outcome = reply.delay.map { .later(delay: $0, updateURL: DeliveryRequest.resolve(reply.updateURL, against: url)) } ?? .success
        } else {
            outcome = .failure(retryAfter: answer.retryAfter)
            if failure == nil, let status = answer.status {
                let detail = reply.result["error"]?.comparableText ?? reply.result["summary"]?.comparableText
                failure = "the endpoint answered \(status) \(answer.reasonPhrase)" + (detail.map { ": \($0.prefix(500))" } ?? "")
            }
        }
        let policy = RetryPolicy(schedule: mapping.retrySchedule ?? RetryPolicy.defaultSchedule)
        var transition = DeliveryTransition.after(
            outcome,
            attempt: attempt,
            retriesAllowed: mapping.retriesAllowed,
            policy: policy,
            now: now,
            random: random
        )
        var error = failure
        if case .targetRefused? = answer.failure {
            // A target the operator refuses stays refused: retrying cannot help.
            transition = DeliveryTransition(state: .parked)
            error = (failure ?? "") + "; parked, since retrying cannot help"
        } else if transition.state == .parked, let failure {
            error = failure + (mapping.retriesAllowed ? "; no retry left, parked" : "; retries are not allowed for this mapping, parked")
        }
        // A paused mapping's delivery waits, whatever it would have waited for.
        if mapping.paused, transition.state == .failing || transition.state == .scheduled { transition.state = .paused }
        return AttemptVerdict(succeeded: succeeded, reply: reply, error: error, transition: transition)
    }

    /// Why a reply's `update_url` is refused by `--delivery-targets`, where its host tells.
    static func updateURLRefusal(_ reply: EndpointReply, base: String, targets: DeliveryTargets) -> String? {
        guard reply.delay != nil, let updateURL = reply.updateURL, !updateURL.isEmpty else { return nil }
        return targets.refusal(url: DeliveryRequest.resolve(updateURL, against: base)).map { "its update_url is refused: \($0)" }
    }
}
