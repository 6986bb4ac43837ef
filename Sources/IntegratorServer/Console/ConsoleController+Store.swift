import Foundation
import HTTPTypes
import Hummingbird
import IntegratorModel
import IntegratorStore
import Mustache
import NIOCore

/// The console's store pages: the store list, the dashboard, parameters and the test tool.
extension ConsoleController {
    // MARK: Stores and dashboard

    @Sendable func storesPage(_ request: Request, context: HubRequestContext) async throws -> Response {
        try await storesView(extra: [:], status: .ok)
    }

    func storesView(extra: [String: Any], status: HTTPResponse.Status) async throws -> Response {
        var values = extra
        let retention = hub.configuration.retention
        values["stores"] = try await hub.database.stores().compactMap { ConsoleView.context(Presenter.store($0, hubRetention: retention)) }
        return page("stores", title: "Stores", values, status: status)
    }

    @Sendable func createStore(_ request: Request, context: HubRequestContext) async throws -> Response {
        let form = try await self.form(request)
        var body: [String: JSONValue] = ["id": .string(form["id"] ?? "")]
        body["name"] = .string(form["name"].flatMap { $0.isEmpty ? nil : $0 } ?? form["id"] ?? "")
        if let token = form["token"], !token.isEmpty { body["token"] = .string(token) }
        do {
            let created = try await operations.createStore(.object(body))
            return try await storesView(extra: ["created": ["id": created.id, "token": created.token]], status: .created)
        } catch let error as APIError {
            return try await storesView(extra: ConsoleView.problems(error), status: error.status)
        }
    }

