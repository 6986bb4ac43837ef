import Foundation
import GRDB

/// The simulator's data: typed records kept in memory for queries and written through to one
/// SQLite file, one JSON document per record, so a restarted simulator has its shop back.
public actor SpreeDatabase {
    public let version: SpreeVersion
    let writer: DatabaseQueue
    var users: [Int: User] = [:]
    var products: [Int: Product] = [:]
    var variants: [Int: Variant] = [:]
    var stockLocations: [Int: StockLocation] = [:]
    var stockItems: [Int: StockItem] = [:]
    var orders: [Int: Order] = [:]
    var taxonomies: [Int: Taxonomy] = [:]
    var taxons: [Int: Taxon] = [:]
    var returnAuthorizations: [Int: ReturnAuthorization] = [:]
    var stockTransfers: [Int: StockTransfer] = [:]
    var sequences: [String: Int] = [:]
    /// Time is read here so tests can hold it still.
    let now: @Sendable () -> Date

    /// Opens (or creates) the file at `path`; `:memory:` keeps nothing.
    public init(path: String, version: SpreeVersion, now: @escaping @Sendable () -> Date = { Date() }) throws {
        self.version = version
        self.now = now
        writer = path == ":memory:" ? try DatabaseQueue() : try DatabaseQueue(path: path)
        try writer.write { db in
            try db.execute(
                sql: "CREATE TABLE IF NOT EXISTS records (kind TEXT NOT NULL, id INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (kind, id))"
            )
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        }
        let rows = try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT kind, id, body FROM records").map { ($0["kind"] as String, $0["id"] as Int, $0["body"] as String) }
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        for (kind, id, body) in rows {
            let data = Data(body.utf8)
            switch kind {
            case "user": users[id] = try decoder.decode(User.self, from: data)
            case "product": products[id] = try decoder.decode(Product.self, from: data)
            case "variant": variants[id] = try decoder.decode(Variant.self, from: data)
            case "stock_location": stockLocations[id] = try decoder.decode(StockLocation.self, from: data)
            case "stock_item": stockItems[id] = try decoder.decode(StockItem.self, from: data)
            case "order": orders[id] = try decoder.decode(Order.self, from: data)
            case "taxonomy": taxonomies[id] = try decoder.decode(Taxonomy.self, from: data)
            case "taxon": taxons[id] = try decoder.decode(Taxon.self, from: data)
            case "return_authorization": returnAuthorizations[id] = try decoder.decode(ReturnAuthorization.self, from: data)
            case "stock_transfer": stockTransfers[id] = try decoder.decode(StockTransfer.self, from: data)
            default: break
            }
        }
        let meta = try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT key, value FROM meta").map { ($0["key"] as String, $0["value"] as String) }
        }
        for (key, value) in meta where key.hasPrefix("seq.") { sequences[String(key.dropFirst(4))] = Int(value) }
        if let stored = meta.first(where: { $0.0 == "version" })?.1, stored != version.rawValue {
            throw SpreeError.exception("the database at \(path) holds a Spree \(stored) shop; start with --version \(stored) or use another file")
        }
        try writer.write { db in try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('version', ?)", arguments: [version.rawValue])
        }
    }

    /// How many orders the shop has.
    public var orderCount: Int { orders.count }

    func nextID(_ kind: String) -> Int {
        let next = (sequences[kind] ?? 0) + 1
        sequences[kind] = next
        try? writer.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: ["seq.\(kind)", String(next)])
        }
        return next
    }

    func persist<T: Encodable>(_ kind: String, _ id: Int, _ value: T) {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        guard let data = try? encoder.encode(value) else { return }
        let body = String(decoding: data, as: UTF8.self)
        try? writer.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO records (kind, id, body) VALUES (?, ?, ?)", arguments: [kind, id, body])
        }
    }

    func save(_ user: User) {
        users[user.id] = user
        persist("user", user.id, user)
    }
    func save(_ product: Product) {
        products[product.id] = product
        persist("product", product.id, product)
    }
    func save(_ variant: Variant) {
        variants[variant.id] = variant
        persist("variant", variant.id, variant)
    }
    func save(_ location: StockLocation) {
        stockLocations[location.id] = location
        persist("stock_location", location.id, location)
    }
    func save(_ item: StockItem) {
        stockItems[item.id] = item
        persist("stock_item", item.id, item)
    }
    func save(_ order: Order) {
        orders[order.id] = order
        persist("order", order.id, order)
    }
    func save(_ taxonomy: Taxonomy) {
        taxonomies[taxonomy.id] = taxonomy
        persist("taxonomy", taxonomy.id, taxonomy)
    }
    func save(_ taxon: Taxon) {
        taxons[taxon.id] = taxon
        persist("taxon", taxon.id, taxon)
    }
    func save(_ ra: ReturnAuthorization) {
        returnAuthorizations[ra.id] = ra
        persist("return_authorization", ra.id, ra)
    }
    func save(_ transfer: StockTransfer) {
        stockTransfers[transfer.id] = transfer
        persist("stock_transfer", transfer.id, transfer)
    }

    // MARK: Lookups

    public func user(apiKey: String) -> User? { users.values.first { $0.apiKey == apiKey } }
    public func order(number: String) -> Order? { orders.values.first { $0.number == number } }
    public func variant(sku: String) -> Variant? { variants.values.first { $0.sku == sku } }
    public func product(idOrPermalink: String) -> Product? {
        products.values.first { $0.permalink == idOrPermalink } ?? Int(idOrPermalink).flatMap { products[$0] }
    }
    public var defaultStockLocation: StockLocation? { stockLocations.values.min { $0.id < $1.id } }

    /// The stock of a variant at a location (2.0), made on first use like Spree's propagation.
    func stockItem(variantID: Int, locationID: Int) -> StockItem {
        if let item = stockItems.values.first(where: { $0.variantID == variantID && $0.stockLocationID == locationID }) { return item }
        let item = StockItem(id: nextID("stock_item"), stockLocationID: locationID, variantID: variantID, countOnHand: 0, backorderable: true)
        save(item)
        return item
    }

    /// Numbers in Spree's shapes: `R` + 9 digits, `H` + 11, `RMA` + 9, `T` + 9.
    func number(_ prefix: String, digits: Int, taken: (String) -> Bool) -> String {
        while true {
            let candidate = prefix + String((0..<digits).map { _ in Character(String(Int.random(in: 0...8))) })
            if !taken(candidate) { return candidate }
        }
    }
}

/// A failure the API reports: each case is one of Spree's error bodies.
public enum SpreeError: Error, Sendable, Equatable {
    case notFound
    case unauthorized
    case invalidResource([String: [String]])
    /// `{"exception": "..."}` with 422.
    case exception(String)
    /// `{"error": "..."}` with a status.
    case error(Int, String)
}
