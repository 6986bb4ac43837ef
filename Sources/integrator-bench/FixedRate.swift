import AsyncHTTPClient
import Foundation
import IntegratorModel
import NIOCore
import NIOHTTP1

/// Pushes at a fixed rate (open loop: a send is not held back by a slow answer, up to
/// `unansweredLimit` of them) with the send time in the payload; the receiver records each
/// arrival's delay.
///
/// Everything runs on one event loop, paced by its timer: each push's body is the order with its
/// number and send time put in (no JSON encoded a push), AsyncHTTPClient is asked for the answer on
/// that loop, and no task is made a push. A task a push, sleeping between sends, took half a core
/// at 1,000 a second on this machine, about a third of the CPU row 4 had, for a load that
/// stands in for the shops and should take as little as it can (issue 17, thirteenth session).
/// Only one loop's thread is ever busy with it; the connections are AsyncHTTPClient's pool, on
/// either loop (a connection required to be on this loop would be opened for a single request).
final class FixedRate: @unchecked Sendable {
    // Everything below is read and written on `loop` only.
    private let loop: any EventLoop
    private let client: HTTPClient
    private let url: String
    private let headers: HTTPHeaders
    /// The push body around the order's number and its send time.
    private let body: (beforeNumber: String, beforeSent: String, after: String)
    private let total: Int
    private let interval: UInt64
    private var start: UInt64 = 0
    private var next = 0
    private var outstanding = 0
    private var failure: (any Error)?
    private var finished = false
    /// Sends held back at `unansweredLimit` until an answer comes.
    private var waitingForAnswers = false
    private var acknowledged: [(sent: UInt64, acknowledged: UInt64)] = []
    private let done: EventLoopPromise<Void>

    /// At most this many pushes unanswered; past it the client waits for answers before it sends
    /// more (late, and timed from when they are sent). A hub slower than the rate (a debug build,
    /// a loaded machine) would otherwise pile requests up in the connection pool until they time
    /// out there.
    private static let unansweredLimit = 1000
    private static let numberSlot = "LNUMBERSLOT"
    private static let sentSlot: Int64 = 987_654_321_987_654_321

    private init(url: String, headers: [String: String], rate: Int, seconds: Int) throws {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        loop = HTTPClient.defaultEventLoopGroup.next()
        self.url = url
        var fields = HTTPHeaders()
        for (name, value) in headers { fields.add(name: name, value: value) }
        self.headers = fields
        guard var document = try JSONValue.parse(Benchmarks.pushBody).objectValue, var payload = document["payload"]?.objectValue,
            var order = payload["order"]?.objectValue
        else { throw BenchError("the push body has no payload.order") }
        order["number"] = .string(Self.numberSlot)
        order["sent_ns"] = .int(Self.sentSlot)
        payload["order"] = .object(order)
        document["payload"] = .object(payload)
        let text = JSONValue.object(document).jsonString
        let aroundNumber = text.components(separatedBy: Self.numberSlot)
        let aroundSent = aroundNumber.count == 2 ? aroundNumber[1].components(separatedBy: String(Self.sentSlot)) : []
        guard aroundSent.count == 2 else { throw BenchError("the push body's slots for the number and send time did not split it") }
        body = (aroundNumber[0], aroundSent[0], aroundSent[1])
        total = rate * seconds
        interval = 1_000_000_000 / UInt64(max(1, rate))
        done = loop.makePromise()
    }

    /// Posts `rate` pushes a second for `seconds`, each stamped with its send time, and returns
    /// when each was sent, acknowledged and delivered.
    static func run(url: String, headers: [String: String], rate: Int, seconds: Int, receiver: BenchReceiver) async throws -> [PushTiming] {
        let pacer = try FixedRate(url: url, headers: headers, rate: rate, seconds: seconds)
        defer { _ = pacer.client.shutdown() }
        receiver.reset()
        receiver.startLatencies()
        pacer.loop.execute {
            pacer.acknowledged.reserveCapacity(pacer.total)
            pacer.start = Monotonic.nanoseconds()
            pacer.fire()
        }
        try await pacer.done.futureResult.get()
        let (acknowledged, failure) = try await pacer.loop.submit { (pacer.acknowledged, pacer.failure) }.get()
        if let failure { throw failure }
        let deadline = ContinuousClock.now + .seconds(30)
        while receiver.arrivals().count < pacer.total, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        let arrivals = receiver.arrivals()
        return acknowledged.map { PushTiming(sent: $0.sent, acknowledged: $0.acknowledged, delivered: arrivals[$0.sent]) }
    }

    /// Sends every push that is due (all of them late, if the loop was held up: the load is
    /// open) while fewer than `unansweredLimit` are unanswered, then sets the timer for the next,
    /// or, at the limit, leaves the next send to the next answer.
    private func fire() {
        let now = Monotonic.nanoseconds()
        while next < total, outstanding < Self.unansweredLimit, start + UInt64(next) * interval <= now {
            send(next)
            next += 1
        }
        if next >= total {
            finishIfAnswered()
        } else if outstanding >= Self.unansweredLimit {
            waitingForAnswers = true
        } else {
            let wait = Int64(start + UInt64(next) * interval) - Int64(Monotonic.nanoseconds())
            loop.scheduleTask(in: .nanoseconds(max(0, wait))) { self.fire() }
        }
    }

    private func finishIfAnswered() {
        guard next >= total, outstanding == 0, !finished else { return }
        finished = true
        done.succeed()
    }

    private func send(_ index: Int) {
        let sent = Monotonic.nanoseconds()
        let text = body.beforeNumber + "L\(index)" + body.beforeSent + "\(sent)" + body.after
        do {
            let request = try HTTPClient.Request(url: url, method: .POST, headers: headers, body: .byteBuffer(ByteBuffer(string: text)))
            outstanding += 1
            client.execute(request: request, eventLoop: .delegate(on: loop), deadline: .now() + .seconds(30)).whenComplete { result in
                let answered = Monotonic.nanoseconds()
                self.outstanding -= 1
                switch result {
                case .success: self.acknowledged.append((sent, answered))
                case .failure(let error): self.failure = self.failure ?? error
                }
                if self.waitingForAnswers, self.outstanding < Self.unansweredLimit {
                    self.waitingForAnswers = false
                    self.fire()
                }
                self.finishIfAnswered()
            }
        } catch {
            failure = failure ?? error
        }
    }
}
