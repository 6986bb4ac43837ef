import Foundation
import GRDB

/// A SQLite row read by the shared decoders (`StoreRow`). A value of another type than the
/// column's, or a column that is not there, reads as nil rather than stopping the process
/// (GRDB's typed subscripts trap on both).
extension Row: StoreRow {
    public func optionalText(_ column: String) throws -> String? { String.fromDatabaseValue(value(column)) }
    public func optionalReal(_ column: String) throws -> Double? { Double.fromDatabaseValue(value(column)) }
    public func optionalBool(_ column: String) throws -> Bool? { Bool.fromDatabaseValue(value(column)) }
    public func optionalInt(_ column: String) throws -> Int? { Int.fromDatabaseValue(value(column)) }

    /// The column by its exact name first, as the stores' queries spell it. GRDB's lookup by
    /// name is case-insensitive (on a fetched row it lowercased every column's name at each
    /// lookup) and its typed subscript looked generic metadata up on every read: together about
    /// 3 % of the drain's CPU. Another spelling still finds the column through GRDB.
    private func value(_ column: String) -> DatabaseValue {
        if let index = columnNames.firstIndex(of: column) { return self[index].1 }
        return (self[column] as DatabaseValue?) ?? .null
    }
}

/// A fetched row read by the position of a column's name among its statement's. A `Row` looks
/// a name up by walking its columns as (name, value) pairs, copying each value it passes (a
/// payload too); on the drain's claims that walk was most of a claim's CPU. The statement's
/// names are a few short strings, compared in place, without hashing. A name the statement
/// does not have still finds the column through the row.
struct IndexedRow: StoreRow {
    let row: Row
    /// The statement's column names, in order (GRDB keeps them with the statement).
    let names: [String]

    func optionalText(_ column: String) throws -> String? { String.fromDatabaseValue(value(column)) }
    func optionalReal(_ column: String) throws -> Double? { Double.fromDatabaseValue(value(column)) }
    func optionalBool(_ column: String) throws -> Bool? { Bool.fromDatabaseValue(value(column)) }
    func optionalInt(_ column: String) throws -> Int? { Int.fromDatabaseValue(value(column)) }

    private func value(_ column: String) -> DatabaseValue {
        guard let position = names.firstIndex(of: column), position < row.count else { return (row[column] as DatabaseValue?) ?? .null }
        return row[row.index(row.startIndex, offsetBy: position)].1
    }
}

extension Database {
    /// The rows of a statement, read by position (`IndexedRow`), its values bound directly
    /// (`Statement.bind`).
    func indexedRows(_ statement: Statement, values: [SQLValue]) throws -> [IndexedRow] {
        let names = statement.columnNames
        try statement.bind(values)
        defer { statement.clearBoundValues() }
        return try Row.fetchAll(statement).map { IndexedRow(row: $0, names: names) }
    }

    /// The first row of a cached statement, read by position (`IndexedRow`), its values bound
    /// directly (`Statement.bind`).
    func indexedRow(sql: String, values: [SQLValue]) throws -> IndexedRow? {
        let statement = try cachedStatement(sql: sql)
        try statement.bind(values)
        defer { statement.clearBoundValues() }
        return try Row.fetchOne(statement).map { IndexedRow(row: $0, names: statement.columnNames) }
    }
}

extension SQLValue {
    /// The value as GRDB binds it.
    var databaseValue: DatabaseValue {
        switch self {
        case .text(let text): text.map(SQLValue.storable).databaseValue
        case .real(let real): real.databaseValue
        case .int(let int): int.databaseValue
        }
    }
}

extension StatementArguments {
    /// Shared statements' values (`IngestSQL`, …) as GRDB binds them.
    /// Through GRDB's initialiser for optional existentials: the one for a sequence of a
    /// concrete type maps it with a key path, which GRDB's unspecialised generic code projected
    /// element by element with metadata lookups (2 % of the drain's CPU).
    init(_ values: [SQLValue]) { self.init(values.map { $0.databaseValue as (any DatabaseValueConvertible)? }) }
}

extension SQLStatement {
    /// The statement's values as GRDB binds them.
    var arguments: StatementArguments { StatementArguments(values) }
}
