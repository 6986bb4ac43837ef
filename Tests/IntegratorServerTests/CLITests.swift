import Foundation
import IntegratorModel
import IntegratorTestSupport
import Testing

/// The `integrator` client commands, run as a person runs them, against a live hub.
@Suite(.serialized) struct CLITests {
    static let adminToken = "cli-admin-token-0123456789"

    /// Runs `integrator ARGS` with `input` on stdin; returns the exit status, stdout and stderr.
    static func run(_ arguments: [String], input: String = "", url: String) async throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = try ChildProcess.binary("integrator")
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["INTEGRATOR_URL"] = url
        environment["INTEGRATOR_ADMIN_TOKEN"] = adminToken
        process.environment = environment
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try ChildProcess.spawn(process)
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        nonisolated(unsafe) let running = process
        let (out, err) = await offThePool {
            let out = stdout.fileHandleForReading.readDataToEndOfFile()
            let err = stderr.fileHandleForReading.readDataToEndOfFile()
            running.waitUntilExit()
            return (out, err)
        }
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    @Test func theClientCommandsDriveALiveHub() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("integrator-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let hub = try ChildProcess(
            arguments: [
                "serve", "--port", "0", "--database", "sqlite:" + directory.appendingPathComponent("hub.sqlite").path, "--admin-token",
                Self.adminToken,
            ],
            logURL: directory.appendingPathComponent("hub.log")
        )
        defer { hub.terminate() }
        let url = "http://127.0.0.1:\(try await hub.port())"
        let config = directory.appendingPathComponent("config.yaml")
        try """
        stores:
          - id: acme
            token: acme-token-0123456789
            parameters: {spree.api_url: "http://127.0.0.1:3000/api/", spree.api_version: "2.0"}
            mappings:
              - {name: erp, messages: ["order:new"], url: "http://127.0.0.1:9/erp", options: {retries_allowed: false}}
            schedulers:
              - {id: poll, message: "hub:poll", interval: 3600, payload: {target: collections.orders}}
        """.write(to: config, atomically: true, encoding: .utf8)

        let applied = try await Self.run(["apply", "-f", config.path], url: url)
        #expect(applied.status == 0, "\(applied.err)")
        #expect(applied.out.contains("store acme: created"))
        #expect(applied.out.contains("store acme: mapping erp created"))
        #expect(applied.err.contains("[4/5] mapping erp"))
        let again = try await Self.run(["apply", "-f", config.path], url: url)
        #expect(again.out.trimmingCharacters(in: .whitespacesAndNewlines) == "nothing to change")

        let pushed = try await Self.run(
            ["push", "--store", "acme"],
            input: #"{"message":"order:new","payload":{"order":{"number":"R1"}}}"#,
            url: url
        )
        #expect(pushed.status == 0, "\(pushed.err)")
        let id = try #require(pushed.out.split(separator: " ").first.map(String.init))
        #expect(id.count == 24)
        #expect(
            try await eventually {
                let listed = try await Self.run(["messages", "list", "--store", "acme", "--state", "parked", "--json"], url: url)
                return (try JSONValue.parse(listed.out))["count"] == 1
            }
        )
        let table = try await Self.run(["messages", "list", "--store", "acme"], url: url)
        #expect(table.out.contains("MESSAGE") && table.out.contains(id) && table.out.contains("erp:parked"))
        let shown = try await Self.run(["messages", "show", "--store", "acme", id], url: url)
        #expect(shown.out.contains("could not connect"))
        let retried = try await Self.run(["messages", "retry", "--store", "acme", id], url: url)
        #expect(retried.out.contains("1 delivery(ies) of \(id) due now"))
        #expect(
            try await eventually {
                try await Self.run(["messages", "show", "--store", "acme", id, "--json"], url: url).out.contains(#""state":"parked""#)
            }
        )
        let recovered = try await Self.run(["messages", "recover", "--store", "acme", "--since", "2026-01-01T00:00:00Z", "--follow", "20"], url: url)
        #expect(recovered.status == 0, "\(recovered.err)")
        #expect(recovered.out.contains("1 delivery(ies) since 2026-01-01T00:00:00Z will be attempted again"))
        #expect(recovered.err.contains("[1/1] queued 0"), "progress: \(recovered.err)")
        #expect(
            try await eventually {
                try await Self.run(["messages", "show", "--store", "acme", id, "--json"], url: url).out.contains(#""state":"parked""#)
            }
        )
        let archived = try await Self.run(["messages", "archive", "--store", "acme", id], url: url)
        #expect(archived.out.contains("1 delivery(ies) of \(id) archived"))

        let parameters = try await Self.run(["parameters", "--store", "acme", "--set", "spree.api_version=1.3"], url: url)
        #expect(parameters.out.contains(#"spree.api_version = "1.3""#))
        #expect(try await Self.run(["parameters", "--store", "acme"], url: url).out.contains("spree.api_url"))
        let stores = try await Self.run(["stores", "--json"], url: url)
        #expect((try JSONValue.parse(stores.out))["stores"]?[0]?["id"] == "acme")

        let bad = try await Self.run(["push", "--store", "acme"], input: #"{"message":"order:new","payload":{}}"#, url: url)
        #expect(bad.status != 0)
        #expect(bad.err.contains("payload.order: is required"))
        let noToken = try await Self.run(["stores", "--admin-token", "wrong"], url: url)
        #expect(noToken.status != 0)
        #expect(noToken.err.contains("401"))
        let down = try await Self.run(["stores"], url: "http://127.0.0.1:9")
        #expect(down.err.contains("cannot reach the hub"))
    }
}
