import Foundation
import IntegratorModel
import IntegratorTestSupport
import NIOHTTP1
import Synchronization

/// Rows 10 to 13: the hub on PostgreSQL, on a throwaway local cluster (as the tests make one),
/// against `pgbench` doing single-row insert transactions on the same cluster in the same run.
struct PostgresBench {
    let bench: Benchmarks
    let wrk: Wrk
    let receiver: BenchReceiver
    /// The receiver's URL, which the mapping delivers to.
    let endpoint: String
    var settings: BenchSettings { bench.settings }

    /// A cluster started by `scripts/postgres-test-cluster.sh`, stopped by `stop`.
    struct Cluster {
        let folder: URL
        let host = "127.0.0.1"
        let port: Int

        /// The repository's `scripts/postgres-test-cluster.sh`: found from the executable's folder
        /// upwards (`.build/release/integrator-bench` sits inside the repository), so the bench runs
        /// from any working directory; relative to the working directory otherwise.
        static let script: String = {
            let relative = "scripts/postgres-test-cluster.sh"
            var folder = Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent()
            while let current = folder, current.path != "/" {
                let candidate = current.appendingPathComponent(relative)
                if FileManager.default.fileExists(atPath: candidate.path) {
                    return candidate.path
                }
                folder = current.deletingLastPathComponent()
            }
            return relative
        }()

        /// `text` as one word for the shell, whatever it holds.
        static func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

        static func start(in folder: URL) throws -> Cluster {
            // Through system(3), which waits for the script itself: Foundation's Process never
            // saw it end once the server it starts had detached (the bench hung there).
            let env = folder.deletingLastPathComponent().appendingPathComponent("postgres.env")
            _ = system("bash \(quoted(script)) start \(quoted(folder.path)) > \(quoted(env.path)) 2>&1")
            let output = (try? String(contentsOf: env, encoding: .utf8)) ?? ""
            guard let url = output.split(separator: "=", maxSplits: 1).last.map(String.init),
                let components = URLComponents(string: url.trimmingCharacters(in: .whitespacesAndNewlines)), let port = components.port
            else { throw BenchError("the PostgreSQL cluster did not start: \(output)") }
            return Cluster(folder: folder, port: port)
        }

        /// A new, empty database on the cluster, and its URL.
        func database(_ name: String) throws -> String {
            _ = try psql("DROP DATABASE IF EXISTS \(name)")
            _ = try psql("CREATE DATABASE \(name)")
            return "postgres://postgres@\(host):\(port)/\(name)?sslmode=disable"
        }

        /// Writes every dirty buffer out now, so the next load does not meet a checkpoint the one
        /// before it left due: each load starts on a clean cluster, as `quiesce` gives the disk.
        func checkpoint() throws {
            _ = try psql("CHECKPOINT")
        }

        func psql(_ sql: String, database: String = "postgres") throws -> String {
            try Shell.run("/usr/bin/psql", ["-h", host, "-p", String(port), "-U", "postgres", "-d", database, "-qAtc", sql])
        }