    @Sendable func dashboard(_ request: Request, context: HubRequestContext) async throws -> Response {
        let store = try await storeInfo(context)
        let counts = try await hub.database.queueCounts(storeID: store.id)
        let order = ["incoming", "pending", "scheduled", "running", "failing", "paused", "parked", "completed", "archived", "skipped"]
        let queues: [[String: Any]] = order.map { state in
            let link = ConsoleURL.store(store.id, "messages", query: [("state", state == "incoming" ? nil : state)])
            return ["state": state, "count": counts[state] ?? 0, "link": link]
        }
        let now = hub.clock.now()
        let since = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 60).rounded(.down) * 60 - 59 * 60)
        let slots = try await hub.database.activity(storeID: store.id, since: since, slot: 60, slots: 60)
        var attention: [Any] = []
        for state in ["failing", "parked"] {
            var query = MessageQuery(storeID: store.id)
            query.state = state
            query.perPage = 10
            attention += try await hub.database.messages(query).items.compactMap { ConsoleView.context(Presenter.message($0, full: false)) }
                .map { message -> Any in
                    guard var fields = message as? [String: Any] else { return message }
                    fields["last_error"] = (fields["deliveries"] as? [[String: Any]])?.compactMap { $0["last_error"] }.last
                    return fields
                }
        }
        let health = try await operations.health(storeID: store.id).compactMap { row -> Any? in
            guard var fields = ConsoleView.context(row) as? [String: Any] else { return nil }
            fields["escaped"] = ConsoleView.segment(row["mapping"]?.stringValue ?? "")
            return fields
        }
        return page(
            "dashboard",
            title: store.name,
            store: store.id,
            nav: "dashboard",
            [
                "name": store.name, "queues": queues, "health": health, "notice": request.uri.queryParameters.get("notice") ?? "",
                "retention": Presenter.store(store, hubRetention: hub.configuration.retention)["retention"]?.stringValue ?? "",
                "retentionSource": store.retention == nil ? "the hub's setting" : "this store's own", "chart": ConsoleView.chart(slots),
                "attention": attention,
                "receivedTotal": slots.reduce(0) { $0 + $1.received }, "failedTotal": slots.reduce(0) { $0 + $1.failed },
            ]
        )
    }

    @Sendable func pauseMapping(_ request: Request, context: HubRequestContext) async throws -> Response {
        try await setPaused(context, true)
    }

    @Sendable func resumeMapping(_ request: Request, context: HubRequestContext) async throws -> Response {
        try await setPaused(context, false)
    }

    private func setPaused(_ context: HubRequestContext, _ paused: Bool) async throws -> Response {
        let store = try await storeInfo(context)
        let name = try Authenticator.pathParameter(context, "name")
        _ = try await operations.setPaused(storeID: store.id, name: name, paused)
        let notice = paused ? "\(name) paused: its deliveries wait until it resumes" : "\(name) resumed: its held deliveries go out in order"
        return redirect(ConsoleURL.store(store.id, query: [("notice", notice)]))
    }

    // MARK: Parameters

    @Sendable func parameters(_ request: Request, context: HubRequestContext) async throws -> Response {
        let store = try await storeInfo(context)
        return try await parametersView(storeID: store.id, extra: [:], notice: request.uri.queryParameters.get("notice"), status: .ok)
    }

    func parametersView(storeID: String, extra: [String: Any], notice: String?, status: HTTPResponse.Status) async throws -> Response {
        let rows: [[String: Any]] = try await hub.database.parameters(storeID: storeID).map { parameter in
            ["name": parameter.name, "escapedName": ConsoleView.segment(parameter.name), "valueJSON": parameter.value.jsonString]
        }
        var values: [String: Any] = ["parameters": rows]
        values.merge(extra) { _, new in new }
        return page("parameters", title: "Parameters", store: storeID, nav: "parameters", values, notice: notice, status: status)
    }

    /// A value typed as JSON is stored as that JSON; anything else is stored as a string.
    @Sendable func saveParameter(_ request: Request, context: HubRequestContext) async throws -> Response {
        let store = try await storeInfo(context)
        let form = try await self.form(request)
        let name = form["name"] ?? ""
        let text = form["value"] ?? ""
        let value = (try? JSONValue.parse(text)) ?? .string(text)
        do {
            _ = try await operations.setParameter(storeID: store.id, name: name, value: value)
            return redirect(ConsoleURL.store(store.id, "parameters", query: [("notice", "parameter '\(name)' saved")]))
        } catch let error as APIError where error.status == .unprocessableContent {
            return try await parametersView(storeID: store.id, extra: ConsoleView.problems(error), notice: nil, status: error.status)
        }
    }

    @Sendable func deleteParameter(_ request: Request, context: HubRequestContext) async throws -> Response {
        let store = try await storeInfo(context)
        let name = try Authenticator.pathParameter(context, "name")
        try await operations.deleteParameter(storeID: store.id, name: name)
        return redirect(ConsoleURL.store(store.id, "parameters", query: [("notice", "parameter '\(name)' deleted")]))
    }

    // MARK: Test tool

    @Sendable func testTool(_ request: Request, context: HubRequestContext) async throws -> Response {
        let store = try await storeInfo(context)
        let kind = request.uri.queryParameters.get("kind").flatMap { SampleMessages.kinds.contains($0) ? $0 : nil } ?? "order:new"
        // A fresh order number each time, so the duplicate guard does not skip a repeated test.
        let number = "R" + String(Int.random(in: 100_000_000...999_999_999))
        let document = SampleMessages.message(kind, number: number)?.prettyJSONString ?? "{}"
        return testView(storeID: store.id, kind: kind, document: document, extra: [:], status: .ok)
    }

    func testView(storeID: String, kind: String, document: String, extra: [String: Any], status: HTTPResponse.Status) -> Response {
        var values: [String: Any] = [
            "kinds": SampleMessages.kinds.map { ["value": $0, "selected": $0 == kind] as [String: Any] }, "document": document,
        ]
        values.merge(extra) { _, new in new }
        return page("test", title: "Test tool", store: storeID, nav: "test", values, status: status)
    }

    @Sendable func pushTest(_ request: Request, context: HubRequestContext) async throws -> Response {
        let store = try await storeInfo(context)
        let text = try await form(request)["document"] ?? ""
        do {
            let id = try await operations.push(storeID: store.id, try parseDocument(text, field: "document"), origin: .test)
            return redirect(messageLink(store.id, id) + ConsoleView.query([("notice", "pushed as \(id)")]))
        } catch let error as APIError where error.status == .unprocessableContent || error.status == .badRequest || error.status == .tooManyRequests {
            return testView(storeID: store.id, kind: "", document: text, extra: ConsoleView.problems(error), status: error.status)
        }
    }
}
