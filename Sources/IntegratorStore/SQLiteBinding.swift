import GRDB
import GRDBSQLite

/// The shared statements' values (`SQLValue`) bound straight through SQLite's C API.
///
/// GRDB binds through `StatementArguments`: each value is turned into a `DatabaseValue` by
/// generic code that is not specialised across the module boundary, then copied again to be
/// checked against the statement. On the drain's record (an attempt's insert and its delivery's
/// update, 19 values) that was a quarter of the record's time, two thirds of what SQLite took to
/// run its statements (perf, issue 17); ingest binds the same way for every push.
/// Here each value goes to `sqlite3_bind_*` as it is, and GRDB still runs the statement (its
/// checks and observers see it as a statement whose arguments are set).
///
/// Written by hand because GRDB offers no cheaper public way in: what it adds is only this
/// binding, and `SQLiteBindingTests` hold it to what GRDB's own binding stores.
extension Statement {
    /// Binds `values` to the statement's `?` placeholders, in order. Throws, binding nothing
    /// that stays, when their count differs from the statement's or SQLite refuses a value.
    func bind(_ values: [SQLValue]) throws {
        let statement = sqliteStatement
        let expected = Int(sqlite3_bind_parameter_count(statement))
        guard values.count == expected else {
            throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "\(values.count) values for \(expected) placeholders", sql: sql)
        }
        // A failed step leaves its error for the next reset, which GRDB's own reset below would
        // trap on: that error was the earlier statement's, already reported to its caller.
        sqlite3_reset(statement)
        // Marks the statement's arguments as set (to none), so that `execute()` runs what is
        // bound here rather than checking an empty argument list against the placeholders.
        setUncheckedArguments(StatementArguments())
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .text(nil), .real(nil), .int(nil): code = sqlite3_bind_null(statement, index)
            case .real(let real?): code = sqlite3_bind_double(statement, index, real)
            case .int(let int?): code = sqlite3_bind_int64(statement, index, Int64(int))
            case .text(let text?):
                var stored = SQLValue.storable(text)
                code = stored.withUTF8 { bytes -> Int32 in
                    // SQLite takes at most Int32.max bytes; the hub's inputs are bounded far
                    // below that, but a value is never trusted to be.
                    guard bytes.count <= Int(Int32.max) else { return SQLITE_TOOBIG }
                    // An empty text still needs a pointer, or SQLite would bind NULL.
                    guard let start = bytes.baseAddress, !bytes.isEmpty else { return sqlite3_bind_text(statement, index, "", 0, Self.transient) }
                    let characters = UnsafeRawPointer(start).assumingMemoryBound(to: CChar.self)
                    return sqlite3_bind_text(statement, index, characters, Int32(bytes.count), Self.transient)
                }
            }
            guard code == SQLITE_OK else {
                sqlite3_clear_bindings(statement)
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "value \(offset + 1) could not be bound", sql: sql)
            }
        }
    }

    /// Lets go of the values `bind` gave SQLite (its copies of the texts) once the statement ran.
    func clearBoundValues() { sqlite3_clear_bindings(sqliteStatement) }

    /// `SQLITE_TRANSIENT`: SQLite copies a value bound with it before the call returns.
    private static var transient: sqlite3_destructor_type { unsafeBitCast(-1, to: sqlite3_destructor_type.self) }
}

extension Database {
    /// Runs a shared statement (`IngestSQL`, …) through the prepared-statement cache, its
    /// values bound directly (`Statement.bind`).
    func cachedExecute(sql: String, values: [SQLValue]) throws {
        let statement = try cachedStatement(sql: sql)
        try statement.bind(values)
        defer { statement.clearBoundValues() }
        try statement.execute()
    }
}
