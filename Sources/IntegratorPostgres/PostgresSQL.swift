import Foundation
import IntegratorModel
import IntegratorStore
import PostgresNIO

/// A value bound to a statement. Statements are written with `?` placeholders, numbered
/// `$1, $2, …` when sent, so the SQL reads like the SQLite store's.
enum Bind: Sendable {
    case text(String?)
    case real(Double?)
    case int(Int?)
    case bool(Bool?)
    /// A column of many rows, for `unnest(?::text[])` and its kin (`PostgresColumn`).
    case texts([String?])
    case reals([Double?])
    case ints([Int?])
    case bools([Bool?])

    static func time(_ date: Date?) -> Bind { .real(date?.timeIntervalSince1970) }
}

extension PostgresQuery {
    /// Builds a query from SQL with `?` placeholders and its binds, in order.
    static func sql(_ text: String, _ binds: [Bind] = []) -> PostgresQuery {
        var numbered = ""
        numbered.reserveCapacity(text.count + binds.count * 2)
        var index = 0
        for character in text {
            if character == "?" {
                index += 1
                numbered += "$\(index)"
            } else {
                numbered.append(character)
            }
        }
        precondition(index == binds.count, "the statement has \(index) placeholders but \(binds.count) binds: \(text)")
        var bindings = PostgresBindings(capacity: binds.count)
        for bind in binds {
            switch bind {
            case .text(let value): bindings.append(value.map(SQLValue.storable))
            case .real(let value): bindings.append(value)
            case .int(let value): bindings.append(value)
            case .bool(let value): bindings.append(value)
            case .texts(let values): bindings.append(PostgresColumn(values: values.map { $0.map(SQLValue.storable) }))
            case .reals(let values): bindings.append(PostgresColumn(values: values))
            case .ints(let values): bindings.append(PostgresColumn(values: values))
            case .bools(let values): bindings.append(PostgresColumn(values: values))
            }
        }
        return PostgresQuery(unsafeSQL: numbered, binds: bindings)
    }
}

extension Bind {
    /// A shared statement's value (`ReadSQL`, …) as this store binds it.
    init(_ value: SQLValue) {
        switch value {
        case .text(let text): self = .text(text)
        case .real(let real): self = .real(real)
        case .int(let int): self = .int(int)
        }
    }
}

/// Something that runs statements: the pool, or one connection inside a transaction.
protocol SQLRunner: Sendable {
    func rows(_ sql: String, _ binds: [Bind]) async throws -> [PostgresRandomAccessRow]
    /// Runs a statement and returns how many rows it changed.
    @discardableResult func run(_ sql: String, _ binds: [Bind]) async throws -> Int
}

/// Both runners send a query and collect its rows; only how they reach a connection differs.
protocol QueryRunner: SQLRunner {
    func send(_ query: PostgresQuery) async throws -> PostgresRowSequence
}

extension SQLRunner {
    /// Runs a shared statement and returns its rows.
    func rows(_ statement: SQLStatement) async throws -> [PostgresRandomAccessRow] {
        try await rows(statement.sql, statement.values.map(Bind.init))
    }

    /// Runs shared SQL with its values (`IngestSQL`, …) and returns its rows.
    func rows(_ sql: String, values: [SQLValue]) async throws -> [PostgresRandomAccessRow] {
        try await rows(sql, values.map(Bind.init))
    }

    /// Runs shared SQL with its values and returns how many rows it changed.
    @discardableResult func run(_ sql: String, values: [SQLValue]) async throws -> Int {
        try await run(sql, values.map(Bind.init))
    }
}

extension QueryRunner {
    func rows(_ sql: String, _ binds: [Bind]) async throws -> [PostgresRandomAccessRow] {
        try await send(.sql(sql, binds)).collect().map { $0.makeRandomAccess() }
    }

    /// Counts changed rows by asking INSERT, UPDATE and DELETE to return one row each.
    @discardableResult func run(_ sql: String, _ binds: [Bind]) async throws -> Int {
        let head = sql.drop { $0.isWhitespace }.prefix(6).uppercased()
        let changes = ["INSERT", "UPDATE", "DELETE"].contains(head) && !sql.contains("RETURNING")
        return try await rows(changes ? sql + " RETURNING 1" : sql, binds).count
    }
}

extension PostgresConnection: QueryRunner {
    func send(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        try await self.query(query, logger: PostgresDatabase.quiet)
    }
}

extension PostgresClient: QueryRunner {
    func send(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        try await self.query(query, logger: PostgresDatabase.quiet)
    }
}

/// A PostgreSQL row read by the shared decoders (`StoreRow`); the required readers, times and
/// JSON come from there.
extension PostgresRandomAccessRow: StoreRow {
    public func optionalText(_ column: String) throws -> String? { try self[column].decode(String?.self) }
    public func optionalReal(_ column: String) throws -> Double? { try self[column].decode(Double?.self) }
    public func optionalBool(_ column: String) throws -> Bool? { try self[column].decode(Bool?.self) }
    public func optionalInt(_ column: String) throws -> Int? { try self[column].decode(Int?.self) }
}
