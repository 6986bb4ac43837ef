import HTTPTypes
import Hummingbird
import IntegratorModel
import IntegratorStore

/// A store's mappings: the list, the editor (new and saved), delete, and Try it, which says
/// whether a mapping would take a message and why without pushing anything.
struct MappingsController: Sendable {
    let console: Console
    var hub: Hub { console.hub }
    var editor: ConsoleEditor { ConsoleEditor(console: console, kind: .mapping) }

    /// What a new mapping's editor starts from.
    static let starter: JSONValue = [
        "name": "orders-to-erp", "messages": ["order:new", "order:updated"], "url": "http://127.0.0.1:9000/orders", "token": "",
        "filters": [["path": "payload.order.currency", "operator": "eq", "value": "USD"]],
        "identifiers": ["order_number": "payload.order.number"],
        "parameters": [], "options": ["retries_allowed": true],
    ]

    func addRoutes(to router: some RouterMethods<HubRequestContext>) {
        router.get("/console/stores/:store_id/mappings", use: list)
        router.get("/console/stores/:store_id/new-mapping", use: new)
        router.post("/console/stores/:store_id/new-mapping", use: create)
        router.get("/console/stores/:store_id/mappings/:name", use: edit)
        router.post("/console/stores/:store_id/mappings/:name", use: save)
        router.post("/console/stores/:store_id/mappings/:name/delete", use: delete)
        router.post("/console/stores/:store_id/mappings/:name/try", use: tryIt)
    }

    @Sendable func list(_ request: Request, context: HubRequestContext) async throws -> Response {
        let store = try await console.store(context)
        let rows = hub.catalog.mappings(storeID: store.id).map { compiled in
            let mapping = compiled.mapping
            return MappingsPage.Row(
                name: mapping.name,
                escapedName: ConsoleView.segment(mapping.name),
                messageList: mapping.messages.joined(separator: ", "),
                url: mapping.url,
                filterCount: mapping.filters.count,
                identifierList: mapping.identifiers.keys.sorted().joined(separator: ", "),
                enabled: mapping.enabled ? "yes" : "no"
            )
        }
        let chrome = ConsoleChrome(title: "Mappings", store: store.id, nav: .mappings, notice: request.uri.queryParameters.get("notice"))
        return console.renderer.render(MappingsPage(mappings: rows), chrome, context: context)
    }

    @Sendable func new(_ request: Request, context: HubRequestContext) async throws -> Response {
        let store = try await console.store(context)
        return editor.render(editor.page(storeID: store.id, name: nil, document: Self.starter.prettyJSONString), storeID: store.id, context: context)
    }

    @Sendable func edit(_ request: Request, context: HubRequestContext) async throws -> Response {
        let (store, mapping) = try await self.mapping(context)
        let page = editor.page(storeID: store.id, name: mapping.name, document: mapping.json.prettyJSONString)
        return editor.render(page, storeID: store.id, notice: request.uri.queryParameters.get("notice"), context: context)
    }

    @Sendable func create(_ request: Request, context: HubRequestContext) async throws -> Response {
        try await editor.submit(request, context, name: nil) { storeID, document in
            try await console.operations.saveMapping(storeID: storeID, document, name: nil, creating: true).mapping.name
        }
    }

    @Sendable func save(_ request: Request, context: HubRequestContext) async throws -> Response {
        let name = try Authenticator.pathParameter(context, "name")
        return try await editor.submit(request, context, name: name) { storeID, document in
            try await console.operations.saveMapping(storeID: storeID, document, name: name, creating: false).mapping.name
        }
    }

    /// The editor's Try it panel: would the mapping take this message, and why.
    @Sendable func tryIt(_ request: Request, context: HubRequestContext) async throws -> Response {
        let (store, mapping) = try await self.mapping(context)
        let form = try await console.form(request)
        var page = editor.page(storeID: store.id, name: mapping.name, document: mapping.json.prettyJSONString)
        let messageText = form["message"] ?? ""
        let payloadText = form["payload"] ?? "{}"
        page.tryMessage = messageText
        page.tryPayload = payloadText
        var status = HTTPResponse.Status.ok
        do {
            let payload = try console.parseDocument(payloadText, field: "payload")
            let explanation = try await console.operations.explain(
                storeID: store.id,
                mapping: mapping.name,
                ["message": .string(messageText), "payload": payload]
            )
            page.tryResult = EditorPage.TryResult(
                matches: explanation.matches,
                verdict: explanation.matches ? "It takes it" : "It does not take it",
                why: explanation.why,
                filtersJSON: JSONValue.array(explanation.filters.map(\.json)).prettyJSONString
            )
        } catch let error as APIError where error.isFormProblem {
            page.problems = FormProblems(error)
            status = error.status
        }
        return editor.render(page, storeID: store.id, status: status, context: context)
    }

    @Sendable func delete(_ request: Request, context: HubRequestContext) async throws -> Response {
        let store = try await console.store(context)
        let name = try Authenticator.pathParameter(context, "name")
        try await console.operations.deleteMapping(storeID: store.id, name: name)
        return console.redirect(ConsoleURL.store(store.id, "mappings", query: [("notice", "mapping '\(name)' deleted")]))
    }

    /// The store and the mapping a path names, or a 404 that says which is missing.
    private func mapping(_ context: HubRequestContext) async throws -> (StoreInfo, Mapping) {
        let store = try await console.store(context)
        let name = try Authenticator.pathParameter(context, "name")
        guard let compiled = hub.catalog.mapping(storeID: store.id, name: name) else {
            throw APIError.notFound("store '\(store.id)' has no mapping '\(name)'")
        }
        return (store, compiled.mapping)
    }
}
