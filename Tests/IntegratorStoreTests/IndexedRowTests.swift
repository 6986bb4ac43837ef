import Foundation
import GRDB
import Testing

@testable import IntegratorStore

/// Rows read by the positions their statement resolved once read what GRDB's rows read, and a
/// stored value of another type, or a column not there, reads as nil.
@Suite struct IndexedRowTests {
    @Test func readsEachColumnByItsPositionAndFallsBackForOtherSpellings() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (id TEXT, n INTEGER, x REAL, payload TEXT)")
            try db.execute(sql: "INSERT INTO t VALUES ('a', 7, 1.5, '{\"k\":1}'), ('b', NULL, 'not a number', x'00ff')")
            let rows = try db.indexedRows(db.makeStatement(sql: "SELECT id, n, x, payload, id AS id FROM t ORDER BY id"), values: [])
            #expect(rows.count == 2)
            #expect(try rows[0].text("id") == "a")
            #expect(try rows[0].int("n") == 7)
            #expect(try rows[0].real("x") == 1.5)
            #expect(try rows[0].text("payload") == #"{"k":1}"#)
            // GRDB matches names case-insensitively; an other spelling still finds the column.
            #expect(try rows[0].optionalText("ID") == "a")
            #expect(try rows[0].optionalText("missing") == nil)
            #expect(try rows[1].optionalInt("n") == nil)
            #expect(try rows[1].optionalReal("x") == nil)
            #expect(throws: StoreError.self) { try rows[1].int("n") }

            let one = try db.indexedRow(sql: "SELECT n, id FROM t WHERE id = ?", values: [.text("a")])
            #expect(try one?.int("n") == 7)
            #expect(try one?.text("id") == "a")
            #expect(try db.indexedRow(sql: "SELECT n, id FROM t WHERE id = ?", values: [.text("zzz")]) == nil)
        }
    }
}
