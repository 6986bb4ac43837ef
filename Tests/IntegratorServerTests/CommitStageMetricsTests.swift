import Foundation
import IntegratorModel
import IntegratorServer
import IntegratorTestSupport
import NIOHTTP1
import Testing

/// `/metrics` says where durable writes spend their time, so a slow push can be traced to the
/// queue before its batch, the batch's statements or the commit and its fsync.
@Suite struct CommitStageMetricsTests {
    @Test(arguments: TestBackend.all) func everyStageOfACommitIsTimedInTheMetrics(backend: TestBackend) async throws {
        try await TestHub.run(backend: backend) { hub in
            #expect(try await hub.push(["message": "order:new", "payload": ["order": ["number": "R1"]]]).status == 202)
            let metrics = try await call(.GET, "\(hub.url)/metrics").body.stringValue ?? ""
            for stage in ["queued", "written", "synced"] {
                let count = metrics.split(separator: "\n").first { $0.hasPrefix("integrator_store_commit_seconds_count{stage=\"\(stage)\"}") }
                let value = count.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
                #expect(value >= 1, "stage \(stage): \(count ?? "missing")")
                // Fine buckets: a commit is timed in tenths of a millisecond, not only in the delivery histogram's.
                #expect(metrics.contains("integrator_store_commit_seconds_bucket{stage=\"\(stage)\",le=\"0.0001\"}"))
            }
        }
    }
}
