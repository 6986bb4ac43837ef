import AsyncHTTPClient
import Foundation
import GRDB
import IntegratorModel
import NIOCore
import NIOHTTP1

/// The disk's own limit: 4 KB appended and fsync'd, as fast as it goes.
enum Disk {
    static func fsyncRate(in folder: URL, seconds: Double) throws -> Double {
        try withProbe(in: folder) { append in
            var count = 0
            let start = ContinuousClock.now
            while integrator_bench_seconds(since: start) < seconds {
                append(fsync)
                count += 1
            }
            return Double(count) / integrator_bench_seconds(since: start)
        }
    }

    /// The disk's latency at a pace: one 4 KB append and fdatasync every 1/`rate` s, `count`
    /// times; each sync's duration in milliseconds, sorted. Row 4's floor for a commit.
    static func pacedSyncLatencies(in folder: URL, rate: Int, count: Int) throws -> [Double] {
        try withProbe(in: folder) { append in
            let interval = 1_000_000_000 / UInt64(max(1, rate))
            let start = Monotonic.nanoseconds()
            var latencies: [Double] = []
            for index in 0..<UInt64(count) {
                let due = start + index * interval
                let now = Monotonic.nanoseconds()
                if due > now { usleep(UInt32((due - now) / 1000)) }
                let before = Monotonic.nanoseconds()
                append(fdatasync)
                latencies.append(Double(Monotonic.nanoseconds() - before) / 1e6)
            }
            return latencies.sorted()
        }
    }

    /// Runs `body` with a function that appends 4 KB to a fresh probe file and syncs it with the
    /// given call; the file is gone afterwards.
    private static func withProbe<T>(in folder: URL, _ body: (_ append: (_ sync: (Int32) -> Int32) -> Void) -> T) throws -> T {
        let path = folder.appendingPathComponent("fsync.probe").path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw BenchError("cannot open \(path)") }
        defer {
            close(fd)
            unlink(path)
        }
        let block = [UInt8](repeating: 0x5A, count: 4096)
        return body { sync in
            _ = block.withUnsafeBytes { write(fd, $0.baseAddress, 4096) }
            _ = sync(fd)
        }
    }
}

func integrator_bench_seconds(since start: ContinuousClock.Instant) -> Double { seconds(since: start) }

/// A plain AsyncHTTPClient POSTing as fast as it can: the ceiling for delivery throughput.
enum PlainClient {
    static func postRate(url: String, body: [UInt8], requests: Int, concurrency: Int) async throws -> Double {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = concurrency
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        defer { _ = client.shutdown() }
        let counter = Counter(requests)
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    while counter.take() {
                        var request = HTTPClientRequest(url: url)
                        request.method = .POST
                        request.headers.add(name: "Content-Type", value: "application/json")
                        request.body = .bytes(ByteBuffer(bytes: body))
                        let response = try await client.execute(request, timeout: .seconds(30))
                        _ = try await response.body.collect(upTo: 1 << 20)
                    }
                }
            }
            try await group.waitForAll()
        }
        return Double(requests) / seconds(since: start)
    }

    /// The median of `runs` loads of `postRate`, and every load's rate in the order measured:
    /// one load alone measured anywhere from 11,000 to 19,000 requests a second on the same
    /// machine within an hour, and row 5's ratio moved with it.
    static func medianRate(
        runs: Int = 3,
        url: String,
        body: [UInt8],
        requests: Int,
        concurrency: Int
    ) async throws -> (median: Double, listed: String) {
        var rates: [Double] = []
        for _ in 0..<max(1, runs) { rates.append(try await postRate(url: url, body: body, requests: requests, concurrency: concurrency)) }
        return (rates[Median(values: rates).index], rates.map { String(Int($0)) }.joined(separator: ", "))
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var left: Int
        init(_ count: Int) { left = count }
        func take() -> Bool {
            lock.withLock {
                left -= 1
                return left >= 0
            }
        }
    }
}

