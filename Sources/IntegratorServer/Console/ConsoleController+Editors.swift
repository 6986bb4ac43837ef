import Foundation
import HTTPTypes
import Hummingbird
import IntegratorModel
import IntegratorStore
import Mustache
import NIOCore

/// The console's JSON editors for mappings and schedulers, checked by the admin API's own rules.
extension ConsoleController {
    // MARK: Mappings

    @Sendable func mappings(_ request: Request, context: HubRequestContext) async throws -> Response {
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
            "mappings",
            title: "Mappings",
            store: store.id,
            nav: "mappings",
            ["mappings": rows],
            notice: request.uri.queryParameters.get("notice")
        )
    }

    static let mappingHelp =
        "The mapping as the admin API takes it: name, messages, url, token, filters [{path, operator, value}], identifiers {name: path}, "
        + "parameters, options."

    @Sendable func newMapping(_ request: Request, context: HubRequestContext) async throws -> Response {
        let store = try await storeInfo(context)
        let starter: JSONValue = [
            "name": "orders-to-erp", "messages": ["order:new", "order:updated"], "url": "http://127.0.0.1:9000/orders", "token": "",
            "filters": [["path": "payload.order.currency", "operator": "eq", "value": "USD"]],
            "identifiers": ["order_number": "payload.order.number"],
            "parameters": [], "options": ["retries_allowed": true],
        ]
        return mappingEditor(storeID: store.id, name: nil, document: starter.prettyJSONString, extra: [:], status: .ok)
    }

    @Sendable func editMapping(_ request: Request, context: HubRequestContext) async throws -> Response {
        let store = try await storeInfo(context)
        let name = try Authenticator.pathParameter(context, "name")
        guard let compiled = hub.catalog.mapping(storeID: store.id, name: name) else {
            throw APIError.notFound("store '\(store.id)' has no mapping '\(name)'")
        }
        return mappingEditor(
            storeID: store.id,
            name: name,
            document: compiled.mapping.json.prettyJSONString,
            extra: [:],
            status: .ok,
            notice: request.uri.queryParameters.get("notice")
        )
    }

    @Sendable func createMapping(_ request: Request, context: HubRequestContext) async throws -> Response {
        try await submitMapping(request, context, name: nil)
    }

    @Sendable func saveMapping(_ request: Request, context: HubRequestContext) async throws -> Response {
        try await submitMapping(request, context, name: try Authenticator.pathParameter(context, "name"))
    }

    func submitMapping(_ request: Request, _ context: HubRequestContext, name: String?) async throws -> Response {
        try await submit(.mapping, request, context, name: name) { storeID, document in
            try await operations.saveMapping(storeID: storeID, document, name: name, creating: name == nil).mapping.name
        }
    }

    func mappingEditor(
        storeID: String,
        name: String?,
        document: String,
        extra: [String: Any],
        status: HTTPResponse.Status,
        notice: String? = nil
    ) -> Response {
        editorPage(.mapping, storeID: storeID, name: name, document: document, extra: extra, status: status, notice: notice)
    }

    /// The editor's "Try it" panel: would the mapping take this message, and why.
    @Sendable func tryMapping(_ request: Request, context: HubRequestContext) async throws -> Response {
        let store = try await storeInfo(context)
        let name = try Authenticator.pathParameter(context, "name")
        guard let compiled = hub.catalog.mapping(storeID: store.id, name: name) else {
            throw APIError.notFound("store '\(store.id)' has no mapping '\(name)'")
        }
        let form = try await self.form(request)
        let messageText = form["message"] ?? ""
        let payloadText = form["payload"] ?? "{}"
        var extra: [String: Any] = ["tryMessage": messageText, "tryPayload": payloadText]
        var status = HTTPResponse.Status.ok
        do {
            let payload = try parseDocument(payloadText, field: "payload")
            let explanation = try await operations.explain(
                storeID: store.id,
                mapping: name,
                ["message": .string(messageText), "payload": payload]
            )
            extra["tryResult"] =
                [
                    "matches": explanation.matches, "verdict": explanation.matches ? "It takes it" : "It does not take it",
                    "why": explanation.why, "filtersJSON": JSONValue.array(explanation.filters.map(\.json)).prettyJSONString,
                ] as [String: Any]
        } catch let error as APIError where error.status == .unprocessableContent || error.status == .badRequest {
            extra.merge(ConsoleView.problems(error)) { _, new in new }
            status = error.status
        }
        return mappingEditor(storeID: store.id, name: name, document: compiled.mapping.json.prettyJSONString, extra: extra, status: status)
    }

    @Sendable func deleteMapping(_ request: Request, context: HubRequestContext) async throws -> Response {
        let store = try await storeInfo(context)
        let name = try Authenticator.pathParameter(context, "name")
        try await operations.deleteMapping(storeID: store.id, name: name)
        return redirect(ConsoleURL.store(store.id, "mappings", query: [("notice", "mapping '\(name)' deleted")]))
    }

    // MARK: Schedulers

    @Sendable func schedulers(_ request: Request, context: HubRequestContext) async throws -> Response {
        let store = try await storeInfo(context)
        let rows: [[String: Any]] = try await hub.database.schedulers(storeID: store.id).map { scheduler in
            var row = ConsoleView.dictionary(Presenter.scheduler(scheduler))
            row["escapedID"] = ConsoleView.segment(scheduler.id)
            row["enabled"] = scheduler.enabled ? "yes" : "no"
            return row
        }
        return page(
            "schedulers",
            title: "Schedulers",
            store: store.id,
            nav: "schedulers",
            ["schedulers": rows],
            notice: request.uri.queryParameters.get("notice")
        )
    }

    static let schedulerHelp = "The scheduler as the admin API takes it: id, message, payload, interval (seconds), enabled."

    @Sendable func newScheduler(_ request: Request, context: HubRequestContext) async throws -> Response {
        let store = try await storeInfo(context)
        let starter: JSONValue = ["id": "poll-orders", "message": "spree:orders:poll", "payload": [:], "interval": 60, "enabled": true]
        return schedulerEditor(storeID: store.id, id: nil, document: starter.prettyJSONString, extra: [:], status: .ok)
    }

    @Sendable func editScheduler(_ request: Request, context: HubRequestContext) async throws -> Response {
        let store = try await storeInfo(context)
        let id = try Authenticator.pathParameter(context, "id")
        guard let scheduler = try await hub.database.schedulers(storeID: store.id).first(where: { $0.id == id }) else {
            throw APIError.notFound("store '\(store.id)' has no scheduler '\(id)'")
        }
        let document: JSONValue = [
            "id": .string(scheduler.id), "message": .string(scheduler.message), "payload": scheduler.payload,
            "interval": .double(scheduler.interval), "enabled": .bool(scheduler.enabled),
        ]
        return schedulerEditor(
            storeID: store.id,
            id: id,
            document: document.prettyJSONString,
            extra: [:],
            status: .ok,
            notice: request.uri.queryParameters.get("notice")
        )
    }

    @Sendable func createScheduler(_ request: Request, context: HubRequestContext) async throws -> Response {
        try await submitScheduler(request, context, id: nil)
    }

    @Sendable func saveScheduler(_ request: Request, context: HubRequestContext) async throws -> Response {
        try await submitScheduler(request, context, id: try Authenticator.pathParameter(context, "id"))
    }

    func submitScheduler(_ request: Request, _ context: HubRequestContext, id: String?) async throws -> Response {
        try await submit(.scheduler, request, context, name: id) { storeID, document in
            try await operations.saveScheduler(storeID: storeID, document, id: id, creating: id == nil).id
        }
    }

    func schedulerEditor(
        storeID: String,
        id: String?,
        document: String,
        extra: [String: Any],
        status: HTTPResponse.Status,
        notice: String? = nil
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
    func submit(
        _ kind: EditorKind,
        _ request: Request,
        _ context: HubRequestContext,
        name: String?,
        save: (String, JSONValue) async throws -> String
    ) async throws -> Response {
        let store = try await storeInfo(context)
        let text = try await form(request)["document"] ?? ""
        do {
            let saved = try await save(store.id, try parseDocument(text, field: "document"))
            return redirect(ConsoleURL.item(store.id, kind.collection, saved, query: [("notice", "\(kind.noun) '\(saved)' saved")]))
        } catch let error as APIError where error.status == .unprocessableContent || error.status == .badRequest {
            return editorPage(kind, storeID: store.id, name: name, document: text, extra: ConsoleView.problems(error), status: error.status)
        }
    }

    func editorPage(
        _ kind: EditorKind,
        storeID: String,
        name: String?,
        document: String,
        extra: [String: Any],
        status: HTTPResponse.Status,
        notice: String? = nil
    ) -> Response {
        let heading = name.map { "\(kind.title) \($0)" } ?? "New \(kind.noun)"
        var values: [String: Any] = [
            "heading": heading, "document": document, "help": kind.help,
            "action": name.map { ConsoleURL.item(storeID, kind.collection, $0) } ?? ConsoleURL.store(storeID, "new-\(kind.noun)"),
        ]
        if let name { values["deleteAction"] = ConsoleURL.item(storeID, kind.collection, name, action: "delete") }
        if kind.noun == "mapping", let name, let mapping = hub.catalog.mapping(storeID: storeID, name: name)?.mapping {
            values["tryAction"] = ConsoleURL.item(storeID, "mappings", name, action: "try")
            let first = mapping.messages.first ?? "order:new"
            values["tryMessage"] = first
            values["tryPayload"] = (SampleMessages.payload(first) ?? .object([:])).prettyJSONString
        }
        values.merge(extra) { _, new in new }
        return page("editor", title: heading, store: storeID, nav: kind.collection, values, notice: notice, status: status)
    }

    @Sendable func deleteScheduler(_ request: Request, context: HubRequestContext) async throws -> Response {
        let store = try await storeInfo(context)
        let id = try Authenticator.pathParameter(context, "id")
        try await operations.deleteScheduler(storeID: store.id, id: id)
        return redirect(ConsoleURL.store(store.id, "schedulers", query: [("notice", "scheduler '\(id)' deleted")]))
    }
}
