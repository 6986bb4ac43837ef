import Foundation
import Hummingbird
import IntegratorModel
import Logging
import NIOCore
import Synchronization

/// The loopback endpoint of the benchmarks: answers 200 at once (or holds every request until
/// released, to build a backlog), counts what arrives, and for latency runs reads the push's
/// send time from the payload and records the arrival delay.
final class BenchReceiver: Sendable {
    private let state = Mutex(State())
    private struct State {
        var count = 0
        var held: [CheckedContinuation<Void, Never>] = []
        var holding = false
        /// Arrival time by the push's send time, for latency runs.
        var arrivals: [UInt64: UInt64] = [:]
        var recordLatency = false
    }

    var count: Int { state.withLock { $0.count } }

    /// Holds every request until `release()`.
    func hold() { state.withLock { $0.holding = true } }

    func release() {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.holding = false
            defer { state.held = [] }
            return state.held
        }
        for continuation in waiting { continuation.resume() }
    }

    func startLatencies() {
        state.withLock {
            $0.recordLatency = true
            $0.arrivals = [:]
        }
    }
    /// When each push of a latency run arrived (CLOCK_MONOTONIC ns), by its `sent_ns`.
    func arrivals() -> [UInt64: UInt64] { state.withLock { $0.arrivals } }
    func reset() { state.withLock { $0.count = 0 } }

    /// The digits after the first `"sent_ns":` of a body (the push's send time, which the hub
    /// passes on in the payload as sent), read without parsing the JSON around it. A plain loop
    /// over a copied array: the standard library's generic `firstRange(of:)` over the body's view
    /// took the bench about 1 ms of CPU more a thousand deliveries (row 4, `schedstat`).
    static func sentStamp(in body: some Collection<UInt8>) -> UInt64? {
        let key = Array(#""sent_ns":"#.utf8)
        let bytes = Array(body)
        guard bytes.count >= key.count else { return nil }
        var index = 0
        while index + key.count <= bytes.count {
            if bytes[index] == key[0], bytes[index..<index + key.count].elementsEqual(key) { break }
            index += 1
        }
        index += key.count
        while index < bytes.count, bytes[index] == UInt8(ascii: " ") { index += 1 }
        var value: UInt64 = 0
        var digits = 0
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9"), digits < 19 {
            value = value * 10 + UInt64(bytes[index] - UInt8(ascii: "0"))
            digits += 1
            index += 1
        }
        return digits > 0 ? value : nil
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("**") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 16 << 20)
            let arrived = Monotonic.nanoseconds()
            let (holding, recordLatency) = self.state.withLock { ($0.holding, $0.recordLatency) }
            if recordLatency, let sent = Self.sentStamp(in: body.readableBytesView), sent > 0 {
                self.state.withLock { $0.arrivals[sent] = arrived }
            }
            if holding {
                await withCheckedContinuation { continuation in
                    let stillHolding = self.state.withLock { state -> Bool in
                        if state.holding { state.held.append(continuation) }
                        return state.holding
                    }
                    if !stillHolding { continuation.resume() }
                }
            }
            self.state.withLock { $0.count += 1 }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        return router
    }
}

/// CLOCK_MONOTONIC in nanoseconds: one clock for every process on the machine.
enum Monotonic {
    static func nanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}
