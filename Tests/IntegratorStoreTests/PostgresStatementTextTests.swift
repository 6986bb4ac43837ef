import PostgresNIO
import Testing

@testable import IntegratorPostgres

/// The PostgreSQL store writes its SQL with `?` placeholders, as the SQLite store does; these
/// are numbered on the way out, on the statement's bytes.
@Suite struct PostgresStatementTextTests {
    @Test(arguments: [
        ("SELECT 1", "SELECT 1", 0),
        ("SELECT ?", "SELECT $1", 1),
        ("UPDATE t SET a = ?, b = ? WHERE id = ?", "UPDATE t SET a = $1, b = $2 WHERE id = $3", 3),
        ("-- é ü 漢字\nSELECT ?::text AS «x»", "-- é ü 漢字\nSELECT $1::text AS «x»", 1),
        ("", "", 0),
    ])
    func placeholdersAreNumberedInOrder(text: String, expected: String, count: Int) {
        let numbered = PostgresQuery.numbered(text)
        #expect(numbered.sql == expected)
        #expect(numbered.placeholders == count)
    }

    @Test func placeholdersPastNineAreNumberedWithAllTheirDigits() {
        let text = Array(repeating: "?", count: 12).joined(separator: ",")
        let numbered = PostgresQuery.numbered(text)
        #expect(numbered.sql == (1...12).map { "$\($0)" }.joined(separator: ","))
        #expect(numbered.placeholders == 12)
    }

    @Test(arguments: [
        ("INSERT INTO t VALUES (1)", true),
        ("  \n\tupdate t SET a = 1", true),
        ("DELETE FROM t", true),
        ("INSERT INTO t VALUES (1) RETURNING id", false),
        ("SELECT 1", false),
        ("BEGIN", false),
        ("COMMIT", false),
        ("", false),
        ("INS", false),
    ])
    func onlyWritesWithoutTheirOwnReturningAreCounted(sql: String, counted: Bool) {
        #expect(PostgresConnection.countsChanges(sql) == counted)
    }
}
