import Hummingbird
import IntegratorModel
import IntegratorStore

/// A store's schedulers: the list, the editor (new and saved) and delete.
struct SchedulersController: Sendable {
    let console: Console
    var hub: Hub { console.hub }
    var editor: ConsoleEditor { ConsoleEditor(console: console, kind: .scheduler) }

    /// What a new scheduler's editor starts from.
    static let starter: JSONValue = ["id": "poll-orders", "message": "spree:orders:poll", "payload": [:], "interval": 60, "enabled": true]

    func addRoutes(to router: some RouterMethods<HubRequestContext>) {
        router.get("/console/stores/:store_id/schedulers", use: list)
        router.get("/console/stores/:store_id/new-scheduler", use: new)
        router.post("/console/stores/:store_id/new-scheduler", use: create)
        router.get("/console/stores/:store_id/schedulers/:id", use: edit)
        router.post("/console/stores/:store_id/schedulers/:id", use: save)
        router.post("/console/stores/:store_id/schedulers/:id/delete", use: delete)
    }

    @Sendable func list(_ request: Request, context: HubRequestContext) async throws -> Response {
        let store = try await console.store(context)
        let rows = try await hub.database.schedulers(storeID: store.id).map { scheduler in
            ConsoleJSON(Presenter.scheduler(scheduler)).adding([
                "escapedID": .string(ConsoleView.segment(scheduler.id)), "enabled": .string(scheduler.enabled ? "yes" : "no"),
            ])
        }
        let chrome = ConsoleChrome(title: "Schedulers", store: store.id, nav: .schedulers, notice: request.uri.queryParameters.get("notice"))
        return console.renderer.render(SchedulersPage(schedulers: rows), chrome, context: context)
    }

    @Sendable func new(_ request: Request, context: HubRequestContext) async throws -> Response {
        let store = try await console.store(context)
        return editor.render(editor.page(storeID: store.id, name: nil, document: Self.starter.prettyJSONString), storeID: store.id, context: context)
    }

    @Sendable func edit(_ request: Request, context: HubRequestContext) async throws -> Response {
        let store = try await console.store(context)
        let id = try Authenticator.pathParameter(context, "id")
        guard let scheduler = try await hub.database.schedulers(storeID: store.id).first(where: { $0.id == id }) else {
            throw APIError.notFound("store '\(store.id)' has no scheduler '\(id)'")
        }
        // The document the admin API takes, without the run times it keeps itself.
        let document: JSONValue = [
            "id": .string(scheduler.id), "message": .string(scheduler.message), "payload": scheduler.payload,
            "interval": .double(scheduler.interval), "enabled": .bool(scheduler.enabled),
        ]
        let page = editor.page(storeID: store.id, name: id, document: document.prettyJSONString)
        return editor.render(page, storeID: store.id, notice: request.uri.queryParameters.get("notice"), context: context)
    }

    @Sendable func create(_ request: Request, context: HubRequestContext) async throws -> Response {
        try await editor.submit(request, context, name: nil) { storeID, document in
            try await console.operations.saveScheduler(storeID: storeID, document, id: nil, creating: true).id
        }
    }

    @Sendable func save(_ request: Request, context: HubRequestContext) async throws -> Response {
        let id = try Authenticator.pathParameter(context, "id")
        return try await editor.submit(request, context, name: id) { storeID, document in
            try await console.operations.saveScheduler(storeID: storeID, document, id: id, creating: false).id
        }
    }

    @Sendable func delete(_ request: Request, context: HubRequestContext) async throws -> Response {
        let store = try await console.store(context)
        let id = try Authenticator.pathParameter(context, "id")
        try await console.operations.deleteScheduler(storeID: store.id, id: id)
        return console.redirect(ConsoleURL.store(store.id, "schedulers", query: [("notice", "scheduler '\(id)' deleted")]))
    }
}
