import HTTPTypes
import Hummingbird
import IntegratorModel
import IntegratorStore

/// The test tool: push a sample message into a store as if the shop had sent it (origin
/// `test`), then follow it in the inspector.
struct TestToolController: Sendable {
    let console: Console

    func addRoutes(to router: some RouterMethods<HubRequestContext>) {
        router.get("/console/stores/:store_id/test", use: form)
        router.post("/console/stores/:store_id/test", use: push)
    }

    @Sendable func form(_ request: Request, context: HubRequestContext) async throws -> Response {
        let store = try await console.store(context)
        let kind = request.uri.queryParameters.get("kind").flatMap { SampleMessages.kinds.contains($0) ? $0 : nil } ?? "order:new"
        // A fresh order number each time, so the duplicate guard does not skip a repeated test.
        let number = "R" + String(Int.random(in: 100_000_000...999_999_999))
        let document = SampleMessages.message(kind, number: number)?.prettyJSONString ?? "{}"
        return page(storeID: store.id, kind: kind, document: document, context: context)
    }

    @Sendable func push(_ request: Request, context: HubRequestContext) async throws -> Response {
        let store = try await console.store(context)
        let text = try await console.form(request)["document"] ?? ""
        do {
            let id = try await console.operations.push(storeID: store.id, try console.parseDocument(text, field: "document"), origin: .test)
            return console.redirect(ConsoleURL.item(store.id, "messages", id, query: [("notice", "pushed as \(id)")]))
        } catch let error as APIError where error.isFormProblem || error.status == .tooManyRequests {
            return page(storeID: store.id, kind: "", document: text, problems: FormProblems(error), status: error.status, context: context)
        }
    }

    private func page(
        storeID: String,
        kind: String,
        document: String,
        problems: FormProblems? = nil,
        status: HTTPResponse.Status = .ok,
        context: HubRequestContext
    ) -> Response {
        let kinds = SampleMessages.kinds.map { Choice(value: $0, label: $0, selected: $0 == kind) }
        let page = TestToolPage(kinds: kinds, document: document, problems: problems)
        return console.renderer.render(page, ConsoleChrome(title: "Test tool", store: storeID, nav: .test), context: context, status: status)
    }
}