/// The hub's commit stages from its `/metrics` histograms: for each stage, the bucket bound
/// under which 99 % and 99.9 % of the observations fell (an upper bound, at the buckets' grain),
/// and how many took longer than 10 ms: a single stall delays a few dozen writes, too few to move
/// a p99.9 of a hundred thousand, yet enough to make the pushes' p99.9.
enum CommitStageTails {
    static func read(exposition: String) -> [(stage: String, p99: Double, p999: Double, count: Int, over10ms: Int)] {
        var buckets: [String: [(bound: Double, count: Double)]] = [:]
        for line in exposition.split(separator: "\n") where line.hasPrefix("integrator_store_commit_seconds_bucket{") {
            guard let stage = label("stage", in: line), let bound = label("le", in: line),
                let count = line.split(separator: " ").last.flatMap({ Double($0) })
            else { continue }
            buckets[stage, default: []].append((bound == "+Inf" ? .infinity : Double(bound) ?? .infinity, count))
        }
        return ["queued", "written", "synced"].compactMap { stage in
            guard let rows = buckets[stage]?.sorted(by: { $0.bound < $1.bound }), let total = rows.last?.count, total > 0 else { return nil }
            func bound(_ p: Double) -> Double { (rows.first { $0.count >= total * p }?.bound ?? .infinity) * 1000 }
            let within10ms = rows.last { $0.bound <= 0.010 }?.count ?? 0
            return (stage, bound(0.99), bound(0.999), Int(total), Int(total - within10ms))
        }
    }

    /// The value of label `name` in an exposition line (`stage="queued"` → `queued`).
    static func label(_ name: String, in line: Substring) -> String? {
        guard let start = line.range(of: "\(name)=\"") else { return nil }
        let rest = line[start.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }
}

/// One push of a latency run, in CLOCK_MONOTONIC nanoseconds.
struct PushTiming: Sendable {
    let sent: UInt64
    let acknowledged: UInt64
    let delivered: UInt64?

    /// Sent → delivered, in milliseconds.
    var endToEnd: Double? { delivered.map { Double(Int64(bitPattern: $0 &- sent)) / 1e6 } }
    /// Sent → the hub's 2xx read by the client, in milliseconds: accept, parse, route, commit, fsync.
    var acknowledgement: Double { Double(Int64(bitPattern: acknowledged &- sent)) / 1e6 }
    /// Acknowledged → delivered, in milliseconds (negative when the delivery came first): wake,
    /// claim, send.
    var afterAcknowledgement: Double? { delivered.map { Double(Int64(bitPattern: $0 &- acknowledged)) / 1e6 } }
}

/// A million messages written straight into the hub's SQLite file, each with a completed
/// delivery, in the shape the hub writes them.
enum Prefill {
    static func messages(_ count: Int, database: String, body: String) throws {
        let queue = try DatabaseQueue(path: database)
        let payload = try JSONValue.parse(body)["payload"]!.jsonString
        let now = Date().timeIntervalSince1970 - 86400
        try queue.write { db in
            try db.execute(
                sql: """
                    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
                    INSERT INTO messages (id, store_id, name, payload, origin, depth, state, created_at)
                    SELECT printf('%024x', i), 'bench', 'order:new', ?, 'push', 0, 'accepted', ? + i * 0.001 FROM n
                    """,
                arguments: [count, payload, now]
            )
            try db.execute(
                sql: """
                    INSERT INTO deliveries (id, message_id, store_id, mapping, state, attempts, last_status, created_at, updated_at, completed_at)
                    SELECT 'd' || substr(id, 2), id, store_id, 'erp', 'completed', 1, 200, created_at, created_at,
                    created_at FROM messages WHERE store_id = 'bench'
                    """
            )
        }
    }
}

/// CPU time a process has used (user and system), from /proc: the cost of a row's work
/// apart from how busy the machine was, which moves throughput by ±20 % between runs.
enum CPUTime {
    static func of(pid: Int32) -> Double {
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        // The fields after the command name, which is in parentheses and may hold spaces.
        guard let close = stat.lastIndex(of: ")") else { return .nan }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return .nan }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

/// Resident memory of a process, from /proc.
enum Memory {
    static func of(pid: Int32) -> (rss: Int, peak: Int) {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        func kilobytes(_ key: String) -> Int {
            status.split(separator: "\n").first { $0.hasPrefix(key) }.flatMap {
                Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
            } ?? 0
        }
        return (kilobytes("VmRSS:") / 1024, kilobytes("VmHWM:") / 1024)
    }

    /// Resident memory by kind, in MB: the heap and stacks (anonymous), mapped files and
    /// shared memory (SQLite's WAL index), to tell which grows.
    static func parts(pid: Int32) -> (anonymous: Int, files: Int, shared: Int) {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        func megabytes(_ key: String) -> Int {
            let line = status.split(separator: "\n").first { $0.hasPrefix(key) }
            return (line.flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") } ?? 0) / 1024
        }
        return (megabytes("RssAnon:"), megabytes("RssFile:"), megabytes("RssShmem:"))
    }
}

/// Filter evaluations on one core: 20 mappings of 3 filters each over a 5 KB order, the filters
/// drawn in turn from a mix of the original operators, the newer ones and groups.
enum RoutingBench {
    /// The 5 KB order: the sample with 48 line items.
    static func order() -> JSONValue {
        var order = SampleMessages.payload("order:new")!["order"]!.objectValue!
        let item = order["line_items"]!.arrayValue![0]
        order["line_items"] = .array(
            (0..<48).map { index in
                var line = item.objectValue!
                line["sku"] = .string("SKU-\(index)")
                return .object(line)
            }
        )
        return .object(["order": .object(order)])
    }

