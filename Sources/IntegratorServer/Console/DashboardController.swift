import Foundation
import Hummingbird
import IntegratorModel
import IntegratorStore

/// A store's dashboard: its queues, the last hour, each mapping's health with Pause and
/// Resume, the retention in force, and what needs attention.
struct DashboardController: Sendable {
    let console: Console
    var hub: Hub { console.hub }

    /// The order the queue cards are shown in.
    static let queueOrder = ["incoming", "pending", "scheduled", "running", "failing", "paused", "parked", "completed", "archived", "skipped"]

    func addRoutes(to router: some RouterMethods<HubRequestContext>) {
        router.get("/console/stores/:store_id", use: dashboard)
        router.post("/console/stores/:store_id/mappings/:name/pause", use: pause)
        router.post("/console/stores/:store_id/mappings/:name/resume", use: resume)
    }

    @Sendable func dashboard(_ request: Request, context: HubRequestContext) async throws -> Response {
        let store = try await console.store(context)
        let counts = try await hub.database.queueCounts(storeID: store.id)
        let queues = Self.queueOrder.map { state in
            let link = ConsoleURL.store(store.id, "messages", query: [("state", state == "incoming" ? nil : state)])
            return DashboardPage.Queue(state: state, count: counts[state] ?? 0, link: link)
        }
        let now = hub.clock.now()
        let since = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 60).rounded(.down) * 60 - 59 * 60)
        let slots = try await hub.database.activity(storeID: store.id, since: since, slot: 60, slots: 60)
        let health = try await console.operations.health(storeID: store.id).map { row in
            ConsoleJSON(row).adding(["escaped": .string(ConsoleView.segment(row["mapping"]?.stringValue ?? ""))])
        }
        let page = DashboardPage(
            name: store.name,
            queues: queues,
            chart: ConsoleView.chart(slots),
            receivedTotal: slots.reduce(0) { $0 + $1.received },
            failedTotal: slots.reduce(0) { $0 + $1.failed },
            notice: request.uri.queryParameters.get("notice").flatMap { $0.isEmpty ? nil : $0 },
            health: health,
            retention: Presenter.store(store, hubRetention: hub.configuration.retention)["retention"]?.stringValue ?? "",
            retentionSource: store.retention == nil ? "the hub's setting" : "this store's own",
            attention: try await attention(storeID: store.id)
        )
        return console.renderer.render(page, ConsoleChrome(title: store.name, store: store.id, nav: .dashboard), context: context)
    }

    /// Up to ten failing and ten parked messages, each with its deliveries' last error.
    private func attention(storeID: String) async throws -> [ConsoleJSON] {
        var rows: [ConsoleJSON] = []
        for state in ["failing", "parked"] {
            var query = MessageQuery(storeID: storeID)
            query.state = state
            query.perPage = 10
            for message in try await hub.database.messages(query).items {
                let lastError = message.deliveries.compactMap { $0.lastError.flatMap { $0.isEmpty ? nil : $0 } }.last
                rows.append(ConsoleJSON(Presenter.message(message, full: false)).adding(["last_error": lastError.map(JSONValue.string) ?? .null]))
            }
        }
        return rows
    }

    @Sendable func pause(_ request: Request, context: HubRequestContext) async throws -> Response {
        try await setPaused(context, true)
    }

    @Sendable func resume(_ request: Request, context: HubRequestContext) async throws -> Response {
        try await setPaused(context, false)
    }

    private func setPaused(_ context: HubRequestContext, _ paused: Bool) async throws -> Response {
        let store = try await console.store(context)
        let name = try Authenticator.pathParameter(context, "name")
        _ = try await console.operations.setPaused(storeID: store.id, name: name, paused)
        let notice = paused ? "\(name) paused: its deliveries wait until it resumes" : "\(name) resumed: its held deliveries go out in order"
        return console.redirect(ConsoleURL.store(store.id, query: [("notice", notice)]))
    }
}
