import Foundation
import HTTPTypes
import IntegratorModel
import IntegratorStore
import Logging

/// What the admin API and the admin console both do, once: each operation checks its input,
/// changes the store and the routing cache, and throws an `APIError` naming every problem.
/// The JSON controller and the HTML console are two faces over these.
struct AdminOperations: Sendable {
    let hub: Hub
    var ingest: Ingest { Ingest(hub: hub) }

    // MARK: Stores

    /// Creates a store; the token is generated when absent and returned once.
    func createStore(_ body: JSONValue) async throws -> (id: String, name: String, token: String) {
        let input = try await APIError.mapped { try StoreInput.decode(body) }
        let token = input.token ?? Tokens.generate()
        if let why = try await hub.tokenProblem(hash: Tokens.hash(token), storeID: input.id) {
            throw APIError.invalid("the store is not valid", path: "token", problem: why)
        }
        try await APIError.mapped {
            try await hub.database.createStore(id: input.id, name: input.name, tokenHash: Tokens.hash(token), at: hub.clock.now())
        }
        if case .some(let retention) = input.retention { _ = try await hub.database.setRetention(storeID: input.id, retention) }
        hub.storeChanged(input.id)
        hub.logger.info("store created", metadata: ["store": .string(input.id)])
        return (input.id, input.name, token)
    }

    // MARK: Parameters

    func setParameter(storeID: String, name: String, value: JSONValue) async throws -> Parameter {
        if let why = ParameterRules.problem(name: name, value: value) {
            throw APIError.invalid("the parameter is not valid", path: why.path, problem: why.problem)
        }
        let parameter = Parameter(name: name, value: value)
        try await hub.database.setParameter(storeID: storeID, parameter, at: hub.clock.now())
        hub.parameterSets.invalidate(storeID)
        return parameter
    }

    func deleteParameter(storeID: String, name: String) async throws {
        guard try await hub.database.deleteParameter(storeID: storeID, name: name) else {
            throw APIError.notFound("store '\(storeID)' has no parameter '\(name)'")
        }
        hub.parameterSets.invalidate(storeID)
    }

    // MARK: Mappings

    /// Saves a mapping. `name` is the name in the path when replacing; `creating` refuses to
    /// overwrite an existing one. Returns the mapping and whether it existed before.
    func saveMapping(storeID: String, _ json: JSONValue, name: String?, creating: Bool) async throws -> (mapping: Mapping, existed: Bool) {
        let mapping = try await APIError.mapped { try Mapping.decode(json, defaultName: name) }
        if let problem = hub.targetProblem(mapping) { throw APIError.invalid(ValidationError("the mapping is not valid", problems: [problem])) }
        let existing = hub.catalog.mapping(storeID: storeID, name: mapping.name)?.mapping
        if creating, existing != nil {
            throw APIError.invalid(
                "the mapping is not valid",
                path: "name",
                problem: "a mapping named '\(mapping.name)' already exists; PUT .../mappings/\(mapping.name) to change it"
            )
        }
        if let existing, existing.required, !mapping.enabled {
            throw APIError.invalid("the mapping is not valid", path: "enabled", problem: "'\(mapping.name)' is required and cannot be disabled")
        }
        try await hub.database.saveMapping(storeID: storeID, mapping, at: hub.clock.now())
        hub.catalog.put(storeID: storeID, mapping)
        // Resuming made held deliveries due.
        if existing?.paused == true, !mapping.paused { hub.wakeWorkers() }
        return (mapping, existing != nil)
    }

    /// Pauses or resumes a mapping: its deliveries wait in state `paused` until it resumes.
    func setPaused(storeID: String, name: String, _ paused: Bool) async throws -> Mapping {
        guard var mapping = hub.catalog.mapping(storeID: storeID, name: name)?.mapping else {
            throw APIError.notFound("store '\(storeID)' has no mapping '\(name)'")
        }
        mapping.paused = paused
        try await hub.database.saveMapping(storeID: storeID, mapping, at: hub.clock.now())
        hub.catalog.put(storeID: storeID, mapping)
        if !paused { hub.wakeWorkers() }
        hub.logger.info(paused ? "mapping paused" : "mapping resumed", metadata: ["store": .string(storeID), "mapping": .string(name)])
        return mapping
    }

