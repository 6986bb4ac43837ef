import EndpointKit
import Foundation
import IntegratorModel

extension SpreeServices {
    /// The collections a store's hub connector offers, with the message each object becomes.
    static let collections: [(name: String, message: String, versions: Set<String>)] = [
        ("orders", "order:persist", ["1.3", "2.0"]), ("carts", "cart:persist", ["1.3", "2.0"]), ("products", "product:persist", ["1.3", "2.0"]),
        ("users", "user:persist", ["1.3", "2.0"]), ("return_authorizations", "return_authorization:persist", ["1.3", "2.0"]),
        ("stock_transfers", "stock_transfer:persist", ["2.0"]), ("taxons", "taxon:persist", ["2.0"]),
    ]
    static let maximumPerPage = 50
    static let defaultPerPage = 25
    static let cursorParameter = "spree.collections_poll.last_updated_at"
    static let perPageParameter = "spree.collections_poll.per_page"

    /// `hub:poll` with `payload.target = "collections.<name>"`: one page (at most 50) of the
    /// objects changed since the collection's cursor, a `*:persist` message per object, and the
    /// cursors back as parameters. The store's `since` is inclusive, so an object updated at the
    /// cursor's instant is fetched again rather than skipped; when a whole page shares that
    /// instant the poller reads on until the cursor can move.
    public func poll(_ request: EndpointRequest) async throws -> EndpointResponse {
        guard let target = request.payload["target"]?.stringValue, target.hasPrefix("collections."),
            let collection = Self.collections.first(where: { $0.name == target.dropFirst("collections.".count) })
        else {
            let names = Self.collections.map { "collections.\($0.name)" }.joined(separator: ", ")
            throw EndpointError.badRequest("payload.target must be one of \(names), not '\(request.payload["target"]?.comparableText ?? "")'")
        }
        let cursors = Self.pairs(request.parameter(Self.cursorParameter))
        let perPages = Self.pairs(request.parameter(Self.perPageParameter))
        let perPage = min(Self.maximumPerPage, max(1, perPages[collection.name].flatMap { Int($0) } ?? Self.defaultPerPage))
        return try await withStore(request, subject: "hub:poll") { store, response in
            guard collection.versions.contains(store.version.rawValue) else {
                throw BusinessFailure("a Spree \(store.version.rawValue) store has no \(collection.name) collection")
            }
            let since = cursors[collection.name]
            var objects: [JSONValue] = []
            var page = 1
            while true {
                var query = ["page": String(page), "per_page": String(perPage)]
                if let since { query["since"] = since }
                let result = try await store.get("integrator/\(collection.name)", query: query)
                let records = result[collection.name]?.arrayValue ?? []
                objects += records
                let pages = result["pages"]?.numberValue.map { Int($0) } ?? 1
                // Read on only while every object so far sits at the cursor's instant.
                let stuck = since != nil && records.count == perPage && objects.allSatisfy { Self.sameInstant($0["updated_at"]?.stringValue, since) }
                if !stuck || page >= pages || page >= 20 { break }
                page += 1
            }
            let singular = String(collection.message.dropLast(":persist".count))
            response.addMessages(collection.message, payloads: objects.map { .object([singular: $0]) })
            var newCursor = since
            for object in objects {
                if let stamp = object["updated_at"]?.stringValue, Self.later(stamp, than: newCursor) { newCursor = stamp }
            }
            var updatedCursors = cursors
            if let newCursor { updatedCursors[collection.name] = newCursor }
            var updatedPerPage = perPages
            updatedPerPage[collection.name] = String(perPage)
            response.addParameter(Self.cursorParameter, value: Self.list(updatedCursors))
            response.addParameter(Self.perPageParameter, value: Self.list(updatedPerPage))
        }
    }

    /// Reads `[{orders: "…"}, {users: "…"}]` (the seed's form) or `{orders: "…"}`.
    static func pairs(_ value: JSONValue?) -> [String: String] {
        var result: [String: String] = [:]
        switch value {
        case .array(let items)?:
            for item in items { for (key, value) in item.objectValue ?? [:] { result[key] = value.comparableText } }
        case .object(let fields)?:
            for (key, value) in fields { result[key] = value.comparableText }
        default: break
        }
        return result
    }

    /// Writes pairs back in the seed's list form, in the collections' order.
    static func list(_ pairs: [String: String]) -> JSONValue {
        let order = collections.map(\.name)
        return .array(
            pairs.sorted { (order.firstIndex(of: $0.key) ?? 99, $0.key) < (order.firstIndex(of: $1.key) ?? 99, $1.key) }
                .map { .object([$0.key: .string($0.value)]) }
        )
    }

    static func date(_ text: String?) -> Date? {
        guard let text else { return nil }
        return Timestamp.parse(text)
    }

    static func later(_ stamp: String, than cursor: String?) -> Bool {
        guard let cursor else { return true }
        guard let a = date(stamp), let b = date(cursor) else { return stamp > cursor }
        return a > b
    }

    static func sameInstant(_ stamp: String?, _ cursor: String?) -> Bool {
        guard let a = date(stamp), let b = date(cursor) else { return stamp == cursor }
        return abs(a.timeIntervalSince(b)) < 0.0005
    }
}
