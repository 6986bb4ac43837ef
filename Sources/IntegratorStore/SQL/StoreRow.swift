import Foundation
import IntegratorModel

/// A result row of either engine, read by column name, so the decoders of stored rows are
/// written once (`ConfigurationSQL.storeInfo`, `scheduler`, …). Each engine supplies the three
/// optional readers; a value that is missing or of another type reads as nil, and the
/// required readers throw naming the column, so a damaged row is an error and never a trap.
public protocol StoreRow {
    func optionalText(_ column: String) throws -> String?
    func optionalReal(_ column: String) throws -> Double?
    func optionalBool(_ column: String) throws -> Bool?
    func optionalInt(_ column: String) throws -> Int?
}

extension StoreRow {
    public func text(_ column: String) throws -> String { try required(optionalText(column), column) }
    public func real(_ column: String) throws -> Double { try required(optionalReal(column), column) }
    public func bool(_ column: String) throws -> Bool { try required(optionalBool(column), column) }
    public func int(_ column: String) throws -> Int { try required(optionalInt(column), column) }
    public func time(_ column: String) throws -> Date { Date(timeIntervalSince1970: try real(column)) }
    public func optionalTime(_ column: String) throws -> Date? { try optionalReal(column).map(Date.init(timeIntervalSince1970:)) }

    /// A JSON column as the hub wrote it; nil when it is empty or no longer reads.
    public func json(_ column: String) throws -> JSONValue? { StoredJSON.read(try optionalText(column)) }

    private func required<T>(_ value: T?, _ column: String) throws -> T {
        guard let value else { throw StoreError.invalid("a stored row has no readable \(column)") }
        return value
    }
}

/// JSON the hub stored: read back with the hub's depth limit; nil for text that no longer reads.
public enum StoredJSON {
    public static func read(_ text: String?) -> JSONValue? {
        guard let text else { return nil }
        return try? JSONValue.parse(text, depthLimit: 512)
    }
}
