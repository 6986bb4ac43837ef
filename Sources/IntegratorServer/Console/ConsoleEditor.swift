import HTTPTypes
import Hummingbird
import IntegratorModel
import IntegratorStore

/// The JSON editor that mappings and schedulers share: the document in the admin API's form,
/// saved through the API's own operation, or shown again as typed with every problem named.
struct ConsoleEditor: Sendable {
    enum Kind: String, Sendable {
        case mapping, scheduler

        var collection: String { rawValue + "s" }
        var nav: ConsoleNav { self == .mapping ? .mappings : .schedulers }
        var title: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }
        var help: String {
            switch self {
            case .mapping:
                "The mapping as the admin API takes it: name, messages, url, token, filters [{path, operator, value}], identifiers "
                    + "{name: path}, parameters, options."
            case .scheduler: "The scheduler as the admin API takes it: id, message, payload, interval (seconds), enabled."
            }
        }
    }

    let console: Console
    let kind: Kind

    /// The editor of `name` (nil: a new one) holding `document`. A saved mapping's editor has
    /// its Try it panel, filled with a sample of the first message it takes.
    func page(storeID: String, name: String?, document: String) -> EditorPage {
        var page = EditorPage(
            heading: name.map { "\(kind.title) \($0)" } ?? "New \(kind.rawValue)",
            document: document,
            help: kind.help,
            action: name.map { ConsoleURL.item(storeID, kind.collection, $0) } ?? ConsoleURL.store(storeID, "new-\(kind.rawValue)"),
            deleteAction: name.map { ConsoleURL.item(storeID, kind.collection, $0, action: "delete") }
        )
        if kind == .mapping, let name, let mapping = console.hub.catalog.mapping(storeID: storeID, name: name)?.mapping {
            page.tryAction = ConsoleURL.item(storeID, "mappings", name, action: "try")
            let first = mapping.messages.first ?? "order:new"
            page.tryMessage = first
            page.tryPayload = (SampleMessages.payload(first) ?? .object([:])).prettyJSONString
        }
        return page
    }

    func render(
        _ page: EditorPage,
        storeID: String,
        notice: String? = nil,
        status: HTTPResponse.Status = .ok,
        context: HubRequestContext
    ) -> Response {
        console.renderer.render(
            page,
            ConsoleChrome(title: page.heading, store: storeID, nav: kind.nav, notice: notice),
            context: context,
            status: status
        )
    }

    /// Saves the posted document with `save` (which returns the saved name) and shows the saved
    /// item, or shows the editor again with the document as typed and every problem.
    func submit(
        _ request: Request,
        _ context: HubRequestContext,
        name: String?,
        save: (String, JSONValue) async throws -> String
    ) async throws -> Response {
        let store = try await console.store(context)
        let text = try await console.form(request)["document"] ?? ""
        do {
            let saved = try await save(store.id, try console.parseDocument(text, field: "document"))
            let notice = "\(kind.rawValue) '\(saved)' saved"
            return console.redirect(ConsoleURL.item(store.id, kind.collection, saved, query: [("notice", notice)]))
        } catch let error as APIError where error.isFormProblem {
            var page = page(storeID: store.id, name: name, document: text)
            page.problems = FormProblems(error)
            return render(page, storeID: store.id, status: error.status, context: context)
        }
    }
}
