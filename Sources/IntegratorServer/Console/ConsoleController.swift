import Foundation
import HTTPTypes
import Hummingbird
import IntegratorModel
import IntegratorStore
import Mustache
import NIOCore

/// The admin console: server-rendered pages over the same operations as the admin API.
/// Sign-in takes the admin token and sets a signed cookie; every form posts back and
/// redirects (or shows the form again with each problem named).
struct ConsoleController: Sendable {
    typealias Handler = @Sendable (Request, BasicRequestContext) async throws -> Response

    let hub: Hub
    let library: MustacheLibrary
    var operations: AdminOperations { AdminOperations(hub: hub) }
    var session: ConsoleSession { ConsoleSession(adminTokenHash: hub.adminTokenHash) }

    init(hub: Hub) throws {
        self.hub = hub
        self.library = try ConsoleTemplates.library()
    }

    func addRoutes(to router: MethodRouter) {
        router.get("/console/sign-in", use: signInPage)
        router.post("/console/sign-in", use: signIn)
        router.post("/console/sign-out", use: signOut)
        router.get("/console", use: guarded(storesPage))
        router.post("/console/stores", use: guarded(createStore))
        router.get("/console/stores/:store_id", use: guarded(dashboard))
        router.get("/console/stores/:store_id/messages", use: guarded(messages))
        router.get("/console/stores/:store_id/messages/:message_id", use: guarded(message))
        router.post("/console/stores/:store_id/messages/:message_id/attempt", use: guarded(attemptNow))
        router.post("/console/stores/:store_id/messages/:message_id/archive", use: guarded(archive))
        router.post("/console/stores/:store_id/messages/:message_id/resend", use: guarded(resend))
        router.get("/console/stores/:store_id/notifications", use: guarded(notifications))
        router.get("/console/stores/:store_id/mappings", use: guarded(mappings))
        router.get("/console/stores/:store_id/new-mapping", use: guarded(newMapping))
        router.post("/console/stores/:store_id/new-mapping", use: guarded(createMapping))
        router.get("/console/stores/:store_id/mappings/:name", use: guarded(editMapping))
        router.post("/console/stores/:store_id/mappings/:name", use: guarded(saveMapping))
        router.post("/console/stores/:store_id/mappings/:name/delete", use: guarded(deleteMapping))
        router.get("/console/stores/:store_id/schedulers", use: guarded(schedulers))
        router.get("/console/stores/:store_id/new-scheduler", use: guarded(newScheduler))
        router.post("/console/stores/:store_id/new-scheduler", use: guarded(createScheduler))
        router.get("/console/stores/:store_id/schedulers/:id", use: guarded(editScheduler))
        router.post("/console/stores/:store_id/schedulers/:id", use: guarded(saveScheduler))
        router.post("/console/stores/:store_id/schedulers/:id/delete", use: guarded(deleteScheduler))
        router.get("/console/stores/:store_id/parameters", use: guarded(parameters))
        router.post("/console/stores/:store_id/parameters", use: guarded(saveParameter))
        router.post("/console/stores/:store_id/parameters/:name/delete", use: guarded(deleteParameter))
        router.get("/console/stores/:store_id/test", use: guarded(testTool))
        router.post("/console/stores/:store_id/test", use: guarded(pushTest))
    }

    // MARK: Sign-in

    @Sendable func signInPage(_ request: Request, context: BasicRequestContext) async throws -> Response {
        page("sign-in", title: "Sign in", signedIn: false, ["next": request.uri.queryParameters.get("next") ?? "/console"])
    }

