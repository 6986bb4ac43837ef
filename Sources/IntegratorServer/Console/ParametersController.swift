import HTTPTypes
import Hummingbird
import IntegratorModel
import IntegratorStore

/// A store's parameters: each value as JSON, saved or deleted in place, and a form to add one.
struct ParametersController: Sendable {
    let console: Console
    var hub: Hub { console.hub }

    func addRoutes(to router: some RouterMethods<HubRequestContext>) {
        router.get("/console/stores/:store_id/parameters", use: list)
        router.post("/console/stores/:store_id/parameters", use: save)
        router.post("/console/stores/:store_id/parameters/:name/delete", use: delete)
    }

    @Sendable func list(_ request: Request, context: HubRequestContext) async throws -> Response {
        let store = try await console.store(context)
        return try await page(storeID: store.id, notice: request.uri.queryParameters.get("notice"), context: context)
    }

    /// A value typed as JSON is stored as that JSON; anything else is stored as a string.
    @Sendable func save(_ request: Request, context: HubRequestContext) async throws -> Response {
        let store = try await console.store(context)
        let form = try await console.form(request)
        let name = form["name"] ?? ""
        let text = form["value"] ?? ""
        let value = (try? JSONValue.parse(text)) ?? .string(text)
        do {
            _ = try await console.operations.setParameter(storeID: store.id, name: name, value: value)
            return console.redirect(ConsoleURL.store(store.id, "parameters", query: [("notice", "parameter '\(name)' saved")]))
        } catch let error as APIError where error.status == .unprocessableContent {
            return try await page(storeID: store.id, problems: FormProblems(error), status: error.status, context: context)
        }
    }

    @Sendable func delete(_ request: Request, context: HubRequestContext) async throws -> Response {
        let store = try await console.store(context)
        let name = try Authenticator.pathParameter(context, "name")
        try await console.operations.deleteParameter(storeID: store.id, name: name)
        return console.redirect(ConsoleURL.store(store.id, "parameters", query: [("notice", "parameter '\(name)' deleted")]))
    }

    private func page(
        storeID: String,
        notice: String? = nil,
        problems: FormProblems? = nil,
        status: HTTPResponse.Status = .ok,
        context: HubRequestContext
    ) async throws -> Response {
        let rows = try await hub.database.parameters(storeID: storeID).map { parameter in
            ParametersPage.Row(name: parameter.name, escapedName: ConsoleView.segment(parameter.name), valueJSON: parameter.value.jsonString)
        }
        let chrome = ConsoleChrome(title: "Parameters", store: storeID, nav: .parameters, notice: notice)
        return console.renderer.render(ParametersPage(parameters: rows, problems: problems), chrome, context: context, status: status)
    }
}
