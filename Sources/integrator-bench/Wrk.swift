import Foundation

/// wrk (Debian's package) posting one body with fixed headers over 64 connections.
struct Wrk {
    struct Result {
        var requestsPerSecond: Double
        var p50: Double
        var p99: Double
        var requests: Int
        var non2xx: Int
    }

    let directory: URL

    func run(url: String, body: String, headers: [String: String], seconds: Int, connections: Int = 64, threads: Int = 2) throws -> Result {
        let script = directory.appendingPathComponent("post-\(UUID().uuidString.prefix(6)).lua")
        var lua = "wrk.method = \"POST\"\nwrk.body = [==[\(body)]==]\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { lua += "wrk.headers[\"\(name)\"] = \"\(value)\"\n" }
        try lua.write(to: script, atomically: true, encoding: .utf8)
        let output = try Shell.run("/usr/bin/wrk", ["-t\(threads)", "-c\(connections)", "-d\(seconds)s", "--latency", "-s", script.path, url])
        func number(after label: String) -> Double? {
            guard let line = output.split(separator: "\n").first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix(label) }) else {
                return nil
            }
            let value =
                line.trimmingCharacters(in: .whitespaces).dropFirst(label.count).trimmingCharacters(in: .whitespaces).split(separator: " ").first.map(
                    String.init
                ) ?? ""
            return Self.milliseconds(value) ?? Double(value)
        }
        let requests =
            output.split(separator: "\n").first { $0.contains("requests in") }.flatMap {
                Int($0.trimmingCharacters(in: .whitespaces).split(separator: " ")[0])
            } ?? 0
        let non2xx =
            output.split(separator: "\n").first { $0.contains("Non-2xx") }.flatMap {
                Int($0.split(separator: ":").last!.trimmingCharacters(in: .whitespaces))
            } ?? 0
        guard let rate = number(after: "Requests/sec:") else { throw BenchError("wrk printed no rate:\n\(output)") }
        return Result(
            requestsPerSecond: rate,
            p50: number(after: "50%") ?? .nan,
            p99: number(after: "99%") ?? .nan,
            requests: requests,
            non2xx: non2xx
        )
    }

    /// wrk's "1.23ms", "456.00us", "1.02s" as milliseconds.
    static func milliseconds(_ text: String) -> Double? {
        for (suffix, factor) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0)] where text.hasSuffix(suffix) {
            return Double(text.dropLast(suffix.count)).map { $0 * factor }
        }
        return nil
    }
}

enum Shell {
    /// Runs a program to the end and returns what it printed.
    static func run(_ program: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
