import NIOCore
import PostgresNIO

/// One column of many rows, bound as a single array parameter (`text[]`, `float8[]`, `int8[]`)
/// that a statement takes apart with `unnest`: many rows in one statement, one round trip.
///
/// Written by hand because PostgresNIO encodes arrays of values but not arrays that hold NULLs,
/// which these columns need (a message without a parent, a delivery without a dedup key). This
/// is PostgreSQL's binary array format (`array_recv`): the number of dimensions, a has-nulls
/// flag, the element type, the length and lower bound, then each element as its byte count
/// (-1 for NULL) and its bytes.
struct PostgresColumn<Element: PostgresArrayEncodable & PostgresNonThrowingEncodable & Sendable>: PostgresNonThrowingEncodable, Sendable {
    var values: [Element?]

    static var psqlType: PostgresDataType { Element.psqlArrayType }
    static var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        let dimensions: Int32 = values.isEmpty ? 0 : 1
        buffer.writeInteger(dimensions)
        buffer.writeInteger(values.contains { $0 == nil } ? 1 : 0, as: Int32.self)
        buffer.writeInteger(Element.psqlType.rawValue)
        guard !values.isEmpty else { return }
        // A batch is bounded by the requests waiting for one commit, far below Int32's range.
        buffer.writeInteger(Int32(clamping: values.count))
        buffer.writeInteger(1, as: Int32.self)
        for value in values {
            guard let value else {
                buffer.writeInteger(-1, as: Int32.self)
                continue
            }
            let lengthIndex = buffer.writerIndex
            buffer.writeInteger(0, as: Int32.self)
            let start = buffer.writerIndex
            value.encode(into: &buffer, context: context)
            buffer.setInteger(Int32(clamping: buffer.writerIndex - start), at: lengthIndex)
        }
    }
}
