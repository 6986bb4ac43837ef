import Foundation
import IntegratorModel
import IntegratorTestSupport
import NIOHTTP1
import Testing

/// A burst of large bad bodies once pushed resident memory to 666 MB and left 420 MB held; the
/// answers are bounded now and the memory goes back once the burst is over.
@Suite(.serialized) struct MemoryTests {
    static func residentKiB(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    @Test func aBurstOfLargeBadBodiesLeavesResidentMemoryWhereItWas() async throws {
        try await ServedHub.run { hub in
            let child = hub.child
            let headers = hub.pusher
            // Just under the 1 MiB limit: 16,500 messages, each missing its order number.
            let bad = Array(
                JSONValue.array(Array(repeating: ["message": "order:new", "payload": ["order": ["email": "x"]]], count: 16_500)).encoded()
            )
            #expect(bad.count < 1 << 20)
            // Warm up: the first requests build caches that stay.
            _ = try await call(.POST, "\(hub.url)/events", raw: bad, headers: headers)
            try await Task.sleep(for: .seconds(2))
            let before = Self.residentKiB(child.process.processIdentifier)
            var largest = 0
            for _ in 0..<3 {
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<8 {
                        group.addTask {
                            let reply = try await call(.POST, "\(hub.url)/events", raw: bad, headers: headers)
                            #expect(reply.status == 422)
                            #expect(reply.body["errors"]?.arrayValue?.count == 101)
                            return reply.body.jsonString.utf8.count
                        }
                    }
                    for try await size in group { largest = max(largest, size) }
                }
            }
            #expect(largest < 32 * 1024, "a 422 of \(largest) bytes")
            // The trimmer runs once a second for a few seconds after large bodies.
            try await Task.sleep(for: .seconds(4))
            let after = Self.residentKiB(child.process.processIdentifier)
            print("memory: \(before) KiB before the burst, \(after) KiB after")
            #expect(after - before < 16 * 1024, "resident memory went from \(before) KiB to \(after) KiB")
            #expect(try await call(.GET, "\(hub.url)/health").status == 200)
        }
    }
}