    /// Ten kinds of filter entry, the original operators, the newer ones and groups.
    static func mix(_ index: Int) -> JSONValue {
        let kinds: [JSONValue] = [
            ["path": "payload.order.currency", "operator": "eq", "value": index % 2 == 0 ? "USD" : "EUR"],
            ["path": "payload.order.totals.order", "operator": "gt", "value": .int(Int64(index * 5))],
            ["path": "payload.order.line_items.*.sku", "operator": "begin", "value": "SKU-", "match_rule": "any"],
            ["path": "payload.order.currency", "operator": "in", "value": ["usd", "eur", "gbp"], "ignore_case": true],
            ["path": "payload.order.totals.order", "operator": "between", "value": [0, 1000]],
            ["path": "payload.order.email", "operator": "exists", "value": true],
            ["path": "payload.order.status", "operator": "anything_but", "value": ["canceled", "returned"]],
            ["path": "payload.order.totals.order", "operator": "gte", "value": .int(Int64(index))],
            ["not": ["path": "payload.order.channel", "operator": "eq", "value": "amazon"]],
            [
                "any": [
                    ["path": "payload.order.currency", "operator": "eq", "value": "USD"],
                    ["path": "payload.order.totals.order", "operator": "lte", "value": 10],
                ]
            ],
        ]
        return kinds[index % kinds.count]
    }

    static func evaluationsPerSecond(seconds duration: Double) -> (rate: Double, evaluations: Int, bytes: Int) {
        let payload = order()
        let filters: [CompiledFilterNode] = (0..<60).map { index in
            var problems: [Problem] = []
            return CompiledFilterNode(FilterNode.decode(mix(index), at: "filters.0", problems: &problems)!)
        }
        var evaluations = 0
        var passed = 0
        let start = ContinuousClock.now
        while seconds(since: start) < duration {
            for _ in 0..<100 {
                for filter in filters where filter.passes(message: "order:new", id: "6b053c91600c1acc1185ceff", payload: payload) { passed += 1 }
                evaluations += filters.count
            }
        }
        precondition(passed > 0)
        return (Double(evaluations) / seconds(since: start), evaluations, payload.jsonString.utf8.count)
    }
}

/// Transforms on one core: four paths (one through `*`) into a Slack-style template, beside the
/// baseline every delivery pays anyway: encoding the same order's payload as JSON.
enum TransformBench {
    static func perSecond(seconds duration: Double) -> (transforms: Double, encodes: Double) {
        let payload = RoutingBench.order()
        var problems: [Problem] = []
        let transform = Transform.decode(
            [
                "paths": [
                    "number": "payload.order.number", "total": "payload.order.totals.order", "skus": "payload.order.line_items.*.sku",
                    "email": "payload.order.email",
                ],
                "template": [
                    "text": "Order <number> for <total> from <email>", "order": "<number>", "items": "<skus>", "blocks": [["value": "<total>"]],
                ],
            ],
            problems: &problems
        )!
        var count = 0
        var fields = 0
        var start = ContinuousClock.now
        while seconds(since: start) < duration {
            for _ in 0..<100 {
                if case .object(let out) = transform.apply(message: "order:new", id: "6b053c91600c1acc1185ceff", payload: payload) {
                    fields += out.count
                }
                count += 1
            }
        }
        let transforms = Double(count) / seconds(since: start)
        var encodes = 0
        var bytes = 0
        start = ContinuousClock.now
        while seconds(since: start) < duration {
            for _ in 0..<100 {
                bytes += payload.encoded().count
                encodes += 1
            }
        }
        precondition(fields > 0 && bytes > 0)
        return (transforms, Double(encodes) / seconds(since: start))
    }
}

/// The middle of several measurements (the lower middle of an even count; a value that is not
/// a number counts as the lowest), and the values in the order they were measured: the round
/// of rows 1 and 2 the table gives, and the plain client's rate.
struct Median {
    let values: [Double]

    var index: Int {
        let order = values.indices.sorted { (values[$0].isNaN ? -.infinity : values[$0]) < (values[$1].isNaN ? -.infinity : values[$1]) }
        return order.isEmpty ? 0 : order[(order.count - 1) / 2]
    }

    var listed: String { values.map { String(format: "%.2f", $0) }.joined(separator: ", ") }
}