    /// Changes a store's name or retention (`PUT /api/stores/{id}`); its token stays.
    func updateStore(storeID: String, _ body: JSONValue) async throws -> StoreInfo {
        guard let current = try await hub.database.store(id: storeID) else { throw APIError.notFound("no store with id '\(storeID)'") }
        guard case .object(var fields) = body else {
            throw APIError.invalid("the store is not valid", path: "", problem: "must be an object with name and/or retention")
        }
        if fields["id"] == nil { fields["id"] = .string(storeID) }
        if fields["name"] == nil { fields["name"] = .string(current.name) }
        let input = try await APIError.mapped { try StoreInput.decode(.object(fields)) }
        if input.id != storeID {
            throw APIError.invalid("the store is not valid", path: "id", problem: "'\(input.id)' differs from the id in the URL, '\(storeID)'")
        }
        if input.token != nil {
            throw APIError.invalid(
                "the store is not valid",
                path: "token",
                problem: "cannot be changed here; a store's token is set when it is created"
            )
        }
        _ = try await hub.database.upsertStore(id: storeID, name: input.name, tokenHash: nil, at: hub.clock.now())
        if case .some(let retention) = input.retention { _ = try await hub.database.setRetention(storeID: storeID, retention) }
        return try await hub.database.store(id: storeID) ?? current
    }

    /// Each mapping of a store with its health, in name order (mappings that never ran show closed).
    func health(storeID: String) async throws -> [JSONValue] {
        let known = try await hub.database.mappingHealth(storeID: storeID, failuresSince: hub.clock.now().addingTimeInterval(-3600))
        let byName = Dictionary(known.map { ($0.mapping, $0) }, uniquingKeysWith: { first, _ in first })
        return hub.catalog.mappings(storeID: storeID).map { compiled in
            let name = compiled.mapping.name
            let health =
                byName[name] ?? MappingHealth(mapping: name, breaker: BreakerStatus(), lastSuccessAt: nil, lastFailureAt: nil, recentFailures: 0)
            return Presenter.health(health, paused: compiled.mapping.paused)
        }
    }

    func deleteMapping(storeID: String, name: String) async throws {
        guard let existing = hub.catalog.mapping(storeID: storeID, name: name)?.mapping else {
            throw APIError.notFound("store '\(storeID)' has no mapping '\(name)'")
        }
        if existing.required {
            throw APIError.invalid("the mapping cannot be deleted", path: "required", problem: "'\(name)' is required and cannot be deleted")
        }
        _ = try await hub.database.deleteMapping(storeID: storeID, name: name)
        hub.catalog.remove(storeID: storeID, name: name)
    }

    // MARK: Schedulers

    /// Saves a scheduler and returns it as stored (with its next run).
    func saveScheduler(storeID: String, _ json: JSONValue, id: String?, creating: Bool) async throws -> Scheduler {
        let scheduler = try await APIError.mapped { try SchedulerInput.decode(json, id: id) }
        if creating, try await hub.database.schedulers(storeID: storeID).contains(where: { $0.id == scheduler.id }) {
            throw APIError.invalid(
                "the scheduler is not valid",
                path: "id",
                problem: "a scheduler '\(scheduler.id)' already exists; PUT to change it"
            )
        }
        try await hub.database.saveScheduler(storeID: storeID, scheduler, at: hub.clock.now())
        return try await hub.database.schedulers(storeID: storeID).first { $0.id == scheduler.id } ?? scheduler
    }

    func deleteScheduler(storeID: String, id: String) async throws {
        guard try await hub.database.deleteScheduler(storeID: storeID, id: id) else {
            throw APIError.notFound("store '\(storeID)' has no scheduler '\(id)'")
        }
    }

    // MARK: Messages

    /// Pushes one message in the v5 form on behalf of the store; returns the new message's id.
    func push(storeID: String, _ json: JSONValue, origin: MessageOrigin) async throws -> String {
        var problems: [Problem] = []
        guard let message = Ingest.check(json, prefix: "", origin: origin, problems: &problems) else {
            throw APIError(.unprocessableContent, "the message is not valid", problems: problems)
        }
        var id = ""
        _ = try await ingest.write(storeID: storeID, messages: [message], key: nil, status: .created) { accepted in
            id = accepted[0].id
            return .object(["message_id": .string(id)])
        }
        return id
    }

    /// A message query from the list filters of the API (`message`, `state`, `mapping`,
    /// `identifier`, `since`, `until`, `page`, `per_page`); every bad filter is named.
    func messageQuery(storeID: String, _ get: (String) -> String?) throws -> MessageQuery {
        var problems: [Problem] = []
        var query = MessageQuery(storeID: storeID)
        query.message = nonEmpty(get("message"))
        if let state = nonEmpty(get("state")) {
            let known = DeliveryState.allCases.map(\.rawValue) + ["accepted", "skipped"]
            if known.contains(state) {
                query.state = state
            } else {
                problems.append(Problem(path: "state", problem: "unknown state '\(state)'; use one of \(known.joined(separator: ", "))"))
            }
        }
        query.mapping = nonEmpty(get("mapping"))
        if let identifier = nonEmpty(get("identifier")) {
            let parts = identifier.split(separator: ":", maxSplits: 1).map(String.init)
            if parts.count == 2, !parts[0].isEmpty {
                query.identifier = IdentifierValue(name: parts[0], value: parts[1])
            } else {
                problems.append(Problem(path: "identifier", problem: "must be name:value, such as order_number:R123456789"))
            }
        }
        query.since = Self.parseTime(nonEmpty(get("since")), name: "since", problems: &problems)
        query.until = Self.parseTime(nonEmpty(get("until")), name: "until", problems: &problems)
        (query.page, query.perPage) = Self.paging(get, problems: &problems)
        if !problems.isEmpty { throw APIError(.unprocessableContent, "the query is not valid", problems: problems) }
        return query
    }

