import ArgumentParser
import AsyncHTTPClient
import Foundation
import Hummingbird
import IntegratorModel
import IntegratorTestSupport
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// `integrator-bench`: measures the hub against this machine's own limits in one run and prints
/// one table, each figure beside a baseline measured in the same run. Build in release first:
/// `swift build -c release && .build/release/integrator-bench`.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "integrator-bench",
        abstract: "Benchmarks: ingest, delivery and end-to-end latency against this machine's limits.",
        subcommands: [RunAll.self, BaselineServer.self],
        defaultSubcommand: RunAll.self
    )
}

struct RunAll: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run every benchmark and print the table.")

    @Option(help: "Seconds of each wrk load.") var seconds = 10
    @Option(
        help:
            "Rounds of rows 1 and 2 (a baseline load, then an ingest load), and of rows 5 and 10 up to three; the table gives the median round."
    ) var rounds = 5
    @Option(name: .customLong("latency-seconds"), help: "Seconds of the fixed-rate latency run.") var latencySeconds = 30
    @Option(help: "Pushes per second of the latency run.") var rate = 1000
    @Option(help: "Deliveries in the drained backlog.") var backlog = 100_000
    @Option(help: "Messages stored before the growth run.") var grow = 1_000_000
    @Option(help: "Orders in the store the Spree poller pages through.") var orders = 10_000
    @Option(name: .customLong("soak-seconds"), help: "Seconds of the soak run (row 9); its retention is a sixth of it.") var soakSeconds = 360
    @Option(name: .customLong("soak-rate"), help: "Pushes per second of the soak run.") var soakRate = 500
    @Flag(help: "A short run to check the harness: small counts, short loads.") var quick = false
    @Option(help: "Folder for the databases (on the filesystem to measure).") var directory = ".build/bench-data"
    @Option(help: "Run only these rows (1–13; 1, 2, 3 and 5 run together, as do 10 to 13), comma-separated.") var only: String?

    /// Every count and length within what this machine can run, so that none overflows or
    /// traps where it is multiplied or converted (`FixedRate`'s pushes and their spacing).
    func validate() throws {
        let bounds: [(name: String, value: Int, range: ClosedRange<Int>)] = [
            ("--seconds", seconds, 1...3600), ("--latency-seconds", latencySeconds, 1...3600), ("--rate", rate, 1...100_000),
            ("--backlog", backlog, 1...10_000_000), ("--grow", grow, 1...100_000_000), ("--orders", orders, 1...1_000_000),
            ("--soak-seconds", soakSeconds, 6...86_400), ("--soak-rate", soakRate, 1...100_000), ("--rounds", rounds, 1...20),
        ]
        for bound in bounds where !bound.range.contains(bound.value) {
            throw ValidationError("\(bound.name) must be from \(bound.range.lowerBound) to \(bound.range.upperBound), not \(bound.value)")
        }
    }

    mutating func run() async throws {
        if quick { (seconds, latencySeconds, backlog, grow, orders, soakSeconds, rounds) = (3, 5, 10_000, 50_000, 1_000, 60, 1) }
        let folder = URL(fileURLWithPath: directory, isDirectory: true)
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let settings = BenchSettings(
            folder: folder,
            seconds: seconds,
            rounds: rounds,
            latencySeconds: latencySeconds,
            rate: rate,
            backlog: backlog,
            grow: grow,
            orders: orders,
            soakSeconds: soakSeconds,
            soakRate: soakRate,
            only: Set((only ?? "").split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) })
        )
        let table = try await Benchmarks(settings: settings, logger: logger).runAll()
        print(table)
    }
}

/// The same HTTP stack as the hub (Hummingbird, same defaults) answering 202 to a push
/// without reading it into anything or storing it: the ceiling ingest is compared with.
struct BaselineServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "baseline-server", abstract: "Answer 202 to POST /events without storing anything.")
    @Option var port = 0

    func run() async throws {
        let router = Router()
        router.post("/events") { request, _ -> Response in
            var request = request
            _ = try await request.collectBody(upTo: 1 << 20)
            return Response(
                status: .accepted,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"message_id":"000000000000000000000000","result":"accepted"}"#))
            )
        }
        var logger = Logger(label: "baseline")
        logger.logLevel = .warning
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "Integrator"),
            onServerRunning: { channel in
                FileHandle.standardOutput.write(Data("baseline listening on http://127.0.0.1:\(channel.localAddress?.port ?? 0)\n".utf8))
            },
            logger: logger
        )
        try await app.runService()
    }
}

struct BenchSettings: Sendable {
    var folder: URL
    var seconds: Int
    var rounds: Int = 5
    var latencySeconds: Int
    var rate: Int
    var backlog: Int
    var grow: Int
    var orders: Int
    var soakSeconds: Int = 360
    var soakRate: Int = 500
    var only: Set<Int> = []

    /// The rounds of rows 5 and 10, which pair a load of the hub's with its baseline's as rows 1
    /// and 2 do: `rounds`, at most three, since each of row 5's refills a backlog of `backlog`
    /// deliveries (about forty seconds).
    var pairedRounds: Int { max(1, min(rounds, 3)) }

    /// Rows that share one setup run together: 1, 2, 3 and 5 (one hub), 10 to 13 (one PostgreSQL cluster).
    func runs(_ row: Int) -> Bool {
        only.isEmpty || only.contains(row) || [[1, 2, 3, 5], [10, 11, 12, 13]].contains { $0.contains(row) && !only.isDisjoint(with: $0) }
    }
}
