import Foundation
import HTTPTypes
import Hummingbird
import IntegratorModel
import NIOCore

/// Spree's API v1 as a store of version 1.3 or 2.0 answered it, with the hub connector's
/// `/api/integrator` collections: the routes, the key check, the error bodies and the
/// pagination envelopes of reference/spree-api.md.
public struct SpreeAPI: Sendable {
    public let database: SpreeDatabase
    public let version: SpreeVersion
    /// Whether orders have the hub connector's `locked_at` column.
    public let lockable: Bool

    public init(database: SpreeDatabase, lockable: Bool = true) async {
        self.database = database
        self.version = database.version
        self.lockable = lockable
    }

    var renderer: Renderer { Renderer(version: version, database: database, lockable: lockable) }

    /// Who is calling.
    enum Caller {
        case admin(User)
        case user(User)
        case anonymous
    }

    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        let api = self
        router.on("/api/**", method: .get) { request, context in await api.handle(request, context) }
        router.on("/api/**", method: .post) { request, context in await api.handle(request, context) }
        router.on("/api/**", method: .put) { request, context in await api.handle(request, context) }
        router.on("/api/**", method: .delete) { request, context in await api.handle(request, context) }
        return router
    }

    func handle(_ request: Request, _ context: BasicRequestContext) async -> Response {
        var request = request
        let body = (try? await request.collectBody(upTo: 8 << 20)).map { Array($0.readableBytesView) } ?? []
        let params = Params.parse(query: request.uri.query, body: body, contentType: request.headers[.contentType])
        var path = request.uri.path
        if path.hasSuffix(".json") { path = String(path.dropLast(5)) }
        let segments = path.split(separator: "/").map(String.init).dropFirst()  // drop "api"
        do {
            let caller = try await authenticate(request, params)
            let (status, json) = try await route(request.method, Array(segments), params, caller)
            return Self.response(status, json)
        } catch let error as SpreeError {
            switch error {
            case .notFound: return Self.response(404, ["error": "The resource you were looking for could not be found."])
            case .unauthorized: return Self.response(401, ["error": "You are not authorized to perform that action."])
            case .invalidResource(let errors):
                return Self.response(
                    422,
                    [
                        "error": "Invalid resource. Please fix errors and try again.",
                        "errors": .object(JSONObject(errors.mapValues { .array($0.map { .string($0) }) })),
                    ]
                )
            case .exception(let text): return Self.response(422, ["exception": .string(text)])
            case .error(let status, let text): return Self.response(status, ["error": .string(text)])
            }
        } catch {
            return Self.response(422, ["exception": .string(String(describing: error))])
        }
    }

    /// `X-Spree-Token`, else the `token` parameter. 1.3 requires a key; 2.0 lets anonymous
    /// callers through as non-admins.
    func authenticate(_ request: Request, _ params: Params) async throws -> Caller {
        let key = request.headers[HTTPField.Name("X-Spree-Token")!] ?? params["token"]?.stringValue
        guard let key, !key.isEmpty else {
            if version == .v1_3 { throw SpreeError.error(401, "You must specify an API key.") }
            return .anonymous
        }
        guard let user = await database.user(apiKey: key) else { throw SpreeError.error(401, "Invalid API key (\(key)) specified.") }
        return user.admin ? .admin(user) : .user(user)
    }

    func requireAdmin(_ caller: Caller) throws {
        guard case .admin = caller else { throw SpreeError.unauthorized }
    }

    static func response(_ status: Int, _ body: JSONValue?) -> Response {
        guard let body else { return Response(status: HTTPResponse.Status(code: status)) }
        return Response(
            status: HTTPResponse.Status(code: status),
            headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: Array(body.encoded())))
        )
    }

    /// The envelope `{<name>: [...], count, current_page, pages}` (with `total_count` and
    /// `per_page` where the template had them).
    func page(
        _ name: String,
        _ records: [JSONValue],
        _ params: Params,
        integerPage: Bool = false,
        totalCount: Bool = false,
        perPageKey: Bool = false
    ) -> JSONValue {
        let (page, perPage, pageEcho, perPageEcho) = params.paging
        let slice = Array(records.dropFirst((page - 1) * perPage).prefix(perPage))
        var fields: JSONObject = [
            name: .array(slice), "count": .int(Int64(slice.count)),
            "current_page": integerPage ? .int(Int64(page)) : pageEcho,
            "pages": .int(Int64(records.isEmpty ? 0 : (records.count + perPage - 1) / perPage)),
        ]
        if totalCount { fields["total_count"] = .int(Int64(records.count)) }
        if perPageKey { fields["per_page"] = integerPage ? .int(Int64(perPage)) : perPageEcho }
        return .object(fields)
    }

    func route(_ method: HTTPRequest.Method, _ s: [String], _ params: Params, _ caller: Caller) async throws -> (Int, JSONValue?) {
        let db = database
        let r = renderer
        switch (method, s.count, s.first ?? "") {
        // Orders
        case (.get, 1, "orders"):
            try requireAdmin(caller)
            var all = await db.allOrders()
            // Ransack reaches into associations: `q[shipments_number_eq]=H…` finds a shipment's order.
            if let shipment = params["q"]?["shipments_number_eq"]?.stringValue {
                all = all.filter { $0.shipments.contains { $0.number == shipment } }
            }
            let orders = all.map { JSONValue.object(r.orderAttributes($0)) }
            return (200, page("orders", Ransack.apply(params["q"], to: orders), params))
        case (.post, 1, "orders"):
            let isAdmin: Bool
            let userID: Int?
            switch caller {
            case .admin(let user): (isAdmin, userID) = (true, user.id)
            case .user(let user): (isAdmin, userID) = (false, user.id)
            case .anonymous: (isAdmin, userID) = (false, nil)
            }
            let order = try await db.importOrder(params["order"]?.objectValue ?? [:], admin: isAdmin, userID: userID)
            return (201, await r.order(order))
        case (.get, 2, "orders"):
            guard let order = await db.order(number: s[1]) else { throw SpreeError.notFound }
            try requireOwner(caller, order)
            return (200, await r.order(order))
        case (.put, 2, "orders"):
            try requireAdmin(caller)
            return (200, await r.order(try await db.updateOrder(number: s[1], params["order"]?.objectValue ?? [:], lockable: lockable)))
        case (.put, 3, "orders") where s[2] == "cancel":
            try requireAdmin(caller)
            return (200, await r.order(try await db.cancelOrder(number: s[1])))
        // Payments
        case (.get, 3, "orders") where s[2] == "payments":
            guard let order = await db.order(number: s[1]) else { throw SpreeError.exception("undefined method `payments' for nil:NilClass") }
            try requireOwner(caller, order)
            return (200, page("payments", order.payments.map(r.payment), params))
        case (.get, 4, "orders") where s[2] == "payments":
            guard let order = await db.order(number: s[1]) else { throw SpreeError.exception("undefined method `payments' for nil:NilClass") }
            try requireOwner(caller, order)
            guard let payment = order.payments.first(where: { String($0.id) == s[3] }) else { throw SpreeError.notFound }
            return (200, r.payment(payment))
        case (.put, 5, "orders") where s[2] == "payments" && s[4] == "capture":
            try requireAdmin(caller)
            guard let id = Int(s[3]) else { throw SpreeError.notFound }
            return (200, r.payment(try await db.capture(orderNumber: s[1], paymentID: id)))
        // Shipments
        case (.put, 5, "orders") where s[2] == "shipments" && (s[4] == "ready" || s[4] == "ship"):
            try requireAdmin(caller)
            let tracking = params["shipment"]?["tracking"]?.stringValue
            let shipment =
                s[4] == "ready"
                ? try await db.readyShipment(orderNumber: s[1], shipmentNumber: s[3], tracking: tracking)
                : try await db.shipShipment(orderNumber: s[1], shipmentNumber: s[3], tracking: tracking)
            guard let order = await db.order(number: s[1]) else { throw SpreeError.notFound }
            return (200, r.shipment(shipment, order: order))
        // Return authorizations
        case (.get, 3, "orders") where s[2] == "return_authorizations":
            try requireAdmin(caller)
            guard let order = await db.order(number: s[1]) else { throw SpreeError.notFound }
            return (
                200,
                page("return_authorizations", await db.allReturnAuthorizations().filter { $0.orderID == order.id }.map(r.returnAuthorization), params)
            )
        // Inventory units
        case (.get, 2, "inventory_units"), (.put, 2, "inventory_units"):
            if method == .put { try requireAdmin(caller) }
            guard let id = Int(s[1]) else { throw SpreeError.notFound }
            let serial = method == .put ? (params["inventory_unit"]?["serial_number"]?.stringValue ?? params["serial_number"]?.stringValue) : nil
            let (unit, shipment, order) = try await db.updateInventoryUnit(id: id, serialNumber: serial)
            return (200, r.inventoryUnit(unit, shipment: shipment, order: order))
        // Products and variants
        case (.get, 1, "products"):
            var products: [JSONValue] = []
            let locations = Dictionary(uniqueKeysWithValues: await db.allStockLocations().map { ($0.id, $0) })
            let ids = params["ids"]?.comparableText.split(separator: ",").compactMap { Int($0) }
            for product in await db.allProducts() where ids == nil || ids!.contains(product.id) {
                let variants = await db.allVariants().filter { $0.productID == product.id }
                var stock: [Int: [StockItem]] = [:]
                if version == .v2_0 { for variant in variants { stock[variant.id] = try await stockItems(variant.id) } }
                products.append(r.product(product, variants: variants, stock: { stock[$0.id] ?? [] }, locations: locations))
            }
            return (
                200,
                page("products", Ransack.apply(params["q"], to: products), params, integerPage: true, totalCount: true, perPageKey: version == .v2_0)
            )
        case (.get, 2, "products"):
            guard let product = await db.product(idOrPermalink: s[1]) else { throw SpreeError.notFound }
            let variants = await db.allVariants().filter { $0.productID == product.id }
            return (200, r.product(product, variants: variants))
        case (.put, 4, "products") where s[2] == "variants":
            try requireAdmin(caller)
            guard let variantID = Int(s[3]), let variant = await db.variant(id: variantID) else { throw SpreeError.notFound }
            if let onHand = params["variant"]?["on_hand"] {
                guard version == .v1_3 else { return (200, r.variant(variant, product: await db.product(id: variant.productID))) }
                guard let count = Int(onHand.comparableText) else { throw SpreeError.invalidResource(["on_hand": ["is not a number"]]) }
                let updated = try await db.setOnHand(variantID: variantID, to: count)
                return (200, r.variant(updated, product: await db.product(id: updated.productID)))
            }
            return (200, r.variant(variant, product: await db.product(id: variant.productID)))
        case (.get, 1, "variants"):
            let locations = Dictionary(uniqueKeysWithValues: await db.allStockLocations().map { ($0.id, $0) })
            var variants: [JSONValue] = []
            for variant in await db.allVariants() {
                let stock = version == .v2_0 ? try await stockItems(variant.id) : []
                var json = r.variant(variant, product: await db.product(id: variant.productID), stockItems: stock, locations: locations)
                // The hub connector adds the variant's inventory units, serial numbers included.
                if case .object(var fields) = json {
                    fields["inventory_units"] = .array(
                        await db.inventoryUnits(variantID: variant.id).map { r.inventoryUnit($0.unit, shipment: $0.shipment, order: $0.order) }
                    )
                    json = .object(fields)
                }
                variants.append(json)
            }
            return (200, page("variants", Ransack.apply(params["q"], to: variants), params, integerPage: true, totalCount: true))
        case (.get, 2, "variants") where version == .v2_0:
            guard let id = Int(s[1]), let variant = await db.variant(id: id) else { throw SpreeError.notFound }
            return (200, r.variant(variant, product: await db.product(id: variant.productID)))
        // Stock (2.0)
        case (.get, 1, "stock_locations") where version == .v2_0:
            try requireAdmin(caller)
            return (200, page("stock_locations", await db.allStockLocations().map { r.stockLocation($0) }, params))
        case (.get, 3, "stock_locations") where version == .v2_0 && s[2] == "stock_items":
            try requireAdmin(caller)
            guard let locationID = Int(s[1]) else {
                throw SpreeError.error(422, "A stock_location_id parameter must be provided in order to retrieve stock movements.")
            }
            let variantFilter = params["q"]?["variant_id_eq"].flatMap { Int($0.comparableText) }
            var items: [JSONValue] = []
            for item in try await db.stockItems(locationID: locationID, variantID: variantFilter) {
                let variant = await db.variant(id: item.variantID)
                items.append(r.stockItem(item, variant: variant, product: await db.product(of: variant)))
            }
            return (200, page("stock_items", Ransack.apply(params["q"], to: items), params))
        case (.put, 4, "stock_locations") where version == .v2_0 && s[2] == "stock_items":
            try requireAdmin(caller)
            guard let id = Int(s[3]) else { throw SpreeError.notFound }
            guard let countText = params["stock_item"]?["count_on_hand"]?.comparableText, let count = Int(countText) else {
                throw SpreeError.invalidResource(["count_on_hand": ["is not a number"]])
            }
            // Any `force` value, even "false", counts as true: Spree tested only its presence.
            let force = params["stock_item"]?["force"] != nil
            let item = try await db.adjustStockItem(id: id, count: count, force: force)
            let variant = await db.variant(id: item.variantID)
            return (200, r.stockItem(item, variant: variant, product: await db.product(of: variant)))
        // Users, taxonomies, taxons
        case (.get, 1, "users"):
            let users = await db.allUsers()
            switch caller {
            case .admin: return (200, page("users", Ransack.apply(params["q"], to: users.map(r.user)), params))
            case .user(let me): return (200, page("users", users.filter { $0.id == me.id }.map(r.user), params))
            case .anonymous: throw SpreeError.unauthorized
            }
        case (.get, 1, "taxonomies"):
            var taxonomies: [JSONValue] = []
            let taxons = await db.allTaxons()
            for taxonomy in await db.allTaxonomies() {
                let root = taxons.first { $0.taxonomyID == taxonomy.id && $0.parentID == nil }
                var rootJSON = root.map { r.taxon($0, connector: false) } ?? .null
                if case .object(var fields) = rootJSON, let root {
                    fields["taxons"] = .array(taxons.filter { $0.parentID == root.id }.map { r.taxon($0, connector: false) })
                    rootJSON = .object(fields)
                }
                taxonomies.append(["id": .int(Int64(taxonomy.id)), "name": .string(taxonomy.name), "root": rootJSON])
            }
            return (200, page("taxonomies", taxonomies, params))
        case (.get, 1, "taxons") where version == .v2_0:
            let taxons = await db.allTaxons().map { r.taxon($0, connector: false) }
            return (200, page("taxons", Ransack.apply(params["q"], to: taxons), params, integerPage: true, totalCount: true, perPageKey: true))
        // Hub connector
        case (.get, 1, "integrator"):
            try requireAdmin(caller)
            return (200, await integratorIndex(params))
        case (.get, 2, "integrator"):
            try requireAdmin(caller)
            return (200, try await collection(s[1], params))
        default:
            throw SpreeError.notFound
        }
    }

    func requireOwner(_ caller: Caller, _ order: Order) throws {
        switch caller {
        case .admin: return
        case .user(let user) where user.id == order.userID: return
        default: throw SpreeError.unauthorized
        }
    }

    func stockItems(_ variantID: Int) async throws -> [StockItem] {
        var items: [StockItem] = []
        for location in await database.allStockLocations() {
            items += try await database.stockItems(locationID: location.id, variantID: variantID)
        }
        return items
    }
}
