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

    func addRoutes(to router: Hummingbird.Router<BasicRequestContext>) {
        router.post("/api/stores", use: createStore)
        router.get("/api/stores", use: listStores)
        router.get("/api/stores/:store_id", use: showStore)

        router.get("/api/stores/:store_id/parameters", use: listParameters)
        router.get("/api/stores/:store_id/parameters/:name", use: showParameter)
        router.put("/api/stores/:store_id/parameters/:name", use: putParameter)
        router.delete("/api/stores/:store_id/parameters/:name", use: deleteParameter)

        router.get("/api/stores/:store_id/mappings", use: listMappings)
        router.post("/api/stores/:store_id/mappings", use: createMapping)
        router.get("/api/stores/:store_id/mappings/:name", use: showMapping)
        router.put("/api/stores/:store_id/mappings/:name", use: putMapping)
        router.delete("/api/stores/:store_id/mappings/:name", use: deleteMapping)

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

    // MARK: Stores

    @Sendable func createStore(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try await auth.requireAdmin(request)
        let body = try await ingest.readJSON(request)
        let input = try StoreInput.decode(body)
        let token = input.token ?? Tokens.generate()
        do {
            try await hub.store.createStore(id: input.id, name: input.name, tokenHash: Tokens.hash(token), at: hub.clock.now())
        } catch let error as StoreError {
            throw APIError.from(error)
        }
        hub.logger.info("store created", metadata: ["store": .string(input.id)])
        return .json(["id": .string(input.id), "name": .string(input.name), "token": .string(token)], status: .created)
    }

    @Sendable func listStores(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try await auth.requireAdmin(request)
        return .json(["stores": .array(try await hub.store.stores().map(Presenter.store))])
    }

    @Sendable func showStore(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        guard let store = try await hub.store.store(id: storeID) else { throw APIError.notFound("no store with id '\(storeID)'") }
        return .json(Presenter.store(store))
    }

    // MARK: Parameters

    @Sendable func listParameters(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        return .json(["parameters": .array(try await hub.store.parameters(storeID: storeID).map(Presenter.parameter))])
    }

    @Sendable func showParameter(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let name = try pathParameter(context, "name")
        guard let parameter = try await hub.store.parameters(storeID: storeID).first(where: { $0.name == name }) else {
            throw APIError.notFound("store '\(storeID)' has no parameter '\(name)'")
        }
        return .json(Presenter.parameter(parameter))
    }

    @Sendable func putParameter(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let name = try pathParameter(context, "name")
        let body = try await ingest.readJSON(request)
        guard case .object(let fields) = body, let value = fields["value"] else {
            throw APIError.invalid("the parameter is not valid", path: "value", problem: "is required: send {\"value\": ...}")
        }
        if let why = ParameterRules.problem(name: name, value: value) { throw APIError.invalid("the parameter is not valid", path: why.path, problem: why.problem) }
        let parameter = Parameter(name: name, value: value)
        try await hub.store.setParameter(storeID: storeID, parameter, at: hub.clock.now())
        return .json(Presenter.parameter(parameter))
    }

    @Sendable func deleteParameter(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let name = try pathParameter(context, "name")
        guard try await hub.store.deleteParameter(storeID: storeID, name: name) else {
            throw APIError.notFound("store '\(storeID)' has no parameter '\(name)'")
        }
        return Response(status: .noContent)
    }

    // MARK: Mappings

    @Sendable func listMappings(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        return .json(["mappings": .array(hub.catalog.mappings(storeID: storeID).map(\.mapping.json))])
    }

    @Sendable func showMapping(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let name = try pathParameter(context, "name")
        guard let compiled = hub.catalog.mapping(storeID: storeID, name: name) else {
            throw APIError.notFound("store '\(storeID)' has no mapping '\(name)'")
        }
        return .json(compiled.mapping.json)
    }

    @Sendable func createMapping(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let mapping = try decodeMapping(try await ingest.readJSON(request), name: nil)
        if hub.catalog.mapping(storeID: storeID, name: mapping.name) != nil {
            throw APIError.invalid("the mapping is not valid", path: "name", problem: "a mapping named '\(mapping.name)' already exists; PUT .../mappings/\(mapping.name) to change it")
        }
        try await save(mapping, storeID: storeID)
        return .json(mapping.json, status: .created)
    }

    @Sendable func putMapping(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let name = try pathParameter(context, "name")
        let mapping = try decodeMapping(try await ingest.readJSON(request), name: name)
        if let existing = hub.catalog.mapping(storeID: storeID, name: name)?.mapping, existing.required, !mapping.enabled {
            throw APIError.invalid("the mapping is not valid", path: "enabled", problem: "'\(name)' is required and cannot be disabled")
        }
        let existed = hub.catalog.mapping(storeID: storeID, name: name) != nil
        try await save(mapping, storeID: storeID)
        return .json(mapping.json, status: existed ? .ok : .created)
    }

    @Sendable func deleteMapping(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let name = try pathParameter(context, "name")
        guard let existing = hub.catalog.mapping(storeID: storeID, name: name)?.mapping else {
            throw APIError.notFound("store '\(storeID)' has no mapping '\(name)'")
        }
        if existing.required {
            throw APIError.invalid("the mapping cannot be deleted", path: "required", problem: "'\(name)' is required and cannot be deleted")
        }
        _ = try await hub.store.deleteMapping(storeID: storeID, name: name)
        hub.catalog.remove(storeID: storeID, name: name)
        return Response(status: .noContent)
    }

    private func decodeMapping(_ json: JSONValue, name: String?) throws -> Mapping {
        do { return try Mapping.decode(json, defaultName: name) } catch let error as ValidationError { throw APIError.invalid(error) }
    }

    private func save(_ mapping: Mapping, storeID: String) async throws {
        try await hub.store.saveMapping(storeID: storeID, mapping, at: hub.clock.now())
        hub.catalog.put(storeID: storeID, mapping)
    }

    // MARK: Schedulers

    @Sendable func listSchedulers(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        return .json(["schedulers": .array(try await hub.store.schedulers(storeID: storeID).map(Presenter.scheduler))])
    }

    @Sendable func showScheduler(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let id = try pathParameter(context, "id")
        guard let scheduler = try await hub.store.schedulers(storeID: storeID).first(where: { $0.id == id }) else {
            throw APIError.notFound("store '\(storeID)' has no scheduler '\(id)'")
        }
        return .json(Presenter.scheduler(scheduler))
    }

    @Sendable func createScheduler(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let scheduler = try SchedulerInput.decode(try await ingest.readJSON(request), id: nil)
        if try await hub.store.schedulers(storeID: storeID).contains(where: { $0.id == scheduler.id }) {
            throw APIError.invalid("the scheduler is not valid", path: "id", problem: "a scheduler '\(scheduler.id)' already exists; PUT to change it")
        }
        return try await saveScheduler(scheduler, storeID: storeID, status: .created)
    }

    @Sendable func putScheduler(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let id = try pathParameter(context, "id")
        let scheduler = try SchedulerInput.decode(try await ingest.readJSON(request), id: id)
        return try await saveScheduler(scheduler, storeID: storeID, status: .ok)
    }

    private func saveScheduler(_ scheduler: Scheduler, storeID: String, status: HTTPResponse.Status) async throws -> Response {
        try await hub.store.saveScheduler(storeID: storeID, scheduler, at: hub.clock.now())
        let saved = try await hub.store.schedulers(storeID: storeID).first { $0.id == scheduler.id } ?? scheduler
        return .json(Presenter.scheduler(saved), status: status)
    }

    @Sendable func deleteScheduler(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let id = try pathParameter(context, "id")
        guard try await hub.store.deleteScheduler(storeID: storeID, id: id) else {
            throw APIError.notFound("store '\(storeID)' has no scheduler '\(id)'")
        }
        return Response(status: .noContent)
    }

    // MARK: Messages

    /// The Augury v5 push: `{message, payload}` answered 201 with the message echoed and its id.
    @Sendable func pushMessage(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let json = try await ingest.readJSON(request)
        var problems: [Problem] = []
        guard let message = ingest.check(json, prefix: "", origin: "store", problems: &problems) else {
            throw APIError(.unprocessableContent, "the message is not valid", problems: problems)
        }
        let key = try ingest.idempotencyKey(request, single: json)
        return try await ingest.write(storeID: storeID, messages: [message], key: key, status: .created) { accepted in
            var echo = message.document
            echo["message"] = .string(message.name)
            echo["payload"] = message.payload
            echo["message_id"] = .string(accepted[0].id)
            return .object(echo)
        }
    }

    @Sendable func listMessages(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let query = request.uri.queryParameters
        var problems: [Problem] = []
        var messageQuery = MessageQuery(storeID: storeID)
        messageQuery.message = query.get("message")
        if let state = query.get("state") {
            let known = DeliveryState.allCases.map(\.rawValue) + ["accepted", "skipped"]
            if known.contains(state) { messageQuery.state = state } else {
                problems.append(Problem(path: "state", problem: "unknown state '\(state)'; use one of \(known.joined(separator: ", "))"))
            }
        }
        messageQuery.mapping = query.get("mapping")
        if let identifier = query.get("identifier") {
            let parts = identifier.split(separator: ":", maxSplits: 1).map(String.init)
            if parts.count == 2, !parts[0].isEmpty { messageQuery.identifier = IdentifierValue(name: parts[0], value: parts[1]) } else {
                problems.append(Problem(path: "identifier", problem: "must be name:value, such as order_number:R123456789"))
            }
        }
        messageQuery.since = parseTime(query.get("since"), name: "since", problems: &problems)
        messageQuery.until = parseTime(query.get("until"), name: "until", problems: &problems)
        (messageQuery.page, messageQuery.perPage) = paging(query, problems: &problems)
        if !problems.isEmpty { throw APIError(.unprocessableContent, "the query is not valid", problems: problems) }
        let page = try await hub.store.messages(messageQuery)
        return .json(Presenter.page(page, key: "messages") { Presenter.message($0, full: false) })
    }

    @Sendable func showMessage(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let id = try pathParameter(context, "message_id")
        guard let detail = try await hub.store.message(storeID: storeID, id: id) else {
            throw APIError.notFound("store '\(storeID)' has no message '\(id)'")
        }
        return .json(Presenter.detail(detail))
    }

    /// `{attempt_now: true}`, `{archive: true}` or `{payload: {...}}` (edit and resend).
    @Sendable func updateMessage(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let id = try pathParameter(context, "message_id")
        let body = try await ingest.readJSON(request)
        guard case .object(let fields) = body else {
            throw APIError.invalid("the update is not valid", path: "", problem: "send {attempt_now: true}, {archive: true} or {payload: {...}}")
        }
        guard let detail = try await hub.store.message(storeID: storeID, id: id) else {
            throw APIError.notFound("store '\(storeID)' has no message '\(id)'")
        }
        let now = hub.clock.now()
        if fields["attempt_now"] == .bool(true) {
            let count = try await hub.store.attemptNow(storeID: storeID, id: id, now: now)
            hub.wakeWorkers()
            return .json(["message_id": .string(detail.message.id), "attempt_now": .int(Int64(count))])
        }
        if fields["archive"] == .bool(true) {
            let count = try await hub.store.archive(storeID: storeID, id: id, now: now)
            return .json(["message_id": .string(detail.message.id), "archived": .int(Int64(count))])
        }
        if let payload = fields["payload"] {
            let name = MessageName.normalised(fields["message"]?.stringValue ?? detail.message.name)
            var problems: [Problem] = []
            guard let checked = ingest.check(.object(["message": .string(name), "payload": payload]), prefix: "", origin: "resend", problems: &problems) else {
                throw APIError(.unprocessableContent, "the edited message is not valid", problems: problems)
            }
            let copy = hub.router.route(
                storeID: storeID, name: checked.name, payload: checked.payload, origin: "resend", parentMessageID: detail.message.id, now: now, dedup: false)
            try await hub.store.resend(storeID: storeID, originalID: detail.message.id, copy: copy, now: now)
            hub.wakeWorkers()
            guard let saved = try await hub.store.message(storeID: storeID, id: copy.id) else { throw APIError.notFound("the resent message vanished") }
            return .json(Presenter.detail(saved), status: .created)
        }
        throw APIError.invalid("the update is not valid", path: "", problem: "send {attempt_now: true}, {archive: true} or {payload: {...}}")
    }

    @Sendable func recover(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let body = try await ingest.readJSON(request)
        var problems: [Problem] = []
        let since = parseTime(body["since"]?.stringValue ?? body["since"]?.numberValue.map { String($0) }, name: "since", problems: &problems)
        guard problems.isEmpty, let since else {
            throw APIError(.unprocessableContent, "the recovery is not valid", problems: problems.isEmpty ? [Problem(path: "since", problem: "is required: a time such as 2026-11-24T00:00:00Z")] : problems)
        }
        let count = try await hub.store.recover(storeID: storeID, since: since, now: hub.clock.now())
        hub.wakeWorkers()
        return .json(["since": Presenter.time(since), "recovered": .int(Int64(count))])
    }

    @Sendable func queues(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let counts = try await hub.store.queueCounts(storeID: storeID)
        return .json(.object(counts.mapValues { .int(Int64($0)) }))
    }

    @Sendable func notifications(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let query = request.uri.queryParameters
        var problems: [Problem] = []
        let level = query.get("level")
        if let level, IntegratorModel.Notification.Level(rawValue: level) == nil {
            problems.append(Problem(path: "level", problem: "must be info, warn or error"))
        }
        let (page, perPage) = paging(query, problems: &problems)
        if !problems.isEmpty { throw APIError(.unprocessableContent, "the query is not valid", problems: problems) }
        let result = try await hub.store.notifications(storeID: storeID, level: level, reference: query.get("reference"), page: page, perPage: perPage)
        return .json(Presenter.page(result, key: "notifications", render: Presenter.notification))
    }

    // MARK: Helpers

    private func scope(_ request: Request, _ context: BasicRequestContext) async throws -> String {
        try await auth.scope(request, context)
    }

    private func pathParameter(_ context: BasicRequestContext, _ name: String) throws -> String {
        try Authenticator.pathParameter(context, name)
    }

    private func parseTime(_ text: String?, name: String, problems: inout [Problem]) -> Date? {
        guard let text else { return nil }
        if let date = ISOTime.parse(text) { return date }
        problems.append(Problem(path: name, problem: "is not a time: '\(text)'; use ISO 8601 such as 2026-11-24T10:00:00Z"))
        return nil
    }

    private func paging(_ query: Parameters, problems: inout [Problem]) -> (Int, Int) {
        var page = 1, perPage = 25
        if let text = query.get("page") {
            if let value = Int(text), value >= 1 { page = value } else { problems.append(Problem(path: "page", problem: "must be a whole number from 1")) }
        }
        if let text = query.get("per_page") {
            if let value = Int(text), (1...100).contains(value) { perPage = value } else { problems.append(Problem(path: "per_page", problem: "must be a whole number from 1 to 100")) }
        }
        return (page, perPage)
    }
}