        /// pgbench's transactions per second, each one single-row insert of `body` into a fresh
        /// table, from `clients` connections over two threads, about `seconds` long. A count of
        /// transactions rather than `-T`: pgbench ends a `-T` run with SIGALRM, which a child of
        /// this process inherits blocked, so it never stopped.
        func insertRate(clients: Int, seconds: Int, body: String) throws -> Double {
            _ = try psql(
                "DROP TABLE IF EXISTS bench_rows; CREATE TABLE bench_rows (id bigserial PRIMARY KEY, body text NOT NULL)",
                database: "integrator"
            )
            let script = folder.appendingPathComponent("insert.sql")
            try "INSERT INTO bench_rows (body) VALUES ('\(body.replacingOccurrences(of: "'", with: "''"))');\n"
                .write(to: script, atomically: true, encoding: .utf8)
            let output = try Shell.run(
                "/usr/bin/pgbench",
                [
                    "-h", host, "-p", String(port), "-U", "postgres", "-n", "-c", String(clients), "-j", "2", "-t",
                    String(seconds * 16_000 / clients), "-f",
                    script.path, "integrator",
                ]
            )
            guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("tps = ") }),
                let tps = Double(line.dropFirst("tps = ".count).split(separator: " ").first ?? "")
            else { throw BenchError("pgbench printed no rate:\n\(output)") }
            return tps
        }

        func stop() {
            _ = system("bash \(Self.quoted(Self.script)) stop \(Self.quoted(folder.path)) > /dev/null 2>&1")
        }
    }

    /// pgbench's single-row insert rate with `clients` on a clean cluster, then a new database
    /// for the hub's load, with the cluster checkpointed again, the disk quiet and the receiver
    /// holding deliveries (rows 10 and 11 measure ingest alone).
    func pgbenchThenDatabase(_ cluster: Cluster, clients: Int, database name: String) async throws -> (rate: Double, database: String) {
        try cluster.checkpoint()
        let rate = try cluster.insertRate(clients: clients, seconds: settings.seconds, body: Benchmarks.pushBody)
        receiver.hold()
        let database = try cluster.database(name)
        try cluster.checkpoint()
        try await bench.quiesce()
        return (rate, database)
    }

    func run(into table: inout BenchTable) async throws {
        let folder = settings.folder.appendingPathComponent("postgres")
        Cluster(folder: folder, port: 0).stop()
        try? FileManager.default.removeItem(at: folder)
        let cluster = try Cluster.start(in: folder)
        defer { cluster.stop() }
        log("postgres: cluster on port \(cluster.port)")
        let body = Benchmarks.pushBody
        let loadSeconds = settings.seconds

        // 10. One process against pgbench with wrk's 64 clients, in rounds as rows 1 and 2: each a
        // pgbench load and then the hub's on a new database. pgbench alone measured anywhere from
        // 12,000 to 18,700 transactions a second within one run, and a ratio of two single loads
        // moved with it.
        var rounds: [(pgbench: Double, hub: Wrk.Result, cpu: Double, idle: Double, commits: CommitMeans?)] = []
        for round in 1...settings.pairedRounds {
            let (pgbench64, database) = try await pgbenchThenDatabase(cluster, clients: 64, database: "hub_one")
            let one = try await bench.startHub(name: "pg-one-\(round)", mappingURL: endpoint, postgres: database)
            let hubPID = one.process.process.processIdentifier
            let (cpuBefore, machineBefore) = (CPUTime.of(pid: hubPID), MachineTimes.now())
            let single = try wrk.run(url: "\(one.url)/events", body: body, headers: bench.pushHeaders, seconds: loadSeconds)
            let cpuPerPush = (CPUTime.of(pid: hubPID) - cpuBefore) / Double(max(1, single.requests)) * 1e6
            let idle = MachineTimes.now().idleShare(since: machineBefore)
            let commits = CommitMeans.read(exposition: try await call(.GET, "\(one.url)/metrics").body.stringValue ?? "")
            receiver.release()
            await one.process.terminateAndWait()
            rounds.append((pgbench64, single, cpuPerPush, idle, commits))
            log("postgres round \(round) one process: \(Int(single.requestsPerSecond))/s vs pgbench \(Int(pgbench64)) tps")
        }
        let median = Median(values: rounds.map { $0.hub.requestsPerSecond / $0.pgbench })
        let middle = rounds[median.index]
        table.add(
            "10. PostgreSQL durable ingest, one process (64 clients)",
            value: "\(Int(middle.hub.requestsPerSecond)) pushes/s",
            detail: "p50 \(ms(middle.hub.p50)), p99 \(ms(middle.hub.p99)); pgbench single-row inserts, 64 clients: \(Int(middle.pgbench)) tps; "
                + String(format: "the hub's CPU %.0f µs a push, the machine %.0f %% idle; ", middle.cpu, middle.idle * 100)
                + (middle.commits?.summary ?? "no commit metrics")
                + (rounds.count > 1 ? "; the median of \(rounds.count) rounds, whose ratios were \(median.listed)" : ""),
            ratio: middle.hub.requestsPerSecond / middle.pgbench,
            target: "≥ 0.50 of pgbench"
        )

        // 11. Three processes, the load spread by three wrk of 21 connections each.
        let (pgbench63, database) = try await pgbenchThenDatabase(cluster, clients: 63, database: "hub_three")
        var hubs = [try await bench.startHub(name: "pg-three-1", mappingURL: endpoint, postgres: database)]
        for index in 2...3 { hubs.append(try await bench.startHub(name: "pg-three-\(index)", postgres: database)) }
        let results = Mutex<[Wrk.Result]>([])
        let failures = Mutex<[String]>([])
        let urls = hubs.map { "\($0.url)/events" }
        let headers = bench.pushHeaders
        let wrk = self.wrk
        DispatchQueue.concurrentPerform(iterations: urls.count) { index in
            do {
                let result = try wrk.run(url: urls[index], body: body, headers: headers, seconds: loadSeconds, connections: 21, threads: 1)
                results.withLock { $0.append(result) }
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        if let failure = failures.withLock({ $0.first }) { throw BenchError(failure) }
        let three = results.withLock { $0 }
        let threeRate = three.reduce(0) { $0 + $1.requestsPerSecond }
        table.add(
            "11. PostgreSQL durable ingest, three processes (3 × 21 clients)",
            value: "\(Int(threeRate)) pushes/s",
            detail: "p99 \(three.map { ms($0.p99) }.joined(separator: ", ")); pgbench, 63 clients: \(Int(pgbench63)) tps; "
                + "\(three.reduce(0) { $0 + $1.non2xx }) non-2xx",
            ratio: threeRate / pgbench63,
            target: "÷ pgbench"
        )
        log("postgres three processes: \(Int(threeRate))/s vs pgbench \(Int(pgbench63)) tps")

        // 12. The drain of that backlog across the three processes.
        let stored = try await bench.pendingCount(hubs[0].url)
        receiver.reset()
        let drainStart = ContinuousClock.now
        receiver.release()
        let deadline = ContinuousClock.now + .seconds(600)
        while receiver.count < stored, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        let drainSeconds = seconds(since: drainStart)
        for hub in hubs { hub.process.terminate() }
        let plain = try await PlainClient.medianRate(url: endpoint, body: bench.deliveryBody(), requests: min(stored, 50_000), concurrency: 64)
        let plainRate = plain.median
        table.add(
            "12. PostgreSQL drain across three processes",
            value: "\(Int(Double(stored) / drainSeconds)) deliveries/s",
            detail: "\(stored) deliveries in \(String(format: "%.1f", drainSeconds)) s; plain client \(Int(plainRate)) req/s "
                + "(the median of \(plain.listed))",
            ratio: Double(stored) / drainSeconds / plainRate,
            target: "÷ plain client"
        )
        log("postgres drain: \(Int(Double(stored) / drainSeconds))/s")

        // 13. End to end at the latency row's rate, one process.
        try await bench.quiesce()
        let latencyHub = try await bench.startHub(name: "pg-latency", mappingURL: endpoint, postgres: try cluster.database("hub_latency"))
        let pushes = try await bench.latencies(url: "\(latencyHub.url)/events", receiver: receiver)
        latencyHub.process.terminate()
        bench.addLatency(pushes, row: "13. PostgreSQL end to end", to: &table)
    }
}
