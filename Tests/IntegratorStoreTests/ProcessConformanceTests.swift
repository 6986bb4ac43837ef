import Foundation
import IntegratorModel
import IntegratorStore
import IntegratorTestSupport
import Testing

/// The store protocol's requirements about time and processes, on every engine: idempotency
/// keys and their pruning, leases left by a stopped process, and what one process announces to
/// the others.
@Suite struct ProcessConformanceTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test(arguments: TestBackend.all) func anIdempotentReplyIsReadUntilItsKeyIsPruned(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            _ = try await store.push(
                PushRecord(storeID: "acme", idempotencyKey: "k1", messages: [message(at: now)], replyStatus: 202, reply: ["id": "a"], now: now)
            )
            let reply = try #require(try await store.idempotentReply(storeID: "acme", key: "k1", since: now.addingTimeInterval(-1)))
            #expect(reply.status == 202 && reply.reply == ["id": "a"])
            #expect(try await store.idempotentReply(storeID: "acme", key: "k1", since: now.addingTimeInterval(1)) == nil, "older than asked")
            #expect(try await store.idempotentReply(storeID: "other", key: "k1", since: now.addingTimeInterval(-1)) == nil, "another store's")
            try await store.pruneIdempotencyKeys(before: now.addingTimeInterval(-1))
            #expect(try await store.idempotentReply(storeID: "acme", key: "k1", since: now.addingTimeInterval(-1)) != nil, "not old enough")
            try await store.pruneIdempotencyKeys(before: now.addingTimeInterval(1))
            #expect(try await store.idempotentReply(storeID: "acme", key: "k1", since: now.addingTimeInterval(-1)) == nil)
        }
    }

    @Test(arguments: TestBackend.all) func leasesLeftByAStoppedProcessAreReturnedOnlyWhereOneProcessOwnsTheStore(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            _ = try await store.push(
                PushRecord(storeID: "acme", idempotencyKey: nil, messages: [message(at: now)], replyStatus: 202, reply: [:], now: now)
            )
            #expect(try await store.claim(owner: "gone", now: now, limit: 10) { _, _ in 60 }.count == 1)
            let released = try await store.releaseOrphanedLeases(now: now)
            switch backend {
            case .sqlite:
                // One process owns a SQLite file: at its start, any running delivery was left by a stopped one.
                #expect(released == 1)
                #expect(try await store.queueCounts(storeID: "acme")["pending"] == 1)
            default:
                // Several processes share PostgreSQL: a lease is left to expire.
                #expect(released == 0)
                #expect(try await store.queueCounts(storeID: "acme")["running"] == 1)
            }
        }
    }

    @Test(arguments: TestBackend.all) func changesAreAnnouncedToOtherProcessesWhereThereAreAny(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let heard = Locked<[StoreChange]>([])
            let listening = Task { try await store.listen { change in heard.update { $0.append(change) } } }
            defer { listening.cancel() }
            try await Task.sleep(for: .milliseconds(300))
            try await store.saveMapping(storeID: "acme", Mapping(name: "erp", messages: ["order:new"], url: "https://erp.example.com"), at: now)
            _ = try await store.push(
                PushRecord(storeID: "acme", idempotencyKey: nil, messages: [message(at: now)], replyStatus: 202, reply: [:], now: now)
            )
            switch backend {
            case .sqlite:
                // One process: nothing to announce, and listening just waits until it is cancelled.
                try await Task.sleep(for: .milliseconds(300))
                #expect(heard.value.isEmpty)
            default:
                #expect(try await eventually(10) { heard.value.contains(.mappings) && heard.value.contains(.work) })
            }
            listening.cancel()
            _ = await listening.result
        }
    }
}