    @Sendable func signIn(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let form = try await self.form(request)
        let next = form["next"].flatMap { $0.hasPrefix("/console") && !$0.hasPrefix("/console/sign") ? $0 : nil } ?? "/console"
        guard let token = form["token"], !token.isEmpty, Tokens.equal(Tokens.hash(token), hub.adminTokenHash) else {
            var values = ConsoleView.problems(APIError(.unauthorized, "that is not the admin token"))
            values["next"] = next
            return page("sign-in", title: "Sign in", signedIn: false, values, status: .unauthorized)
        }
        var response = redirect(next)
        response.setCookie(
            Cookie(
                name: ConsoleSession.cookieName, value: session.issue(now: hub.clock.now()), maxAge: Int(ConsoleSession.lifetime), path: "/console",
                httpOnly: true, sameSite: .strict))
        return response
    }

    @Sendable func signOut(_ request: Request, context: BasicRequestContext) async throws -> Response {
        var response = redirect("/console/sign-in")
        response.setCookie(Cookie(name: ConsoleSession.cookieName, value: "", maxAge: 0, path: "/console", httpOnly: true, sameSite: .strict))
        return response
    }

    /// Signed-in pages only; an error becomes a page that says what went wrong.
    func guarded(_ handler: @escaping Handler) -> Handler {
        { [session, hub] request, context in
            guard session.isValid(request.cookies[ConsoleSession.cookieName]?.value, now: hub.clock.now()) else {
                let next = request.method == .get ? request.uri.description : "/console"
                return redirect("/console/sign-in" + ConsoleView.query([("next", next)]))
            }
            do {
                return try await handler(request, context)
            } catch let error as APIError {
                let heading = error.status == .notFound ? "Not found" : "That did not work"
                return page("error", title: heading, ["heading": heading, "error": error.message], status: error.status)
            }
        }
    }

    // MARK: Stores and dashboard

    @Sendable func storesPage(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try await storesView(extra: [:], status: .ok)
    }

    private func storesView(extra: [String: Any], status: HTTPResponse.Status) async throws -> Response {
        var values = extra
        values["stores"] = try await hub.store.stores().compactMap { ConsoleView.context(Presenter.store($0)) }
        return page("stores", title: "Stores", values, status: status)
    }

