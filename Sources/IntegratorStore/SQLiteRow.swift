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

extension SQLStatement {
    /// The statement's values as GRDB binds them.
    var arguments: StatementArguments {
        StatementArguments(
            values.map { value -> DatabaseValue in
                switch value {
                case .text(let text): text.databaseValue
                case .real(let real): real.databaseValue
                case .int(let int): int.databaseValue
                }
            }
        )
    }
}
