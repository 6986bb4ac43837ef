import CoreMetrics
import Foundation
import IntegratorStore
import Prometheus
import Synchronization

/// The hub's metrics, made through swift-metrics with a Prometheus factory of the hub's own,
/// so several hubs in one process (tests, `integrator demo`) keep separate figures and nothing
/// depends on a process-wide bootstrap.
public final class HubMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let ingested: CoreMetrics.Counter
    private let succeeded: CoreMetrics.Counter
    private let latency: CoreMetrics.Timer
    private let failuresByMapping = Mutex<[String: CoreMetrics.Counter]>([:])
    private let queueDepth = Mutex<[String: CoreMetrics.Gauge]>([:])
    private let breakers = Mutex<[String: CoreMetrics.Gauge]>([:])
    private let commits: CoreMetrics.Counter
    private let writes: CoreMetrics.Counter
    private let committed = Mutex<(transactions: Int, writes: Int)>((0, 0))
    private let commitStages: [CommitStage: CoreMetrics.Timer]

    /// Failures are counted per store and mapping; past this many series the rest share
    /// `mapping="other"`, so a misbehaving configuration cannot blow up the scrape.
    static let mappingSeriesLimit = 500

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30),
        ]
        // The stages of a commit take from a tenth of a millisecond; the tail is what matters.
        factory.durationHistogramBuckets[Self.commitStageLabel] = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
        ]
        self.factory = factory
        commitStages = Dictionary(
            uniqueKeysWithValues: CommitStage.allCases.map {
                ($0, Timer(label: Self.commitStageLabel, dimensions: [("stage", $0.rawValue)], factory: factory))
            }
        )
        ingested = Counter(label: "integrator_messages_ingested_total", factory: factory)
        succeeded = Counter(label: "integrator_deliveries_succeeded_total", factory: factory)
        latency = Timer(label: "integrator_delivery_latency_seconds", factory: factory)
        commits = Counter(label: "integrator_store_commits_total", factory: factory)
        writes = Counter(label: "integrator_store_writes_total", factory: factory)
    }

    /// Brings the group-commit counters up to the store's figures: transactions (one fsync
    /// each on SQLite) and the writes they carried.
    func setGroupCommits(_ statistics: (transactions: Int, writes: Int)) {
        let delta = committed.withLock { last -> (Int, Int) in
            defer { last = statistics }
            return (max(0, statistics.transactions - last.transactions), max(0, statistics.writes - last.writes))
        }
        commits.increment(by: delta.0)
        writes.increment(by: delta.1)
    }

    /// `integrator_store_commit_seconds{stage}`: how long durable writes spent queued for their
    /// batch, writing it and committing it (see `CommitStage`).
    static let commitStageLabel = "integrator_store_commit_seconds"

    func commitStage(_ stage: CommitStage, _ duration: Duration) {
        commitStages[stage]?.recordSeconds(duration.inSeconds)
    }

    /// Messages accepted and stored, pushed or made by replies and schedulers.
    func messagesIngested(_ count: Int) {
        ingested.increment(by: count)
    }

    /// One delivery attempt: how long the endpoint took, and whether it failed.
    func attempt(storeID: String, mapping: String, seconds: Double, failed: Bool) {
        latency.recordNanoseconds(Int64(seconds * 1e9))
        if failed { failureCounter(storeID: storeID, mapping: mapping).increment() } else { succeeded.increment() }
    }

    private func failureCounter(storeID: String, mapping: String) -> CoreMetrics.Counter {
        failuresByMapping.withLock { counters in
            let key = "\(storeID)\u{0}\(mapping)"
            if let counter = counters[key] { return counter }
            let overflow = counters.count >= Self.mappingSeriesLimit
            let labels = overflow ? [("store", "other"), ("mapping", "other")] : [("store", storeID), ("mapping", mapping)]
            let counter = Counter(label: "integrator_delivery_failures_total", dimensions: labels, factory: factory)
            if !overflow { counters[key] = counter }
            return counter
        }
    }

    /// Sets the queue-depth gauges from the store's counts, summed over stores.
    func setQueueDepth(_ counts: [String: Int]) {
        queueDepth.withLock { gauges in
            for (state, count) in counts {
                let gauge = gauges[state] ?? Gauge(label: "integrator_queue_depth", dimensions: [("state", state)], factory: factory)
                gauges[state] = gauge
                gauge.record(count)
            }
        }
    }

    /// Sets `integrator_mapping_breaker_open{store,mapping}`: 1 while the breaker is open or
    /// half-open, 0 once closed. Series are bounded like the failure counters.
    func setBreakers(_ states: [(storeID: String, mapping: String, open: Bool)]) {
        breakers.withLock { gauges in
            for state in states {
                let key = "\(state.storeID)\u{0}\(state.mapping)"
                if gauges[key] == nil, gauges.count >= Self.mappingSeriesLimit { continue }
                let gauge =
                    gauges[key]
                    ?? Gauge(
                        label: "integrator_mapping_breaker_open",
                        dimensions: [("store", state.storeID), ("mapping", state.mapping)],
                        factory: factory
                    )
                gauges[key] = gauge
                gauge.record(state.open ? 1 : 0)
            }
        }
    }

    /// The Prometheus text exposition of every metric.
    func exposition() -> String {
        registry.emitToString()
    }
}
