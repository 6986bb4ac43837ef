import Foundation
import Testing

/// An `integrator` binary run as a child process, as an operator would run it.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    let logURL: URL

    /// The built `integrator` executable beside the test bundle.
    static var binary: URL {
        get throws {
            var candidates: [URL] = []
            if let argument = CommandLine.arguments.first {
                var directory = URL(fileURLWithPath: argument).deletingLastPathComponent()
                candidates.append(directory.appendingPathComponent("integrator"))
                // Inside an .xctest bundle the binary sits a few levels up.
                for _ in 0..<4 {
                    directory = directory.deletingLastPathComponent()
                    candidates.append(directory.appendingPathComponent("integrator"))
                }
            }
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            candidates.append(root.appendingPathComponent(".build/debug/integrator"))
            guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
                throw ChildError("the integrator binary was not found; run `swift build` first (looked in \(candidates.map(\.path)))")
            }
            return found
        }
    }

    init(arguments: [String], logURL: URL, environment: [String: String] = [:]) throws {
        self.logURL = logURL
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        try log.seekToEnd()
        process.executableURL = try Self.binary
        process.arguments = arguments
        process.standardOutput = log
        process.standardError = log
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        try process.run()
    }

    /// Waits for the server's "listening on" line and returns its port.
    func port(within seconds: Double = 30) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            let text = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n").reversed() where line.contains("Integrator listening on http://") {
                if let portText = line.split(separator: ":").dropFirst(2).first?.prefix(while: \.isNumber), let port = Int(portText), port > 0 {
                    return port
                }
            }
            if !process.isRunning { throw ChildError("integrator exited early:\n\(text)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ChildError("integrator did not start listening within \(seconds) s")
    }

    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func terminate() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

struct ChildError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