    /// The message, or 404 naming it.
    func message(storeID: String, id: String) async throws -> MessageDetail {
        guard let detail = try await hub.database.message(storeID: storeID, id: id) else {
            throw APIError.notFound("store '\(storeID)' has no message '\(id)'")
        }
        return detail
    }

    /// Puts every open delivery of the message back to be attempted now; returns how many.
    func attemptNow(storeID: String, id: String) async throws -> Int {
        _ = try await message(storeID: storeID, id: id)
        let count = try await hub.database.attemptNow(storeID: storeID, id: id, now: hub.clock.now())
        hub.logger.info("attempt now", metadata: ["message_id": .string(id), "store": .string(storeID), "deliveries": .stringConvertible(count)])
        hub.wakeWorkers()
        return count
    }

    /// Archives the message's open deliveries; returns how many.
    func archive(storeID: String, id: String) async throws -> Int {
        _ = try await message(storeID: storeID, id: id)
        let count = try await hub.database.archive(storeID: storeID, id: id, now: hub.clock.now())
        hub.logger.info("archived", metadata: ["message_id": .string(id), "store": .string(storeID), "deliveries": .stringConvertible(count)])
        return count
    }

    /// Edit and resend: a checked copy with the new payload, routed afresh, child of the original.
    func resend(storeID: String, id: String, name: String?, payload: JSONValue) async throws -> MessageDetail {
        let original = try await message(storeID: storeID, id: id)
        let now = hub.clock.now()
        let name = MessageName.normalised(name ?? original.message.name)
        var problems: [Problem] = []
        guard let checked = Ingest.check(.object(["message": .string(name), "payload": payload]), prefix: "", origin: .resend, problems: &problems)
        else {
            throw APIError(.unprocessableContent, "the edited message is not valid", problems: problems)
        }
        let copy = hub.router.route(
            storeID: storeID,
            name: checked.name,
            payload: checked.payload,
            origin: .resend,
            parentMessageID: original.message.id,
            now: now,
            dedup: false
        )
        try await hub.database.resend(storeID: storeID, originalID: original.message.id, copy: copy, now: now)
        hub.logger.info("resent", metadata: ["message_id": .string(copy.id), "original_id": .string(original.message.id), "store": .string(storeID)])
        hub.wakeWorkers()
        return try await message(storeID: storeID, id: copy.id)
    }

    /// Notifications filtered by `level` and `reference`, paged.
    func notifications(storeID: String, _ get: (String) -> String?) async throws -> Page<NotificationRecord> {
        var problems: [Problem] = []
        let level = nonEmpty(get("level"))
        if let level, IntegratorModel.Notification.Level(rawValue: level) == nil {
            problems.append(Problem(path: "level", problem: "must be info, warn or error"))
        }
        let (page, perPage) = Self.paging(get, problems: &problems)
        if !problems.isEmpty { throw APIError(.unprocessableContent, "the query is not valid", problems: problems) }
        return try await hub.database.notifications(
            storeID: storeID,
            level: level,
            reference: nonEmpty(get("reference")),
            page: page,
            perPage: perPage
        )
    }

    // MARK: Helpers

    private func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }

    static func parseTime(_ text: String?, name: String, problems: inout [Problem]) -> Date? {
        guard let text else { return nil }
        if let date = ISOTime.parse(text) { return date }
        problems.append(
            Problem(
                path: name,
                problem: "is not a time from 1970 to 9999: '\(text.prefix(64))'; use ISO 8601 such as 2026-11-24T10:00:00Z, or seconds since 1970"
            )
        )
        return nil
    }

    /// The highest page a listing serves: far past any real listing (100 million rows at
    /// `per_page` 100), low enough that `(page - 1) * per_page` cannot overflow anywhere.
    static let maximumPage = 1_000_000

    static func paging(_ get: (String) -> String?, problems: inout [Problem]) -> (Int, Int) {
        var page = 1
        var perPage = 25
        if let text = get("page"), !text.isEmpty {
            if let value = Int(text.prefix(20)), (1...maximumPage).contains(value) {
                page = value
            } else {
                problems.append(Problem(path: "page", problem: "must be a whole number from 1 to \(maximumPage)"))
            }
        }
        if let text = get("per_page"), !text.isEmpty {
            if let value = Int(text), (1...100).contains(value) {
                perPage = value
            } else {
                problems.append(Problem(path: "per_page", problem: "must be a whole number from 1 to 100"))
            }
        }
        return (page, perPage)
    }
}
