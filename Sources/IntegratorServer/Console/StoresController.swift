import HTTPTypes
import Hummingbird
import IntegratorModel
import IntegratorStore

/// The console's front page: the stores, and a form that creates one (its token shown once).
struct StoresController: Sendable {
    let console: Console
    var hub: Hub { console.hub }

    func addRoutes(to router: some RouterMethods<HubRequestContext>) {
        router.get("/console", use: list)
        router.post("/console/stores", use: create)
    }

    @Sendable func list(_ request: Request, context: HubRequestContext) async throws -> Response {
        try await page(StoresPage(stores: []), context: context, status: .ok)
    }

    @Sendable func create(_ request: Request, context: HubRequestContext) async throws -> Response {
        let form = try await console.form(request)
        var body: JSONObject = ["id": .string(form["id"] ?? "")]
        body["name"] = .string(form["name"].flatMap { $0.isEmpty ? nil : $0 } ?? form["id"] ?? "")
        if let token = form["token"], !token.isEmpty { body["token"] = .string(token) }
        do {
            let created = try await console.operations.createStore(.object(body))
            return try await page(StoresPage(stores: [], created: .init(id: created.id, token: created.token)), context: context, status: .created)
        } catch let error as APIError {
            return try await page(StoresPage(stores: [], problems: FormProblems(error)), context: context, status: error.status)
        }
    }

    /// The page with every store as the API lists it.
    private func page(_ page: StoresPage, context: HubRequestContext, status: HTTPResponse.Status) async throws -> Response {
        var page = page
        let retention = hub.configuration.retention
        page.stores = try await hub.database.stores().map { ConsoleJSON(Presenter.store($0, hubRetention: retention)) }
        return console.renderer.render(page, ConsoleChrome(title: "Stores"), context: context, status: status)
    }
}
