import Foundation
import IntegratorModel
import IntegratorServer
import IntegratorTestSupport
import NIOHTTP1
import Testing

/// The admin console in a real headless Chromium, driven by Selenium (Tests/Browser): an
/// operator signs in, finds a failed message, retries it and sees it complete, and has a bad
/// filter refused with its path. `.ci/run` installs the browser and sets
/// `INTEGRATOR_REQUIRE_BROWSER=1`, so there a missing browser fails instead of skipping.
@Suite(.serialized) struct ConsoleBrowserTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Browser/console_browser.py")

    /// Chromium, chromedriver and Selenium, or why they are missing.
    static func browserMissing() -> String? {
        for tool in ["/usr/bin/chromium", "/usr/bin/chromedriver"] where !FileManager.default.isExecutableFile(atPath: tool) {
            return "\(tool) is not installed (apt-get install chromium chromium-driver)"
        }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import selenium"]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        guard (try? ChildProcess.spawn(probe)) != nil else { return "python3 is not installed" }
        probe.waitUntilExit()
        return probe.terminationStatus == 0 ? nil : "Selenium is not installed (pip install selenium)"
    }

    @Test func operatorRetriesAFailedMessageToCompletionAndABadFilterIsRefused() async throws {
        if let missing = Self.browserMissing() {
            if ProcessInfo.processInfo.environment["INTEGRATOR_REQUIRE_BROWSER"] == "1" { Issue.record("browser tests required, but \(missing)") }
            return
        }
        let healthy = Locked(false)
        let receiver = Receiver { request, _ in
            healthy.value
                ? (200, ["message_id": request.body["message_id"] ?? nil])
                : (500, ["notifications": [["level": "error", "subject": "warehouse offline", "description": "the ERP is down for maintenance"]]])
        }
        try await receiver.run { endpoint in
            try await TestHub.run { hub in
                let mapping: JSONValue = [
                    "name": "erp", "messages": ["order:new"], "url": .string("\(endpoint)/orders"),
                    "identifiers": ["order_number": "payload.order.number"], "options": ["retry_schedule": [3600]],
                ]
                #expect(try await call(.POST, "\(hub.url)/api/stores/acme/mappings", json: mapping, headers: hub.admin).status == 201)
                let number = "R100200300"
                let pushed = try await call(
                    .POST,
                    "\(hub.url)/api/stores/acme/messages",
                    json: SampleMessages.message("order:new", number: number)!,
                    headers: hub.admin
                )
                #expect(pushed.status == 201)
                let id = try #require(pushed.body["message_id"]?.stringValue)
                #expect(
                    try await eventually {
                        try await call(.GET, "\(hub.url)/api/stores/acme/messages/\(id)", headers: hub.admin).body["state"] == "failing"
                    }
                )
                healthy.update { $0 = true }

                let screenshots = FileManager.default.temporaryDirectory.appendingPathComponent("integrator-console-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: screenshots, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: screenshots) }
                let (status, output) = try await Self.runScript([
                    "--url", hub.url, "--token", TestHub.adminToken, "--store", "acme", "--number", number, "--out", screenshots.path,
                ])
                #expect(status == 0, "the browser run failed: \(output)")

                // What the browser did, seen through the API: completed on the second attempt,
                // and the refused edit left the mapping as it was.
                let detail = try await call(.GET, "\(hub.url)/api/stores/acme/messages/\(id)", headers: hub.admin).body
                #expect(detail["state"] == "completed")
                #expect(detail["deliveries"]?[0]?["attempts"] == 2)
                #expect(try await call(.GET, "\(hub.url)/api/stores/acme/mappings/erp", headers: hub.admin).body["filters"] == .array([]))

                for name in ["dashboard", "inspector", "mapping-error"] {
                    let png = try Data(contentsOf: screenshots.appendingPathComponent("\(name).png"))
                    #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "\(name).png is not a PNG")
                    // Width and height from the IHDR chunk: the window's size, not an empty capture.
                    let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }
                    let height = png[20..<24].reduce(0) { $0 << 8 | Int($1) }
                    #expect(width >= 1000 && height >= 600, "\(name).png is \(width)×\(height)")
                    #expect(png.count > 20_000, "\(name).png is only \(png.count) bytes: a blank page?")
                    if let keep = ProcessInfo.processInfo.environment["INTEGRATOR_SCREENSHOTS"] {
                        try? png.write(to: URL(fileURLWithPath: keep).appendingPathComponent("console-\(name).png"))
                    }
                }
            }
        }
    }

    static func runScript(_ arguments: [String]) async throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try ChildProcess.spawn(process)
        nonisolated(unsafe) let running = process
        let output = await offThePool {
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            running.waitUntilExit()
            return output
        }
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
