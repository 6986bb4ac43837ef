import HTTPTypes
import Hummingbird
import IntegratorModel
import IntegratorStore

/// A store's notifications, filtered by level and reference (an order number), paged.
struct NotificationsController: Sendable {
    let console: Console

    static let levels = ["", "info", "warn", "error"]

    func addRoutes(to router: some RouterMethods<HubRequestContext>) {
        router.get("/console/stores/:store_id/notifications", use: list)
    }

    @Sendable func list(_ request: Request, context: HubRequestContext) async throws -> Response {
        let store = try await console.store(context)
        let parameters = request.uri.queryParameters
        let get = { (name: String) in parameters.get(name) }
        let filters = NotificationsPage.Filters(level: get("level") ?? "", reference: get("reference") ?? "")
        var page = NotificationsPage(query: filters, levels: Choice.options(Self.levels, chosen: filters.level))
        var status = HTTPResponse.Status.ok
        do {
            let result = try await console.operations.notifications(storeID: store.id, get)
            page.notifications = result.items.map { ConsoleJSON(Presenter.notification($0)) }
            let kept = [("level", get("level")), ("reference", get("reference"))]
            page.pager = Pager(result) { ConsoleURL.page(store.id, "notifications", filters: kept, page: $0) }
        } catch let error as APIError {
            page.problems = FormProblems(error)
            status = error.status
        }
        return console.renderer.render(
            page,
            ConsoleChrome(title: "Notifications", store: store.id, nav: .notifications),
            context: context,
            status: status
        )
    }
}
