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

    private func value(_ column: String) -> DatabaseValue { (self[column] as DatabaseValue?) ?? .null }
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
    init(_ values: [SQLValue]) { self.init(values.map(\.databaseValue)) }
}

extension SQLStatement {
    /// The statement's values as GRDB binds them.
    var arguments: StatementArguments { StatementArguments(values) }
}

extension Database {
    /// Runs a shared statement (`IngestSQL`, …) through the prepared-statement cache.
    func cachedExecute(sql: String, values: [SQLValue]) throws {
        try cachedStatement(sql: sql).execute(arguments: StatementArguments(values))
    }
}
