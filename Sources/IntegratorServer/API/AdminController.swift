import Foundation
import HTTPTypes
import Hummingbird
import IntegratorModel
import IntegratorStore
import Logging

/// The admin JSON API of SPEC §9, shaped like the original hub's: stores, parameters,
/// mappings, schedulers, messages, queues and notifications, scoped under `/api/stores/{id}`.
struct AdminController: Sendable {
    let hub: Hub
    let auth: Authenticator
    var ingest: Ingest { Ingest(hub: hub) }
    var operations: AdminOperations { AdminOperations(hub: hub) }

    func addRoutes(to router: MethodRouter) {
        router.post("/api/apply", use: applyDocument)
        router.post("/api/stores", use: createStore)
        router.get("/api/stores", use: listStores)
        router.get("/api/stores/:store_id", use: showStore)
        router.put("/api/stores/:store_id", use: updateStore)
        router.get("/api/stores/:store_id/health", use: health)

        router.get("/api/stores/:store_id/parameters", use: listParameters)
        router.get("/api/stores/:store_id/parameters/:name", use: showParameter)
        router.put("/api/stores/:store_id/parameters/:name", use: putParameter)
        router.delete("/api/stores/:store_id/parameters/:name", use: deleteParameter)

        router.get("/api/stores/:store_id/mappings", use: listMappings)
        router.post("/api/stores/:store_id/mappings", use: createMapping)
        router.get("/api/stores/:store_id/mappings/:name", use: showMapping)
        router.put("/api/stores/:store_id/mappings/:name", use: putMapping)
        router.delete("/api/stores/:store_id/mappings/:name", use: deleteMapping)
        router.post("/api/stores/:store_id/mappings/:name/test", use: testMapping)
        router.post("/api/stores/:store_id/mappings/:name/pause", use: pauseMapping)
        router.post("/api/stores/:store_id/mappings/:name/resume", use: resumeMapping)
        router.post("/api/stores/:store_id/route-test", use: routeTest)

        router.get("/api/stores/:store_id/schedulers", use: listSchedulers)
        router.post("/api/stores/:store_id/schedulers", use: createScheduler)
        router.get("/api/stores/:store_id/schedulers/:id", use: showScheduler)
        router.put("/api/stores/:store_id/schedulers/:id", use: putScheduler)
        router.delete("/api/stores/:store_id/schedulers/:id", use: deleteScheduler)

        router.post("/api/stores/:store_id/messages", use: pushMessage)
        router.get("/api/stores/:store_id/messages", use: listMessages)
        router.get("/api/stores/:store_id/messages/:message_id", use: showMessage)
        router.put("/api/stores/:store_id/messages/:message_id", use: updateMessage)
        router.post("/api/stores/:store_id/recover", use: recover)
        router.get("/api/stores/:store_id/queues", use: queues)
        router.get("/api/stores/:store_id/notifications", use: notifications)
    }

    // MARK: Config documents

    /// A config document (what `integrator apply` sends), applied exactly as `--config` applies
    /// one at start: checked whole first, so a bad document changes nothing (422 naming every
    /// problem by its path), then applied. Answers what changed and every item, in order.
    @Sendable func applyDocument(_ request: Request, context: HubRequestContext) async throws -> Response {
        try await auth.requireAdmin(request)
        let document = try await ingest.readJSON(request)
        let applied = try await APIError.mapped { try await hub.applyDocument(document) }
        return .json(["changes": .array(applied.changes.map { .string($0) }), "items": .array(applied.items.map { .string($0) })])
    }

    // MARK: Stores

    @Sendable func createStore(_ request: Request, context: HubRequestContext) async throws -> Response {
        try await auth.requireAdmin(request)
        let created = try await operations.createStore(try await ingest.readJSON(request))
        return .json(["id": .string(created.id), "name": .string(created.name), "token": .string(created.token)], status: .created)
    }

    @Sendable func listStores(_ request: Request, context: HubRequestContext) async throws -> Response {
        try await auth.requireAdmin(request)
        let retention = hub.configuration.retention
        return .json(["stores": .array(try await hub.database.stores().map { Presenter.store($0, hubRetention: retention) })])
    }

    @Sendable func showStore(_ request: Request, context: HubRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        guard let store = try await hub.database.store(id: storeID) else { throw APIError.notFound("no store with id '\(storeID)'") }
        return .json(Presenter.store(store, hubRetention: hub.configuration.retention))
    }

    /// `{name, retention}`: a new name, or a retention of the store's own (null for the hub's).
    @Sendable func updateStore(_ request: Request, context: HubRequestContext) async throws -> Response {
        try await auth.requireAdmin(request)
        let storeID = try pathParameter(context, "store_id")
        let store = try await operations.updateStore(storeID: storeID, try await ingest.readJSON(request))
        return .json(Presenter.store(store, hubRetention: hub.configuration.retention))
    }

