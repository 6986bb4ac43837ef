import Foundation
import IntegratorTestSupport

extension Benchmarks {
    /// Row 5, delivery throughput, in rounds as rows 1 and 2: top the backlog up, release it,
    /// time the drain, then one plain-client load beside it on the quiet machine. A drain of one
    /// 16-second window beside the median of three plain loads still moved with the minute it ran
    /// in (0.45 to 0.63 for one binary within an hour); each round's ratio pairs two loads that ran
    /// side by side, and the table gives the median round. Stops `hub` at the end.
    func addDrain(hub: RunningHub, receiver: BenchReceiver, wrk: Wrk, endpoint: String, ingestRate: Double, to table: inout BenchTable) async throws {
        let hubPID = hub.process.process.processIdentifier
        var drains: [(rate: Double, plain: Double, cpu: Double, stored: Int, seconds: Double)] = []
        for round in 1...settings.pairedRounds {
            receiver.hold()
            var stored = try await pendingCount(hub.url)
            while stored < settings.backlog {
                let needed = Double(settings.backlog - stored) / max(1000, ingestRate)
                _ = try wrk.run(
                    url: "\(hub.url)/events",
                    body: Self.pushBody,
                    headers: pushHeaders,
                    seconds: max(1, Int(needed.rounded(.up)) + 1)
                )
                stored = try await pendingCount(hub.url)
            }
            receiver.reset()
            let drainStart = ContinuousClock.now
            let drainCPU = CPUTime.of(pid: hubPID)
            receiver.release()
            while receiver.count < stored { try await Task.sleep(for: .milliseconds(5)) }
            let drainSeconds = seconds(since: drainStart)
            let cpu = (CPUTime.of(pid: hubPID) - drainCPU) / Double(max(1, stored)) * 1e6
            // The plain client on a quiet machine, as every measured load: right after the
            // drain it shared the CPU with the drain's write-back. The hub is idle by then.
            try await quiesce()
            let plainRate = try await PlainClient.postRate(
                url: endpoint,
                body: deliveryBody(),
                requests: min(stored, 50_000),
                concurrency: 64
            )
            drains.append((Double(stored) / drainSeconds, plainRate, cpu, stored, drainSeconds))
            log("round \(round) drain: \(Int(Double(stored) / drainSeconds))/s vs plain \(Int(plainRate))/s")
        }
        await hub.process.terminateAndWait()
        let drainMedian = Median(values: drains.map { $0.rate / $0.plain })
        let drain = drains[drainMedian.index]
        table.add(
            "5. Delivery: drain a backlog to a loopback receiver",
            value: "\(Int(drain.rate)) deliveries/s",
            detail: "\(drain.stored) deliveries in \(String(format: "%.1f", drain.seconds)) s; plain client \(Int(drain.plain)) req/s; "
                + String(format: "the hub's CPU %.0f µs a delivery", drain.cpu)
                + (drains.count > 1
                    ? "; the median of \(drains.count) rounds (drain and plain client side by side), whose ratios were \(drainMedian.listed)"
                    : ""),
            ratio: drain.rate / drain.plain,
            target: "≥ 0.50"
        )
        log("drain: \(Int(drain.rate))/s vs plain \(Int(drain.plain))/s")
    }
}
