import Foundation
import GRDB
import Testing

@testable import IntegratorStore

/// The shared statements' values bound through SQLite's C API (`Statement.bind`) store what
/// GRDB's own binding stores, for every kind of value and the hostile ones; a wrong count is
/// an error, and a statement whose last run failed can run again.
@Suite struct SQLiteBindingTests {
    static let values: [SQLValue] = [
        .text(nil), .real(nil), .int(nil), .text(""), .text("abc"), .text("é日本🙂"), .text("a\u{0}b"),
        .text(String(repeating: "x", count: 70_000)), .int(0), .int(-1), .int(Int.max), .int(Int.min),
        .real(0), .real(-0.0), .real(1.5), .real(-1e300), .real(.infinity), .real(-.infinity), .real(.nan),
        .real(.leastNonzeroMagnitude), .real(.greatestFiniteMagnitude),
    ]

    /// Each value's stored type and value as SQLite reads them back.
    static func stored(_ db: Database, _ id: Int) throws -> [String] {
        try Row.fetchAll(db, sql: "SELECT typeof(v) AS t, quote(v) AS q FROM t WHERE id = ?", arguments: [id]).map {
            "\($0["t"] as String? ?? "?") \($0["q"] as String? ?? "?")"
        }
    }

    @Test(arguments: values) func aBoundValueIsStoredAsGRDBStoresIt(value: SQLValue) throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (id INTEGER, v)")
            try db.cachedExecute(sql: "INSERT INTO t (id, v) VALUES (?, ?)", values: [.int(1), value])
            try db.execute(sql: "INSERT INTO t (id, v) VALUES (?, ?)", arguments: StatementArguments([.int(2), value]))
            let direct = try Self.stored(db, 1)
            #expect(direct.count == 1)
            #expect(direct == (try Self.stored(db, 2)))
        }
    }

    @Test func theEmptyTextIsStoredAsTextNotNull() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (id INTEGER, v)")
            try db.cachedExecute(sql: "INSERT INTO t (id, v) VALUES (?, ?)", values: [.int(1), .text("")])
            #expect(try Self.stored(db, 1) == ["text ''"])
        }
    }

    @Test func tooFewOrTooManyValuesAreAnErrorAndWriteNothing() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (id INTEGER, v)")
            #expect(throws: DatabaseError.self) { try db.cachedExecute(sql: "INSERT INTO t (id, v) VALUES (?, ?)", values: [.int(1)]) }
            #expect(throws: DatabaseError.self) {
                try db.cachedExecute(sql: "INSERT INTO t (id, v) VALUES (?, ?)", values: [.int(1), .int(2), .int(3)])
            }
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") == 0)
        }
    }

    @Test func aStatementWhoseLastRunFailedRunsAgain() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, v)")
            let insert = "INSERT INTO t (id, v) VALUES (?, ?)"
            try db.cachedExecute(sql: insert, values: [.int(1), .text("a")])
            #expect(throws: DatabaseError.self) { try db.cachedExecute(sql: insert, values: [.int(1), .text("again")]) }
            try db.cachedExecute(sql: insert, values: [.int(2), .text("b")])
            // GRDB's own binding of the same cached statement still works after ours, and ours after it.
            try db.cachedStatement(sql: insert).execute(arguments: [3, "c"])
            try db.cachedExecute(sql: insert, values: [.int(4), .text("d")])
            #expect(try String.fetchAll(db, sql: "SELECT v FROM t ORDER BY id") == ["a", "b", "c", "d"])
        }
    }
}