    /// `{mappings: [{mapping, breaker, consecutive_failures, probe_at, last_success_at, last_failure_at, failures_last_hour, paused}]}`.
    @Sendable func health(_ request: Request, context: HubRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        return .json(["mappings": .array(try await operations.health(storeID: storeID))])
    }

    // MARK: Parameters

    @Sendable func listParameters(_ request: Request, context: HubRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        return .json(["parameters": .array(try await hub.database.parameters(storeID: storeID).map(Presenter.parameter))])
    }

    @Sendable func showParameter(_ request: Request, context: HubRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let name = try pathParameter(context, "name")
        guard let parameter = try await hub.database.parameters(storeID: storeID).first(where: { $0.name == name }) else {
            throw APIError.notFound("store '\(storeID)' has no parameter '\(name)'")
        }
        return .json(Presenter.parameter(parameter))
    }

    @Sendable func putParameter(_ request: Request, context: HubRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let name = try pathParameter(context, "name")
        let body = try await ingest.readJSON(request)
        guard case .object(let fields) = body, let value = fields["value"] else {
            throw APIError.invalid("the parameter is not valid", path: "value", problem: "is required: send {\"value\": ...}")
        }
        return .json(Presenter.parameter(try await operations.setParameter(storeID: storeID, name: name, value: value)))
    }

    @Sendable func deleteParameter(_ request: Request, context: HubRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        try await operations.deleteParameter(storeID: storeID, name: try pathParameter(context, "name"))
        return Response(status: .noContent)
    }

    // MARK: Mappings

    @Sendable func listMappings(_ request: Request, context: HubRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        return .json(["mappings": .array(hub.catalog.mappings(storeID: storeID).map(\.mapping.json))])
    }

    @Sendable func showMapping(_ request: Request, context: HubRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let name = try pathParameter(context, "name")
        guard let compiled = hub.catalog.mapping(storeID: storeID, name: name) else {
            throw APIError.notFound("store '\(storeID)' has no mapping '\(name)'")
        }
        return .json(compiled.mapping.json)
    }

    @Sendable func pauseMapping(_ request: Request, context: HubRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        return .json(try await operations.setPaused(storeID: storeID, name: try pathParameter(context, "name"), true).json)
    }

    @Sendable func resumeMapping(_ request: Request, context: HubRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        return .json(try await operations.setPaused(storeID: storeID, name: try pathParameter(context, "name"), false).json)
    }

    /// `{message, payload}` or `{message_id}` → `{matches, why, filters}` for one mapping.
    @Sendable func testMapping(_ request: Request, context: HubRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let name = try pathParameter(context, "name")
        let explanation = try await operations.explain(storeID: storeID, mapping: name, try await ingest.readJSON(request))
        return .json(explanation.json)
    }

    /// `{message, payload}` or `{message_id}` → `{mappings: [{mapping, matches, why, filters}]}`.
    @Sendable func routeTest(_ request: Request, context: HubRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let explanations = try await operations.routeTest(storeID: storeID, try await ingest.readJSON(request))
        return .json(["mappings": .array(explanations.map(\.json))])
    }

    @Sendable func createMapping(_ request: Request, context: HubRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let saved = try await operations.saveMapping(storeID: storeID, try await ingest.readJSON(request), name: nil, creating: true)
        return .json(saved.mapping.json, status: .created)
    }

    @Sendable func putMapping(_ request: Request, context: HubRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let name = try pathParameter(context, "name")
        let saved = try await operations.saveMapping(storeID: storeID, try await ingest.readJSON(request), name: name, creating: false)
        return .json(saved.mapping.json, status: saved.existed ? .ok : .created)
    }

    @Sendable func deleteMapping(_ request: Request, context: HubRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        try await operations.deleteMapping(storeID: storeID, name: try pathParameter(context, "name"))
        return Response(status: .noContent)
    }

    // MARK: Schedulers

    @Sendable func listSchedulers(_ request: Request, context: HubRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        return .json(["schedulers": .array(try await hub.database.schedulers(storeID: storeID).map(Presenter.scheduler))])
    }

    @Sendable func showScheduler(_ request: Request, context: HubRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let id = try pathParameter(context, "id")
        guard let scheduler = try await hub.database.schedulers(storeID: storeID).first(where: { $0.id == id }) else {
            throw APIError.notFound("store '\(storeID)' has no scheduler '\(id)'")
        }
        return .json(Presenter.scheduler(scheduler))
    }

    @Sendable func createScheduler(_ request: Request, context: HubRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let saved = try await operations.saveScheduler(storeID: storeID, try await ingest.readJSON(request), id: nil, creating: true)
        return .json(Presenter.scheduler(saved), status: .created)
    }

