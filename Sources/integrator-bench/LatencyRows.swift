import Foundation
import NIOHTTP1

/// Rows 4 and 13: pushes at a fixed rate, how long each took to be acknowledged and delivered,
/// and the floors beside them (the disk's fdatasync and a bare loopback hop at the same pace).
extension Benchmarks {
    /// The pushes of a latency run at the latency row's rate: one second first, not counted
    /// (connections open, caches fill), then the measured run.
    func latencies(url: String, receiver: BenchReceiver) async throws -> [PushTiming] {
        _ = try await FixedRate.run(url: url, headers: pushHeaders, rate: settings.rate, seconds: 1, receiver: receiver)
        let measured = try await FixedRate.run(
            url: url,
            headers: pushHeaders,
            rate: settings.rate,
            seconds: settings.latencySeconds,
            receiver: receiver
        )
        return measured
    }

    /// A latency row: p99 against the 5 ms target, with p50, p99.9 and the worst, and the two
    /// halves of a push's way: sent → acknowledged (the hub's ingest: read, route, commit, fsync)
    /// and acknowledged → delivered (wake, claim, send).
    func addLatency(_ pushes: [PushTiming], row: String, to table: inout BenchTable) {
        let sorted = pushes.compactMap(\.endToEnd).sorted()
        let acknowledgement = pushes.map(\.acknowledgement).sorted()
        let afterwards = pushes.compactMap(\.afterAcknowledgement).sorted()
        table.add(
            "\(row): push sent → delivery received, \(settings.rate)/s for \(settings.latencySeconds) s",
            value: "p99 \(ms(percentile(sorted, 0.99)))",
            detail: "p50 \(ms(percentile(sorted, 0.5))), p99.9 \(ms(percentile(sorted, 0.999))), max \(ms(sorted.last ?? .nan)); "
                + "\(sorted.count) delivered; sent → acknowledged \(tail(acknowledgement)); acknowledged → delivered \(tail(afterwards)); "
                + Self.stalls(pushes, over: max(10, 3 * percentile(sorted, 0.5))),
            ratio: percentile(sorted, 0.99) / 5,
            target: "p99 ≤ 5 ms"
        )
    }

    /// When the slow pushes were sent: a tail made of a few bursts (a stall that held every push
    /// in flight) reads differently from one spread evenly over the run. Slow is over 10 ms, or
    /// over three times the median where that is more (PostgreSQL's median is about 20 ms).
    static func stalls(_ pushes: [PushTiming], over threshold: Double) -> String {
        guard let first = pushes.map(\.sent).min() else { return "no pushes" }
        let slow = pushes.filter { ($0.endToEnd ?? .infinity) > threshold }.map { Double($0.sent &- first) / 1e9 }.sorted()
        var bursts: [(start: Double, count: Int)] = []
        for second in slow {
            if let last = bursts.last, second - last.start < 0.5 {
                bursts[bursts.count - 1].count += 1
            } else {
                bursts.append((second, 1))
            }
        }
        let shown = bursts.prefix(8).map { String(format: "%.1f s (%d)", $0.start, $0.count) }.joined(separator: ", ")
        return "\(slow.count) over \(String(format: "%.0f", threshold)) ms in \(bursts.count) bursts" + (bursts.isEmpty ? "" : " at \(shown)")
    }

    /// Row 4's floors, measured right after it at the same pace: the disk's fdatasync of a 4 KB
    /// append for as long as row 4 ran, and a bare loopback hop (the same client posting to the
    /// receiver directly); and where the hub's commits spent their time, from its `/metrics`.
    func addLatencyBaselines(
        stages: [(stage: String, p99: Double, p999: Double, count: Int, over10ms: Int)],
        receiverURL: String,
        receiver: BenchReceiver,
        to table: inout BenchTable
    ) async throws {
        try await quiesce()
        // As long as row 4 itself: the disk's own stalls (10 to 80 ms, a few in 30 s on this
        // machine's virtual disk) are rare enough that five seconds missed them.
        let syncs = try Disk.pacedSyncLatencies(in: settings.folder, rate: settings.rate, count: settings.rate * settings.latencySeconds)
        let hops = try await FixedRate.run(url: receiverURL, headers: [:], rate: settings.rate, seconds: 5, receiver: receiver)
            .map(\.acknowledgement).sorted()
        let commit = stages.map { "\($0.stage) p99 ≤ \(ms($0.p99)), p99.9 ≤ \(ms($0.p999)), \($0.over10ms) over 10 ms" }.joined(separator: "; ")
        table.add(
            "4b. Row 4's floors at \(settings.rate)/s, and the hub's commit stages during it",
            value: "fdatasync p99 \(ms(percentile(syncs, 0.99)))",
            detail: "fdatasync of a 4 KB append \(tail(syncs)), max \(ms(syncs.last ?? .nan)), \(syncs.count { $0 > 10 }) over 10 ms; "
                + "loopback hop \(tail(hops)); "
                + "commit stages (\(stages.first?.count ?? 0) writes): \(commit)",
            ratio: percentile(syncs, 0.99) / 5,
            target: "of row 4's 5 ms"
        )
    }
}

/// p50, p99 and p99.9 of sorted milliseconds.
func tail(_ sorted: [Double]) -> String {
    "p50 \(ms(percentile(sorted, 0.5))), p99 \(ms(percentile(sorted, 0.99))), p99.9 \(ms(percentile(sorted, 0.999)))"
}
