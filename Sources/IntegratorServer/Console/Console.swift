import HTTPTypes
import Hummingbird
import IntegratorModel
import IntegratorStore

/// What every console page controller shares: the hub, the renderer, the admin API's own
/// operations (so a page reads and changes exactly what the API would), and the few steps
/// each handler takes: find the store, read the form, parse a typed document, redirect; pages
/// are drawn by `renderer`.
struct Console: Sendable {
    let hub: Hub
    let renderer: ConsoleRenderer

    var operations: AdminOperations { AdminOperations(hub: hub) }

    /// The store a page's path names, or a 404 that says so.
    func store(_ context: HubRequestContext) async throws -> StoreInfo {
        let id = try Authenticator.pathParameter(context, "store_id")
        guard let store = try await hub.database.store(id: id) else { throw APIError.notFound("no store with id '\(id)'") }
        return store
    }

    /// A posted form's fields (the body is bounded like any other request's).
    func form(_ request: Request) async throws -> [String: String] {
        ConsoleView.form(String(buffer: try await Ingest(hub: hub).readBody(request)))
    }

    /// A JSON text from an editor, or a 400 naming the field and what is wrong with it.
    func parseDocument(_ text: String, field: String) throws -> JSONValue {
        do {
            return try JSONValue.parse(text, depthLimit: hub.configuration.maxJSONDepth)
        } catch {
            let why = (error as? JSONReadError)?.description ?? "not valid JSON"
            throw APIError(.badRequest, "the \(field) is not valid JSON", problems: [Problem(path: field, problem: why)])
        }
    }

    func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}

extension APIError {
    /// A refusal the console shows in the form that caused it (the document as typed, each
    /// problem named) rather than on an error page.
    var isFormProblem: Bool {
        status == .unprocessableContent || status == .badRequest
    }
}
