import AsyncHTTPClient
import Foundation
import IntegratorModel
import IntegratorTestSupport
import NIOCore
import NIOHTTP1

/// Row 9: a steady push rate with a short retention for several minutes. Pruning, the WAL's
/// checkpoints and freed-page reuse must hold the database, its WAL and the process's memory
/// level: their averages over the last third of the run are compared with the middle third's
/// (the first third fills up to the retention).
enum SoakBench {
    struct Sample {
        var seconds: Double
        var databaseBytes: Int
        var walBytes: Int
        var residentMB: Int
        /// Resident heap and stacks, mapped files, shared memory (MB).
        var parts: (anonymous: Int, files: Int, shared: Int)
        var messages: Int
    }

    struct Result {
        var samples: [Sample]
        var pushed: Int
        var failed: Int
        /// Last third ÷ middle third.
        var diskRatio: Double
        var memoryRatio: Double
        var middleDiskMB: Double
        var middleMemoryMB: Double
        var peakWALMB: Double
    }

    static func run(
        hub: Benchmarks.RunningHub,
        database: String,
        headers: [String: String],
        rate: Int,
        seconds duration: Int,
        messages: @escaping () async -> Int
    ) async throws -> Result {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 16
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        defer { _ = client.shutdown() }
        let body = ByteBuffer(string: Benchmarks.pushBody)
        let total = rate * duration
        let interval = 1_000_000_000 / UInt64(max(rate, 1))
        let start = Monotonic.nanoseconds()
        let failures = Locked(0)
        var samples: [Sample] = []
        var nextSample = 0.0
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<total {
                let due = start + UInt64(index) * interval
                let now = Monotonic.nanoseconds()
                if due > now { try await Task.sleep(nanoseconds: due - now) }
                let elapsed = Double(Monotonic.nanoseconds() - start) / 1e9
                if elapsed >= nextSample {
                    samples.append(
                        Sample(
                            seconds: elapsed,
                            databaseBytes: size(database),
                            walBytes: size(database + "-wal"),
                            residentMB: Memory.of(pid: hub.process.process.processIdentifier).rss,
                            parts: Memory.parts(pid: hub.process.process.processIdentifier),
                            messages: await messages()
                        )
                    )
                    nextSample += 2
                }
                group.addTask {
                    var request = HTTPClientRequest(url: "\(hub.url)/events")
                    request.method = .POST
                    for (name, value) in headers { request.headers.add(name: name, value: value) }
                    request.body = .bytes(body)
                    let response = try await client.execute(request, timeout: .seconds(30))
                    _ = try await response.body.collect(upTo: 1 << 20)
                    if response.status.code != 202 { failures.update { $0 += 1 } }
                }
                if index % 1000 == 999 { while (try await group.next()) != nil {} }
            }
            try await group.waitForAll()
        }
        let third = samples.count / 3
        let middle = samples[third..<(2 * third)]
        let last = samples[(2 * third)...]
        func mean(_ part: ArraySlice<Sample>, _ value: (Sample) -> Double) -> Double {
            part.isEmpty ? .nan : part.map(value).reduce(0, +) / Double(part.count)
        }
        let disk = { (sample: Sample) in Double(sample.databaseBytes + sample.walBytes) / 1_048_576 }
        let memory = { (sample: Sample) in Double(sample.residentMB) }
        return Result(
            samples: samples,
            pushed: total,
            failed: failures.value,
            diskRatio: mean(last, disk) / mean(middle, disk),
            memoryRatio: mean(last, memory) / mean(middle, memory),
            middleDiskMB: mean(middle, disk),
            middleMemoryMB: mean(middle, memory),
            peakWALMB: Double(samples.map(\.walBytes).max() ?? 0) / 1_048_576
        )
    }

    static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }
}
