import Foundation
import HTTPTypes
import Hummingbird
import IntegratorModel
import IntegratorStore
import Mustache
import NIOCore

/// The console's message pages: the list, the inspector and its actions, and notifications.
extension ConsoleController {
    // MARK: Messages

    @Sendable func messages(_ request: Request, context: HubRequestContext) async throws -> Response {
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
            let result = try await hub.database.messages(query)
            values.merge(ConsoleView.dictionary(Presenter.page(result, key: "messages") { Presenter.message($0, full: false) })) { _, new in new }
            let link = { (page: Int) in ConsoleURL.page(store.id, "messages", filters: filterNames.map { ($0, get($0)) }, page: page) }
            if result.page > 1 { values["previous"] = link(result.page - 1) }
            if result.page < result.pages { values["next"] = link(result.page + 1) }
        } catch let error as APIError {
            values.merge(ConsoleView.problems(error)) { _, new in new }
            status = error.status
        }
        return page("messages", title: "Messages", store: store.id, nav: "messages", values, notice: parameters.get("notice"), status: status)
    }

    @Sendable func message(_ request: Request, context: HubRequestContext) async throws -> Response {
        let store = try await storeInfo(context)
        let id = try Authenticator.pathParameter(context, "message_id")
        return try await messageView(storeID: store.id, id: id, notice: request.uri.queryParameters.get("notice"), extra: [:], status: .ok)
    }

    func messageView(storeID: String, id: String, notice: String?, extra: [String: Any], status: HTTPResponse.Status) async throws -> Response {
        let detail = try await operations.message(storeID: storeID, id: id)
        let json = Presenter.detail(detail)
        var values = ConsoleView.dictionary(json)
        values["payloadJSON"] = detail.message.payload.prettyJSONString
        values["editJSON"] = detail.message.payload.prettyJSONString
        values["resultJSON"] = json["result"].map { $0 == .null ? "no result yet" : $0.prettyJSONString } ?? "no result yet"
        values["identifierList"] = detail.message.identifiers.map { ["name": $0.name, "value": $0.value] }
        let message = detail.message
        values["deliveries"] = (values["deliveries"] as? [[String: Any]] ?? []).map { delivery -> [String: Any] in
            var delivery = delivery
            delivery["hasAttempts"] = !((delivery["attempt_log"] as? [Any]) ?? []).isEmpty
            // Beside the original: what the mapping's transform makes of it now.
            if let name = delivery["mapping"] as? String, let transform = hub.catalog.mapping(storeID: storeID, name: name)?.mapping.transform {
                delivery["transformedJSON"] = transform.apply(message: message.name, id: message.id, payload: message.payload).prettyJSONString
            }
            return delivery
        }
        // A skipped message: each mapping of the store, and which filter refused it.
        if message.state == "skipped" {
            values["routing"] = hub.catalog.mappings(storeID: storeID).sorted { $0.mapping.name < $1.mapping.name }.map { compiled -> [String: Any] in
                let explanation = compiled.explain(message: message.name, id: message.id, payload: message.payload)
                return ["mapping": explanation.mapping, "matches": explanation.matches, "why": explanation.why]
            }
        }
        values.merge(extra) { _, new in new }
        return page(
            "message",
            title: "\(detail.message.name) \(detail.message.id)",
            store: storeID,
            nav: "messages",
            values,
            notice: notice,
            status: status
        )
    }

    @Sendable func attemptNow(_ request: Request, context: HubRequestContext) async throws -> Response {
        let (storeID, id) = try messagePath(context)
        let count = try await operations.attemptNow(storeID: storeID, id: id)
        return redirect(
            messageLink(storeID, id)
                + ConsoleView.query([("notice", count == 0 ? "nothing left to attempt" : "\(count) delivery(ies) will be attempted now")])
        )
    }

    @Sendable func archive(_ request: Request, context: HubRequestContext) async throws -> Response {
        let (storeID, id) = try messagePath(context)
        let count = try await operations.archive(storeID: storeID, id: id)
        return redirect(messageLink(storeID, id) + ConsoleView.query([("notice", "\(count) delivery(ies) archived")]))
    }

    @Sendable func resend(_ request: Request, context: HubRequestContext) async throws -> Response {
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

    @Sendable func notifications(_ request: Request, context: HubRequestContext) async throws -> Response {
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
                ConsoleURL.page(store.id, "notifications", filters: [("level", get("level")), ("reference", get("reference"))], page: page)
            }
            if result.page > 1 { values["previous"] = link(result.page - 1) }
            if result.page < result.pages { values["next"] = link(result.page + 1) }
        } catch let error as APIError {
            values.merge(ConsoleView.problems(error)) { _, new in new }
            status = error.status
        }
        return page("notifications", title: "Notifications", store: store.id, nav: "notifications", values, status: status)
    }
}
