import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// An `integrator` binary run as a child process, as an operator would run it.
public final class ChildProcess: @unchecked Sendable {
    public let process = Process()
    let logURL: URL

    /// Foundation's `Process.run()` on Linux is not safe to call from several threads at once
    /// (a run of the parallel test suite crashed inside it while another test spawned), so
    /// every process the tests start is spawned under this one lock. The crash seen since,
    /// with spawns already serialised, has its own cause and remedy: `directoryBuffersFromMmap`.
    public static func spawn(_ process: Process) throws {
        _ = directoryBuffersFromMmap
        try spawnLock.withLock { _ in try process.run() }
    }

    private static let spawnLock = Mutex(())

    /// `Process.run()` in this toolchain's Foundation lists `/proc/self/fd` and copies 256 bytes
    /// from each entry's name, reading past a short entry; when the last entry ends glibc's
    /// 32 KB directory buffer and the next page is not mapped, the test process dies with a
    /// bad pointer in `Process.run()` (seen once here in a whole-suite run; fixed upstream in
    /// swift-corelibs-foundation #5472, after 6.3.1). Allocations of 32 KB and up are given
    /// their own mappings, so that buffer always ends inside its last page, ~4 KB short of
    /// its end. Only the test process does this; the hub never spawns.
    private static let directoryBuffersFromMmap: Void = {
        #if canImport(Glibc)
        if let symbol = dlsym(nil, "mallopt") {
            let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
            _ = mallopt(-3, 32 * 1024)  // M_MMAP_THRESHOLD
        }
        #endif
    }()

    /// The built `integrator` executable beside the test bundle.
    /// The built executable `name` beside the test bundle.
    public static func binary(_ name: String = "integrator") throws -> URL {
        do {
            var candidates: [URL] = []
            if let argument = CommandLine.arguments.first {
                var directory = URL(fileURLWithPath: argument).deletingLastPathComponent()
                candidates.append(directory.appendingPathComponent(name))
                // Inside an .xctest bundle the binary sits a few levels up.
                for _ in 0..<4 {
                    directory = directory.deletingLastPathComponent()
                    candidates.append(directory.appendingPathComponent(name))
                }
            }
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            candidates.append(root.appendingPathComponent(".build/debug/\(name)"))
            guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
                throw ChildError("the \(name) binary was not found; run `swift build` first (looked in \(candidates.map(\.path)))")
            }
            return found
        }
    }

    /// `launcher` runs the binary through another program, such as
    /// `["/usr/bin/prlimit", "--nofile=1024"]`.
    public init(_ name: String = "integrator", arguments: [String], logURL: URL, environment: [String: String] = [:], launcher: [String] = []) throws
    {
        self.logURL = logURL
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        try log.seekToEnd()
        if let program = launcher.first {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = Array(launcher.dropFirst()) + [try Self.binary(name).path] + arguments
        } else {
            process.executableURL = try Self.binary(name)
            process.arguments = arguments
        }
        process.standardOutput = log
        process.standardError = log
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        try Self.spawn(process)
    }

    /// Waits for the server's "listening on" line and returns its port.
    /// Waits for the "listening on http://host:port" line and returns the port.
    public func port(within seconds: Double = 30, marker: String = "listening on http://") async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            let text = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n").reversed() where line.contains(marker) {
                if let portText = line.split(separator: ":").dropFirst(2).first?.prefix(while: \.isNumber), let port = Int(portText), port > 0 {
                    return port
                }
            }
            if !process.isRunning { throw ChildError("\(process.executableURL?.lastPathComponent ?? "the program") exited early:\n\(text)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ChildError("\(process.executableURL?.lastPathComponent ?? "the program") did not start listening within \(seconds) s")
    }

    public func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    public func terminate() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// Sends SIGKILL and waits for the exit without holding a thread of the cooperative pool.
    public func kill9AndWait() async {
        await offThePool { self.kill9() }
    }

    /// Sends SIGTERM and waits for the graceful exit without holding a thread of the
    /// cooperative pool: a hub shutting down waits for its deliveries' answers, which may come
    /// from a receiver in this very test process.
    public func terminateAndWait() async {
        await offThePool { self.terminate() }
    }

    /// Waits for the exit without holding a thread of the cooperative pool.
    public func exited() async {
        await offThePool { self.process.waitUntilExit() }
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

public struct ChildError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Runs blocking work (waiting for a process, reading a pipe to its end) on a thread of its own
/// and awaits its result.
///
/// Why: Swift's cooperative pool has one thread a core, two on the machines the suite runs on.
/// A test that blocks one (the browser test waits minutes for its script) while another blocks
/// the second starves every task in the test process, the loopback receivers' answers among
/// them: hubs under test then saw 20-second timeouts and delivered again.
public func offThePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: work()) }.start()
    }
}