    @Sendable func createStore(_ request: Request, context: BasicRequestContext) async throws -> Response {
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

    @Sendable func dashboard(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let store = try await storeInfo(context)
        let counts = try await hub.store.queueCounts(storeID: store.id)
        let order = ["incoming", "pending", "scheduled", "running", "failing", "parked", "completed", "archived", "skipped"]
        let queues: [[String: Any]] = order.map { state in
            let link =
                "/console/stores/\(ConsoleView.segment(store.id))/messages" + (state == "incoming" ? "" : ConsoleView.query([("state", state)]))
            return ["state": state, "count": counts[state] ?? 0, "link": link]
        }
        let now = hub.clock.now()
        let since = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 60).rounded(.down) * 60 - 59 * 60)
        let slots = try await hub.store.activity(storeID: store.id, since: since, slot: 60, slots: 60)
        var attention: [Any] = []
        for state in ["failing", "parked"] {
            var query = MessageQuery(storeID: store.id)
            query.state = state
            query.perPage = 10
            attention += try await hub.store.messages(query).items.compactMap { ConsoleView.context(Presenter.message($0, full: false)) }
                .map { message -> Any in
                    guard var fields = message as? [String: Any] else { return message }
                    fields["last_error"] = (fields["deliveries"] as? [[String: Any]])?.compactMap { $0["last_error"] }.last
                    return fields
                }
        }
        return page(
            "dashboard", title: store.name, store: store.id, nav: "dashboard",
            [
                "name": store.name, "queues": queues, "chart": ConsoleView.chart(slots), "attention": attention,
                "receivedTotal": slots.reduce(0) { $0 + $1.received }, "failedTotal": slots.reduce(0) { $0 + $1.failed },
            ])
    }

    // MARK: Messages

    @Sendable func messages(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let store = try await storeInfo(context)
        let parameters = request.uri.queryParameters
        let get = { (name: String) in parameters.get(name) }
        let filterNames = ["message", "state", "mapping", "identifier", "since", "until"]
        var values: [String: Any] = ["query": Dictionary(uniqueKeysWithValues: filterNames.map { ($0, get($0) ?? "") })]
        let states = ["", "pending", "scheduled", "running", "failing", "parked", "completed", "archived", "accepted", "skipped"]
        values["states"] = states.map { ["value": $0, "label": $0.isEmpty ? "any" : $0, "selected": $0 == (get("state") ?? "")] as [String: Any] }
        var status = HTTPResponse.Status.ok
        do {
            let query = try operations.messageQuery(storeID: store.id, get)
            let result = try await hub.store.messages(query)
            values.merge(ConsoleView.dictionary(Presenter.page(result, key: "messages") { Presenter.message($0, full: false) })) { _, new in new }
            let link = { (page: Int) in
                "/console/stores/\(ConsoleView.segment(store.id))/messages"
                    + ConsoleView.query(filterNames.map { ($0, get($0)) } + [("page", String(page))])
            }
            if result.page > 1 { values["previous"] = link(result.page - 1) }
            if result.page < result.pages { values["next"] = link(result.page + 1) }
        } catch let error as APIError {
            values.merge(ConsoleView.problems(error)) { _, new in new }
            status = error.status
        }
        return page("messages", title: "Messages", store: store.id, nav: "messages", values, notice: parameters.get("notice"), status: status)
    }

    @Sendable func message(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let store = try await storeInfo(context)
        let id = try Authenticator.pathParameter(context, "message_id")
        return try await messageView(storeID: store.id, id: id, notice: request.uri.queryParameters.get("notice"), extra: [:], status: .ok)
    }

    private func messageView(storeID: String, id: String, notice: String?, extra: [String: Any], status: HTTPResponse.Status) async throws -> Response
    {
        let detail = try await operations.message(storeID: storeID, id: id)
        let json = Presenter.detail(detail)
        var values = ConsoleView.dictionary(json)
        values["payloadJSON"] = detail.message.payload.prettyJSONString
        values["editJSON"] = detail.message.payload.prettyJSONString
        values["resultJSON"] = json["result"].map { $0 == .null ? "no result yet" : $0.prettyJSONString } ?? "no result yet"
        values["identifierList"] = detail.message.identifiers.map { ["name": $0.name, "value": $0.value] }
        values["deliveries"] = (values["deliveries"] as? [[String: Any]] ?? []).map { delivery -> [String: Any] in
            var delivery = delivery
            delivery["hasAttempts"] = !((delivery["attempt_log"] as? [Any]) ?? []).isEmpty
            return delivery
        }
        values.merge(extra) { _, new in new }
        return page(
            "message", title: "\(detail.message.name) \(detail.message.id)", store: storeID, nav: "messages", values, notice: notice, status: status)
    }

    @Sendable func attemptNow(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let (storeID, id) = try messagePath(context)
        let count = try await operations.attemptNow(storeID: storeID, id: id)
        return redirect(
            messageLink(storeID, id)
                + ConsoleView.query([("notice", count == 0 ? "nothing left to attempt" : "\(count) delivery(ies) will be attempted now")]))
    }

    @Sendable func archive(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let (storeID, id) = try messagePath(context)
        let count = try await operations.archive(storeID: storeID, id: id)
        return redirect(messageLink(storeID, id) + ConsoleView.query([("notice", "\(count) delivery(ies) archived")]))
    }

    @Sendable func resend(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let (storeID, id) = try messagePath(context)
        let form = try await self.form(request)
        let text = form["payload"] ?? ""
        do {
            let payload = try parseDocument(text, field: "payload")
            let copy = try await operations.resend(storeID: storeID, id: id, name: form["message"], payload: payload)
            return redirect(messageLink(storeID, copy.message.id) + ConsoleView.query([("notice", "resent as \(copy.message.id)")]))
        } catch let error as APIError where error.status == .unprocessableContent || error.status == .badRequest {
            var extra = ConsoleView.problems(error)
            extra["editJSON"] = text
            return try await messageView(storeID: storeID, id: id, notice: nil, extra: extra, status: error.status)
        }
    }

    // MARK: Notifications

    @Sendable func notifications(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let store = try await storeInfo(context)
        let parameters = request.uri.queryParameters
        let get = { (name: String) in parameters.get(name) }
        var values: [String: Any] = ["query": ["level": get("level") ?? "", "reference": get("reference") ?? ""]]
        values["levels"] = ["", "info", "warn", "error"].map {
            ["value": $0, "label": $0.isEmpty ? "any" : $0, "selected": $0 == (get("level") ?? "")] as [String: Any]
        }
        var status = HTTPResponse.Status.ok
        do {
            let result = try await operations.notifications(storeID: store.id, get)
            values.merge(ConsoleView.dictionary(Presenter.page(result, key: "notifications", render: Presenter.notification))) { _, new in new }
            let link = { (page: Int) in
                "/console/stores/\(ConsoleView.segment(store.id))/notifications"
                    + ConsoleView.query([("level", get("level")), ("reference", get("reference")), ("page", String(page))])
            }
            if result.page > 1 { values["previous"] = link(result.page - 1) }
            if result.page < result.pages { values["next"] = link(result.page + 1) }
        } catch let error as APIError {
            values.merge(ConsoleView.problems(error)) { _, new in new }
            status = error.status
        }
        return page("notifications", title: "Notifications", store: store.id, nav: "notifications", values, status: status)
    }

    // MARK: Mappings

    @Sendable func mappings(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let store = try await storeInfo(context)
        let rows: [[String: Any]] = hub.catalog.mappings(storeID: store.id).map { compiled in
            let mapping = compiled.mapping
            var row = ConsoleView.dictionary(mapping.json)
            row["escapedName"] = ConsoleView.segment(mapping.name)
            row["messageList"] = mapping.messages.joined(separator: ", ")
            row["filterCount"] = mapping.filters.count
            row["identifierList"] = mapping.identifiers.keys.sorted().joined(separator: ", ")
            row["enabled"] = mapping.enabled ? "yes" : "no"
            return row
        }
        return page(
            "mappings", title: "Mappings", store: store.id, nav: "mappings", ["mappings": rows], notice: request.uri.queryParameters.get("notice"))
    }

    static let mappingHelp =
        "The mapping as the admin API takes it: name, messages, url, token, filters [{path, operator, value}], identifiers {name: path}, parameters, options."

    @Sendable func newMapping(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let store = try await storeInfo(context)
        let starter: JSONValue = [
            "name": "orders-to-erp", "messages": ["order:new", "order:updated"], "url": "http://127.0.0.1:9000/orders", "token": "",
            "filters": [["path": "payload.order.currency", "operator": "eq", "value": "USD"]],
            "identifiers": ["order_number": "payload.order.number"],
            "parameters": [], "options": ["retries_allowed": true],
        ]
        return mappingEditor(storeID: store.id, name: nil, document: starter.prettyJSONString, extra: [:], status: .ok)
    }

    @Sendable func editMapping(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let store = try await storeInfo(context)
        let name = try Authenticator.pathParameter(context, "name")
        guard let compiled = hub.catalog.mapping(storeID: store.id, name: name) else {
            throw APIError.notFound("store '\(store.id)' has no mapping '\(name)'")
        }
        return mappingEditor(
            storeID: store.id, name: name, document: compiled.mapping.json.prettyJSONString, extra: [:], status: .ok,
            notice: request.uri.queryParameters.get("notice"))
    }

    @Sendable func createMapping(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try await submitMapping(request, context, name: nil)
    }

    @Sendable func saveMapping(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try await submitMapping(request, context, name: try Authenticator.pathParameter(context, "name"))
    }

    private func submitMapping(_ request: Request, _ context: BasicRequestContext, name: String?) async throws -> Response {
        try await submit(.mapping, request, context, name: name) { storeID, document in
            try await operations.saveMapping(storeID: storeID, document, name: name, creating: name == nil).mapping.name
        }
    }

    private func mappingEditor(
        storeID: String, name: String?, document: String, extra: [String: Any], status: HTTPResponse.Status, notice: String? = nil
    ) -> Response {
        editorPage(.mapping, storeID: storeID, name: name, document: document, extra: extra, status: status, notice: notice)
    }

    @Sendable func deleteMapping(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let store = try await storeInfo(context)
        let name = try Authenticator.pathParameter(context, "name")
        try await operations.deleteMapping(storeID: store.id, name: name)
        return redirect("/console/stores/\(ConsoleView.segment(store.id))/mappings" + ConsoleView.query([("notice", "mapping '\(name)' deleted")]))
    }

    // MARK: Schedulers

    @Sendable func schedulers(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let store = try await storeInfo(context)
        let rows: [[String: Any]] = try await hub.store.schedulers(storeID: store.id).map { scheduler in
            var row = ConsoleView.dictionary(Presenter.scheduler(scheduler))
            row["escapedID"] = ConsoleView.segment(scheduler.id)
            row["enabled"] = scheduler.enabled ? "yes" : "no"
            return row
        }
        return page(
            "schedulers", title: "Schedulers", store: store.id, nav: "schedulers", ["schedulers": rows],
            notice: request.uri.queryParameters.get("notice"))
    }

    static let schedulerHelp = "The scheduler as the admin API takes it: id, message, payload, interval (seconds), enabled."

    @Sendable func newScheduler(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let store = try await storeInfo(context)
        let starter: JSONValue = ["id": "poll-orders", "message": "spree:orders:poll", "payload": [:], "interval": 60, "enabled": true]
        return schedulerEditor(storeID: store.id, id: nil, document: starter.prettyJSONString, extra: [:], status: .ok)
    }

    @Sendable func editScheduler(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let store = try await storeInfo(context)
        let id = try Authenticator.pathParameter(context, "id")
        guard let scheduler = try await hub.store.schedulers(storeID: store.id).first(where: { $0.id == id }) else {
            throw APIError.notFound("store '\(store.id)' has no scheduler '\(id)'")
        }
        let document: JSONValue = [
            "id": .string(scheduler.id), "message": .string(scheduler.message), "payload": scheduler.payload,
            "interval": .double(scheduler.interval), "enabled": .bool(scheduler.enabled),
        ]
        return schedulerEditor(
            storeID: store.id, id: id, document: document.prettyJSONString, extra: [:], status: .ok, notice: request.uri.queryParameters.get("notice")
        )
    }

    @Sendable func createScheduler(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try await submitScheduler(request, context, id: nil)
    }

    @Sendable func saveScheduler(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try await submitScheduler(request, context, id: try Authenticator.pathParameter(context, "id"))
    }

    private func submitScheduler(_ request: Request, _ context: BasicRequestContext, id: String?) async throws -> Response {
        try await submit(.scheduler, request, context, name: id) { storeID, document in
            try await operations.saveScheduler(storeID: storeID, document, id: id, creating: id == nil).id
        }
    }

    private func schedulerEditor(
        storeID: String, id: String?, document: String, extra: [String: Any], status: HTTPResponse.Status, notice: String? = nil
    ) -> Response {
        editorPage(.scheduler, storeID: storeID, name: id, document: document, extra: extra, status: status, notice: notice)
    }

    // MARK: JSON editors

    /// What differs between the mapping and the scheduler editors.
    struct EditorKind: Sendable {
        var noun: String
        var collection: String
        var help: String

        static let mapping = EditorKind(noun: "mapping", collection: "mappings", help: mappingHelp)
        static let scheduler = EditorKind(noun: "scheduler", collection: "schedulers", help: schedulerHelp)
        var title: String { noun.prefix(1).uppercased() + noun.dropFirst() }
    }

    /// Saves the posted document with `save` (which returns the saved name) and shows the saved
    /// item, or shows the editor again with the document as typed and every problem.
    private func submit(
        _ kind: EditorKind, _ request: Request, _ context: BasicRequestContext, name: String?,
        save: (String, JSONValue) async throws -> String
    ) async throws -> Response {
        let store = try await storeInfo(context)
        let text = try await form(request)["document"] ?? ""
        do {
            let saved = try await save(store.id, try parseDocument(text, field: "document"))
            let link = "/console/stores/\(ConsoleView.segment(store.id))/\(kind.collection)/\(ConsoleView.segment(saved))"
            return redirect(link + ConsoleView.query([("notice", "\(kind.noun) '\(saved)' saved")]))
        } catch let error as APIError where error.status == .unprocessableContent || error.status == .badRequest {
            return editorPage(kind, storeID: store.id, name: name, document: text, extra: ConsoleView.problems(error), status: error.status)
        }
    }

    private func editorPage(
        _ kind: EditorKind, storeID: String, name: String?, document: String, extra: [String: Any], status: HTTPResponse.Status, notice: String? = nil
    ) -> Response {
        let base = "/console/stores/\(ConsoleView.segment(storeID))"
        let heading = name.map { "\(kind.title) \($0)" } ?? "New \(kind.noun)"
        var values: [String: Any] = [
            "heading": heading, "document": document, "help": kind.help,
            "action": name.map { "\(base)/\(kind.collection)/\(ConsoleView.segment($0))" } ?? "\(base)/new-\(kind.noun)",
        ]
        if let name { values["deleteAction"] = "\(base)/\(kind.collection)/\(ConsoleView.segment(name))/delete" }
        values.merge(extra) { _, new in new }
        return page("editor", title: heading, store: storeID, nav: kind.collection, values, notice: notice, status: status)
    }

    @Sendable func deleteScheduler(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let store = try await storeInfo(context)
        let id = try Authenticator.pathParameter(context, "id")
        try await operations.deleteScheduler(storeID: store.id, id: id)
        return redirect("/console/stores/\(ConsoleView.segment(store.id))/schedulers" + ConsoleView.query([("notice", "scheduler '\(id)' deleted")]))
    }

    // MARK: Parameters

    @Sendable func parameters(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let store = try await storeInfo(context)
        return try await parametersView(storeID: store.id, extra: [:], notice: request.uri.queryParameters.get("notice"), status: .ok)
    }

    private func parametersView(storeID: String, extra: [String: Any], notice: String?, status: HTTPResponse.Status) async throws -> Response {
        let rows: [[String: Any]] = try await hub.store.parameters(storeID: storeID).map { parameter in
            ["name": parameter.name, "escapedName": ConsoleView.segment(parameter.name), "valueJSON": parameter.value.jsonString]
        }
        var values: [String: Any] = ["parameters": rows]
        values.merge(extra) { _, new in new }
        return page("parameters", title: "Parameters", store: storeID, nav: "parameters", values, notice: notice, status: status)
    }

    /// A value typed as JSON is stored as that JSON; anything else is stored as a string.
    @Sendable func saveParameter(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let store = try await storeInfo(context)
        let form = try await self.form(request)
        let name = form["name"] ?? ""
        let text = form["value"] ?? ""
        let value = (try? JSONValue.parse(text)) ?? .string(text)
        do {
            _ = try await operations.setParameter(storeID: store.id, name: name, value: value)
            return redirect(
                "/console/stores/\(ConsoleView.segment(store.id))/parameters" + ConsoleView.query([("notice", "parameter '\(name)' saved")]))
        } catch let error as APIError where error.status == .unprocessableContent {
            return try await parametersView(storeID: store.id, extra: ConsoleView.problems(error), notice: nil, status: error.status)
        }
    }

    @Sendable func deleteParameter(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let store = try await storeInfo(context)
        let name = try Authenticator.pathParameter(context, "name")
        try await operations.deleteParameter(storeID: store.id, name: name)
        return redirect(
            "/console/stores/\(ConsoleView.segment(store.id))/parameters" + ConsoleView.query([("notice", "parameter '\(name)' deleted")]))
    }

    // MARK: Test tool

    @Sendable func testTool(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let store = try await storeInfo(context)
        let kind = request.uri.queryParameters.get("kind").flatMap { SampleMessages.kinds.contains($0) ? $0 : nil } ?? "order:new"
        // A fresh order number each time, so the duplicate guard does not skip a repeated test.
        let number = "R" + String(Int.random(in: 100_000_000...999_999_999))
        let document = SampleMessages.message(kind, number: number)?.prettyJSONString ?? "{}"
        return testView(storeID: store.id, kind: kind, document: document, extra: [:], status: .ok)
    }

    private func testView(storeID: String, kind: String, document: String, extra: [String: Any], status: HTTPResponse.Status) -> Response {
        var values: [String: Any] = [
            "kinds": SampleMessages.kinds.map { ["value": $0, "selected": $0 == kind] as [String: Any] }, "document": document,
        ]
        values.merge(extra) { _, new in new }
        return page("test", title: "Test tool", store: storeID, nav: "test", values, status: status)
    }

    @Sendable func pushTest(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let store = try await storeInfo(context)
        let text = try await form(request)["document"] ?? ""
        do {
            let id = try await operations.push(storeID: store.id, try parseDocument(text, field: "document"), origin: "test")
            return redirect(messageLink(store.id, id) + ConsoleView.query([("notice", "pushed as \(id)")]))
        } catch let error as APIError where error.status == .unprocessableContent || error.status == .badRequest || error.status == .tooManyRequests {
            return testView(storeID: store.id, kind: "", document: text, extra: ConsoleView.problems(error), status: error.status)
        }
    }

    // MARK: Helpers

    private func storeInfo(_ context: BasicRequestContext) async throws -> StoreInfo {
        let id = try Authenticator.pathParameter(context, "store_id")
        guard let store = try await hub.store.store(id: id) else { throw APIError.notFound("no store with id '\(id)'") }
        return store
    }

    private func messagePath(_ context: BasicRequestContext) throws -> (String, String) {
        (try Authenticator.pathParameter(context, "store_id"), try Authenticator.pathParameter(context, "message_id"))
    }

    private func messageLink(_ storeID: String, _ id: String) -> String {
        "/console/stores/\(ConsoleView.segment(storeID))/messages/\(ConsoleView.segment(id))"
    }

    private func form(_ request: Request) async throws -> [String: String] {
        ConsoleView.form(String(buffer: try await Ingest(hub: hub).readBody(request)))
    }

    /// A JSON text from an editor, or a 400 naming the field and what is wrong with it.
    private func parseDocument(_ text: String, field: String) throws -> JSONValue {
        do {
            return try JSONValue.parse(text, depthLimit: hub.configuration.maxJSONDepth)
        } catch {
            let why = (error as? JSONReadError)?.description ?? "not valid JSON"
            throw APIError(.badRequest, "the \(field) is not valid JSON", problems: [Problem(path: field, problem: why)])
        }
    }

    private func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    /// Renders `template` inside the layout.
    private func page(
        _ template: String, title: String, signedIn: Bool = true, store: String? = nil, nav: String? = nil, _ values: [String: Any],
        notice: String? = nil, status: HTTPResponse.Status = .ok
    ) -> Response {
        var values = values
        if let store { values["store"] = store }
        let body = library.render(values, withTemplate: template) ?? ""
        var frame: [String: Any] = ["title": title, "body": body, "signedIn": signedIn]
        if let store { frame["store"] = ConsoleView.segment(store) }
        if let nav { frame["nav"] = [nav: true] }
        if let notice, !notice.isEmpty { frame["notice"] = notice }
        let html = library.render(frame, withTemplate: "layout") ?? body
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
