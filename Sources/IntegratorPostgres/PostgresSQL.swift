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
        let (statement, placeholders) = numbered(text)
        precondition(placeholders == binds.count, "the statement has \(placeholders) placeholders but \(binds.count) binds: \(text)")
        return PostgresQuery(unsafeSQL: statement, binds: bindings(binds))
    }

    /// `binds` as PostgresNIO sends them; texts made storable (`SQLValue.storable`).
    static func bindings(_ binds: [Bind]) -> PostgresBindings {
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
        return bindings
    }

    /// `text` with its `?` numbered `$1, $2, …`, and how many there were. On the UTF-8 bytes:
    /// walking the statement by `Character` (grapheme breaking) cost 5 % of a push's CPU on
    /// PostgreSQL, for a 2 KB statement every group commit. `?` is ASCII, so a byte `?` is one.
    static func numbered(_ text: String) -> (sql: String, placeholders: Int) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 64)
        var index = 0
        for byte in text.utf8 {
            guard byte == UInt8(ascii: "?") else {
                bytes.append(byte)
                continue
            }
            index += 1
            bytes.append(UInt8(ascii: "$"))
            bytes.append(contentsOf: String(index).utf8)
        }
        return (String(decoding: bytes, as: UTF8.self), index)
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
        let changes = Self.countsChanges(sql)
        return try await rows(changes ? sql + " RETURNING 1" : sql, binds).count
    }
}

extension QueryRunner {
    /// Whether `sql` is an INSERT, UPDATE or DELETE without its own RETURNING, read on its
    /// UTF-8 bytes (every `BEGIN` and `COMMIT` passes here).
    static func countsChanges(_ sql: String) -> Bool {
        let bytes = sql.utf8.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\t") }
        let head = String(decoding: bytes.prefix(6), as: UTF8.self).uppercased()
        return ["INSERT", "UPDATE", "DELETE"].contains(head) && sql.utf8.firstRange(of: "RETURNING".utf8) == nil
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
