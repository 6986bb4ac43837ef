import HTTPTypes
import Hummingbird
import IntegratorModel
import IntegratorStore

/// A store's messages: the filtered list, the inspector (deliveries, attempts, children,
/// notifications, why a skipped message was skipped) and its actions: attempt now, archive,
/// edit and resend.
struct MessagesController: Sendable {
    let console: Console
    var hub: Hub { console.hub }

    static let states = ["", "pending", "scheduled", "running", "failing", "parked", "completed", "archived", "accepted", "skipped"]
    /// The list's filters, which its page links keep.
    static let filterNames = ["message", "state", "mapping", "identifier", "since", "until"]

    func addRoutes(to router: some RouterMethods<HubRequestContext>) {
        router.get("/console/stores/:store_id/messages", use: list)
        router.get("/console/stores/:store_id/messages/:message_id", use: inspect)
        router.post("/console/stores/:store_id/messages/:message_id/attempt", use: attemptNow)
        router.post("/console/stores/:store_id/messages/:message_id/archive", use: archive)
        router.post("/console/stores/:store_id/messages/:message_id/resend", use: resend)
    }

    @Sendable func list(_ request: Request, context: HubRequestContext) async throws -> Response {
        let store = try await console.store(context)
        let parameters = request.uri.queryParameters
        let get = { (name: String) in parameters.get(name) }
        let filters = MessagesPage.Filters(
            message: get("message") ?? "",
            state: get("state") ?? "",
            mapping: get("mapping") ?? "",
            identifier: get("identifier") ?? "",
            since: get("since") ?? "",
            until: get("until") ?? ""
        )
        var page = MessagesPage(query: filters, states: Choice.options(Self.states, chosen: filters.state))
        var status = HTTPResponse.Status.ok
        do {
            let result = try await hub.database.messages(try console.operations.messageQuery(storeID: store.id, get))
            page.messages = result.items.map { ConsoleJSON(Presenter.message($0, full: false)) }
            let kept = Self.filterNames.map { ($0, get($0)) }
            page.pager = Pager(result) { ConsoleURL.page(store.id, "messages", filters: kept, page: $0) }
        } catch let error as APIError {
            page.problems = FormProblems(error)
            status = error.status
        }
        let chrome = ConsoleChrome(title: "Messages", store: store.id, nav: .messages, notice: parameters.get("notice"))
        return console.renderer.render(page, chrome, context: context, status: status)
    }

    @Sendable func inspect(_ request: Request, context: HubRequestContext) async throws -> Response {
        let store = try await console.store(context)
        let id = try Authenticator.pathParameter(context, "message_id")
        return try await inspector(storeID: store.id, id: id, notice: request.uri.queryParameters.get("notice"), context: context)
    }

    /// The inspector; after a refused resend, with the payload as typed and the problems.
    private func inspector(
        storeID: String,
        id: String,
        notice: String?,
        refused: (payload: String, problems: FormProblems)? = nil,
        status: HTTPResponse.Status = .ok,
        context: HubRequestContext
    ) async throws -> Response {
        let detail = try await console.operations.message(storeID: storeID, id: id)
        let message = detail.message
        var json = Presenter.detail(detail)
        if case .object(var fields) = json, case .array(let deliveries) = fields["deliveries"] {
            fields["deliveries"] = .array(deliveries.map { annotate($0, storeID: storeID, message: message) })
            json = .object(fields)
        }
        var routing: [MessagePage.Routing] = []
        // A skipped message: each mapping of the store, and which filter refused it.
        if message.state == "skipped" {
            routing = hub.catalog.mappings(storeID: storeID).sorted { $0.mapping.name < $1.mapping.name }.map { compiled in
                let explanation = compiled.explain(message: message.name, id: message.id, payload: message.payload)
                return MessagePage.Routing(mapping: explanation.mapping, matches: explanation.matches, why: explanation.why)
            }
        }
        let page = MessagePage(
            detail: ConsoleJSON(json),
            identifierList: message.identifiers.map { MessagePage.Identifier(name: $0.name, value: $0.value) },
            routing: routing,
            payloadJSON: message.payload.prettyJSONString,
            resultJSON: json["result"].map { $0 == .null ? "no result yet" : $0.prettyJSONString } ?? "no result yet",
            editJSON: refused?.payload ?? message.payload.prettyJSONString,
            problems: refused?.problems
        )
        let chrome = ConsoleChrome(title: "\(message.name) \(message.id)", store: storeID, nav: .messages, notice: notice)
        return console.renderer.render(page, chrome, context: context, status: status)
    }

    /// A delivery as the API shows it, with whether it has attempts to list and, beside the
    /// original, what the mapping's transform makes of the message now.
    private func annotate(_ delivery: JSONValue, storeID: String, message: MessageRecord) -> JSONValue {
        guard case .object(var fields) = delivery else { return delivery }
        if case .array(let attempts) = fields["attempt_log"] { fields["hasAttempts"] = .bool(!attempts.isEmpty) }
        if let name = fields["mapping"]?.stringValue, let transform = hub.catalog.mapping(storeID: storeID, name: name)?.mapping.transform {
            fields["transformedJSON"] = .string(transform.apply(message: message.name, id: message.id, payload: message.payload).prettyJSONString)
        }
        return .object(fields)
    }

    @Sendable func attemptNow(_ request: Request, context: HubRequestContext) async throws -> Response {
        let (storeID, id) = try Self.messagePath(context)
        let count = try await console.operations.attemptNow(storeID: storeID, id: id)
        let notice = count == 0 ? "nothing left to attempt" : "\(count) delivery(ies) will be attempted now"
        return console.redirect(ConsoleURL.item(storeID, "messages", id, query: [("notice", notice)]))
    }

    @Sendable func archive(_ request: Request, context: HubRequestContext) async throws -> Response {
        let (storeID, id) = try Self.messagePath(context)
        let count = try await console.operations.archive(storeID: storeID, id: id)
        return console.redirect(ConsoleURL.item(storeID, "messages", id, query: [("notice", "\(count) delivery(ies) archived")]))
    }

    @Sendable func resend(_ request: Request, context: HubRequestContext) async throws -> Response {
        let (storeID, id) = try Self.messagePath(context)
        let form = try await console.form(request)
        let text = form["payload"] ?? ""
        do {
            let payload = try console.parseDocument(text, field: "payload")
            let copy = try await console.operations.resend(storeID: storeID, id: id, name: form["message"], payload: payload)
            return console.redirect(ConsoleURL.item(storeID, "messages", copy.message.id, query: [("notice", "resent as \(copy.message.id)")]))
        } catch let error as APIError where error.isFormProblem {
            return try await inspector(
                storeID: storeID,
                id: id,
                notice: nil,
                refused: (text, FormProblems(error)),
                status: error.status,
                context: context
            )
        }
    }

    static func messagePath(_ context: HubRequestContext) throws -> (storeID: String, id: String) {
        (try Authenticator.pathParameter(context, "store_id"), try Authenticator.pathParameter(context, "message_id"))
    }
}
