import Foundation
import GRDB
import IntegratorModel
import IntegratorStore
import IntegratorTestSupport
import Testing

/// The SQLite file and its WAL stay bounded: freed pages are reused and handed back, and the
/// WAL is emptied when the hub goes idle.
@Suite struct SQLiteFileSizeTests {
    func directory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("integrator-size-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    func skipped(_ count: Int, at: Date) -> [NewMessage] {
        (0..<count).map { index in
            NewMessage(
                id: MessageID.make(),
                storeID: "acme",
                name: "order:new",
                payload: ["order": ["number": .string("R\(index)"), "note": .string(String(repeating: "x", count: 2000))]],
                origin: "push",
                createdAt: at
            )
        }
    }

    @Test func aNewFileUsesIncrementalAutoVacuumAndAnOlderFileIsConvertedKeepingItsRows() async throws {
        let folder = try directory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let fresh = try SQLiteDatabase.open(path: folder.appendingPathComponent("new.sqlite").path)
        #expect(try await fresh.storageReport().autoVacuum == 2)

        // A file as the first version left it: no auto-vacuum, a row in it.
        let oldPath = folder.appendingPathComponent("old.sqlite").path
        do {
            let queue = try DatabaseQueue(path: oldPath)
            try await queue.write { db in
                try db.execute(sql: "CREATE TABLE legacy (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                try db.execute(sql: "INSERT INTO legacy (key, value) VALUES ('kept', 'yes')")
            }
            #expect(try await queue.read { db in try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") } == 0)
        }
        let converted = try SQLiteDatabase.open(path: oldPath)
        #expect(try await converted.storageReport().autoVacuum == 2)
        try await converted.setSetting("after", value: "converted")
        #expect(try await converted.setting("after") == "converted")
        let reopened = try DatabaseQueue(path: oldPath)
        #expect(try await reopened.read { db in try String.fetchOne(db, sql: "SELECT value FROM legacy WHERE key = 'kept'") } == "yes")
    }

    /// Under steady load some reader is nearly always inside an older snapshot, so the WAL is
    /// never started over by itself: without a RESTART checkpoint it grew by everything written.
    @Test func theWALStaysBoundedWhileReadersAlwaysOverlapTheWrites() async throws {
        let folder = try directory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("hub.sqlite").path
        let store = try SQLiteDatabase.open(path: path)
        try await store.createStore(id: "acme", name: "Acme", tokenHash: "h", at: Date())
        let readers = try DatabasePool(path: path)
        let writing = Locked(true)
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Two readers in turn, each holding its snapshot a few milliseconds, always overlapping.
            for offset in 0..<2 {
                group.addTask {
                    try await Task.sleep(for: .milliseconds(3 * offset))
                    while writing.value {
                        _ = try await readers.read { db in
                            usleep(6000)
                            return try Int.fetchOne(db, sql: "SELECT count(*) FROM stores")
                        }
                    }
                }
            }
            var largest = 0
            let now = Date()
            for _ in 0..<400 {
                _ = try await store.push(
                    PushRecord(storeID: "acme", idempotencyKey: nil, messages: skipped(100, at: now), replyStatus: 202, reply: [:], now: now)
                )
                largest = max(largest, size(path + "-wal"))
            }
            writing.update { $0 = false }
            try await group.waitForAll()
            let written = try await store.storageReport()
            #expect(written.pages * written.pageSize > 80_000_000)
            #expect(largest < 48 << 20, "the WAL reached \(largest >> 20) MB")
        }
    }

    @Test func prunedSpaceIsHandedBackAndTheWALEmptiesWhenIdle() async throws {
        let folder = try directory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("hub.sqlite").path
        let store = try SQLiteDatabase.open(path: path)
        try await store.createStore(id: "acme", name: "Acme", tokenHash: "h", at: Date())
        let old = Date().addingTimeInterval(-100 * 86_400)
        for _ in 0..<20 {
            _ = try await store.push(
                PushRecord(storeID: "acme", idempotencyKey: nil, messages: skipped(100, at: old), replyStatus: 202, reply: [:], now: Date())
            )
        }
        let full = try await store.storageReport()
        #expect(full.pages * full.pageSize > 4_000_000)
        // Idle: the checkpointer folds the WAL in and empties it.
        #expect(try await eventually(10) { size(path + "-wal") == 0 })

        var removed = 0
        while true {
            let count = try await store.pruneMessages(storeID: "acme", before: Date().addingTimeInterval(-30 * 86_400), limit: 500)
            removed += count
            if count == 0 { break }
        }
        #expect(removed == 2000)
        try await store.reclaimSpace()
        let after = try await store.storageReport()
        #expect(after.pages * 4 < full.pages, "the file kept \(after.pages) of \(full.pages) pages")
        #expect(after.freePages <= max(256, after.pages / 10))
        #expect(try await eventually(10) { size(path + "-wal") == 0 })
        #expect(size(path) == after.pages * after.pageSize)
    }
}