    @Sendable func putScheduler(_ request: Request, context: HubRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let id = try pathParameter(context, "id")
        let saved = try await operations.saveScheduler(storeID: storeID, try await ingest.readJSON(request), id: id, creating: false)
        return .json(Presenter.scheduler(saved))
    }

    @Sendable func deleteScheduler(_ request: Request, context: HubRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        try await operations.deleteScheduler(storeID: storeID, id: try pathParameter(context, "id"))
        return Response(status: .noContent)
    }

    // MARK: Messages

    /// The Augury v5 push: `{message, payload}` answered 201 with the message echoed and its id.
    @Sendable func pushMessage(_ request: Request, context: HubRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let depth = try ingest.depth(request)
        let json = try await ingest.readJSON(request)
        var problems: [Problem] = []
        guard let message = Ingest.check(json, prefix: "", origin: .store, problems: &problems) else {
            throw APIError(.unprocessableContent, "the message is not valid", problems: problems)
        }
        let key = try ingest.idempotencyKey(request, single: json)
        return try await ingest.write(storeID: storeID, messages: [message], key: key, status: .created, depth: depth) { accepted in
            var echo = message.document
            echo["message"] = .string(message.name)
            echo["payload"] = message.payload
            echo["message_id"] = .string(accepted[0].id)
            return .object(echo)
        }
    }

    @Sendable func listMessages(_ request: Request, context: HubRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let query = request.uri.queryParameters
        let page = try await hub.database.messages(try operations.messageQuery(storeID: storeID) { query.get($0) })
        return .json(Presenter.page(page, key: "messages") { Presenter.message($0, full: false) })
    }

    @Sendable func showMessage(_ request: Request, context: HubRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        return .json(Presenter.detail(try await operations.message(storeID: storeID, id: try pathParameter(context, "message_id"))))
    }

    /// `{attempt_now: true}`, `{archive: true}` or `{payload: {...}}` (edit and resend).
    @Sendable func updateMessage(_ request: Request, context: HubRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let id = try pathParameter(context, "message_id")
        let body = try await ingest.readJSON(request)
        let usage = "send {attempt_now: true}, {archive: true} or {payload: {...}}"
        guard case .object(let fields) = body else { throw APIError.invalid("the update is not valid", path: "", problem: usage) }
        if fields["attempt_now"] == .bool(true) {
            let count = try await operations.attemptNow(storeID: storeID, id: id)
            return .json(["message_id": .string(id), "attempt_now": .int(Int64(count))])
        }
        if fields["archive"] == .bool(true) {
            let count = try await operations.archive(storeID: storeID, id: id)
            return .json(["message_id": .string(id), "archived": .int(Int64(count))])
        }
        if let payload = fields["payload"] {
            let saved = try await operations.resend(storeID: storeID, id: id, name: fields["message"]?.stringValue, payload: payload)
            return .json(Presenter.detail(saved), status: .created)
        }
        _ = try await operations.message(storeID: storeID, id: id)
        throw APIError.invalid("the update is not valid", path: "", problem: usage)
    }

    @Sendable func recover(_ request: Request, context: HubRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let body = try await ingest.readJSON(request)
        var problems: [Problem] = []
        let since = AdminOperations.parseTime(
            body["since"]?.stringValue ?? body["since"]?.numberValue.map { String($0) },
            name: "since",
            problems: &problems
        )
        guard problems.isEmpty, let since else {
            throw APIError(
                .unprocessableContent,
                "the recovery is not valid",
                problems: problems.isEmpty ? [Problem(path: "since", problem: "is required: a time such as 2026-11-24T00:00:00Z")] : problems
            )
        }
        let count = try await hub.database.recover(storeID: storeID, since: since, now: hub.clock.now())
        hub.wakeWorkers()
        return .json(["since": Presenter.time(since), "recovered": .int(Int64(count))])
    }

    @Sendable func queues(_ request: Request, context: HubRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let counts = try await hub.database.queueCounts(storeID: storeID)
        return .json(.object(JSONObject(counts.mapValues { .int(Int64($0)) })))
    }

    @Sendable func notifications(_ request: Request, context: HubRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let query = request.uri.queryParameters
        let result = try await operations.notifications(storeID: storeID) { query.get($0) }
        return .json(Presenter.page(result, key: "notifications", render: Presenter.notification))
    }

    // MARK: Helpers

    private func scope(_ request: Request, _ context: HubRequestContext) async throws -> String {
        try await auth.scope(request, context)
    }

    private func pathParameter(_ context: HubRequestContext, _ name: String) throws -> String {
        try Authenticator.pathParameter(context, name)
    }
}
