import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import IntegratorModel
import IntegratorStore
import NIOCore
import NIOHTTP1

/// Integrations from manifests (SPEC §7): register an endpoint by base URL and token, and the
/// hub fetches `/endpoint.json`, checks it, creates the parameters its services require (blank,
/// to fill) and one mapping per service; enable or disable a whole integration at once.
struct IntegrationController: Sendable {
    let hub: Hub
    let auth: Authenticator
    let client: HTTPClient
    var ingest: Ingest { Ingest(hub: hub) }

    func addRoutes(to router: MethodRouter) {
        router.get("/api/stores/:store_id/integrations", use: list)
        router.post("/api/stores/:store_id/integrations", use: register)
        router.get("/api/stores/:store_id/integrations/:id", use: show)
        router.put("/api/stores/:store_id/integrations/:id/enable_mappings", use: enable)
        router.put("/api/stores/:store_id/integrations/:id/disable_mappings", use: disable)
    }

    @Sendable func list(_ request: Request, context: HubRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        return .json(["integrations": .array(try await hub.database.integrations(storeID: storeID).map { with(mappings: $0, storeID: storeID) })])
    }

    @Sendable func show(_ request: Request, context: HubRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        return .json(with(mappings: try await find(storeID: storeID, context), storeID: storeID))
    }

    /// `{url, token}`: fetches and registers the endpoint's manifest.
    @Sendable func register(_ request: Request, context: HubRequestContext) async throws -> Response {
        let storeID = try await scope(request, context)
        let body = try await ingest.readJSON(request)
        guard let url = body["url"]?.stringValue, let components = URLComponents(string: url), ["http", "https"].contains(components.scheme ?? ""),
            components.host != nil
        else {
            throw APIError.invalid(
                "the integration is not valid",
                path: "url",
                problem: "must be the endpoint's base URL, such as http://127.0.0.1:4000"
            )
        }
        if let why = hub.targets.refusal(url: url) { throw APIError.invalid("the integration is not valid", path: "url", problem: why) }
        let token = body["token"]?.stringValue ?? ""
        let manifestJSON = try await fetchManifest(base: url)
        let manifest = try await APIError.mapped { try IntegrationManifest.decode(manifestJSON) }
        let now = hub.clock.now()
        let mappings = try await APIError.mapped { try manifest.services.map { try manifest.mapping(for: $0, baseURL: url, token: token) } }
        let existing = Set(try await hub.database.parameters(storeID: storeID).map(\.name))
        var blanks: [String] = []
        for name in Set(manifest.services.flatMap(\.parameters)).sorted() where !existing.contains(name) {
            try await hub.database.setParameter(storeID: storeID, Parameter(name: name, value: ""), at: now)
            hub.parameterSets.invalidate(storeID)
            blanks.append(name)
        }
        for mapping in mappings {
            var mapping = mapping
            // Re-registering keeps an operator's on/off choice.
            if let current = hub.catalog.mapping(storeID: storeID, name: mapping.name)?.mapping {
                mapping.enabled = current.enabled || mapping.required
            }
            try await hub.database.saveMapping(storeID: storeID, mapping, at: now)
            hub.catalog.put(storeID: storeID, mapping)
        }
        let record: JSONValue = [
            "id": .string(manifest.name), "name": .string(manifest.name), "display": .string(manifest.display),
            "description": .string(manifest.description),
            "url": .string(url), "store_id": .string(storeID), "services": manifestJSON["services"] ?? [], "error_messages": [],
            "created_at": Presenter.time(now),
        ]
        try await hub.database.saveIntegration(storeID: storeID, id: manifest.name, record: record, at: now)
        guard case .object(var reply) = with(mappings: record, storeID: storeID) else { return .json(record, status: .created) }
        reply["parameters_to_fill"] = .array(blanks.map { .string($0) })
        return .json(.object(reply), status: .created)
    }

    @Sendable func enable(_ request: Request, context: HubRequestContext) async throws -> Response {
        try await toggle(request, context, enabled: true)
    }

    @Sendable func disable(_ request: Request, context: HubRequestContext) async throws -> Response {
        try await toggle(request, context, enabled: false)
    }

    /// Turns every mapping of the integration on or off; a required mapping stays on.
    private func toggle(_ request: Request, _ context: HubRequestContext, enabled: Bool) async throws -> Response {
        let storeID = try await scope(request, context)
        let integration = try await find(storeID: storeID, context)
        let id = integration["id"]?.stringValue ?? ""
        var changed: [JSONValue] = []
        var kept: [JSONValue] = []
        for compiled in hub.catalog.mappings(storeID: storeID) where compiled.mapping.integration == id {
            var mapping = compiled.mapping
            if !enabled, mapping.required {
                kept.append(.string(mapping.name))
                continue
            }
            guard mapping.enabled != enabled else { continue }
            mapping.enabled = enabled
            try await hub.database.saveMapping(storeID: storeID, mapping, at: hub.clock.now())
            hub.catalog.put(storeID: storeID, mapping)
            changed.append(.string(mapping.name))
        }
        return .json(["integration": .string(id), enabled ? "enabled" : "disabled": .array(changed), "required_kept_enabled": .array(kept)])
    }

    private func fetchManifest(base: String) async throws -> JSONValue {
        let url = (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/endpoint.json"
        do {
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "Accept", value: "application/json")
            // The target policy is checked on the addresses the name resolves to, before any
            // connection: a refused one says nothing about whether something listens there.
            let deadline = NIODeadline.now() + .seconds(15)
            let chosen: HTTPClient
            do { chosen = try await hub.targets.client(for: url, standard: client, deadline: deadline) } catch let refused as TargetRefused {
                throw APIError.invalid("the integration is not valid", path: "url", problem: refused.description)
            }
            let response = try await chosen.execute(request, deadline: deadline)
            var buffer = try await response.body.collect(upTo: 4 << 20)
            let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            guard response.status == .ok else {
                throw APIError.invalid("the manifest could not be fetched", path: "url", problem: "\(url) answered \(response.status.code)")
            }
            do { return try JSONValue.parse(bytes) } catch {
                throw APIError.invalid("the manifest is not valid", path: "manifest", problem: "\(url) did not answer JSON: \(error)")
            }
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.invalid("the manifest could not be fetched", path: "url", problem: "\(url) could not be reached: \(error)")
        }
    }

    private func find(storeID: String, _ context: HubRequestContext) async throws -> JSONValue {
        let id = try Authenticator.pathParameter(context, "id")
        guard let integration = try await hub.database.integrations(storeID: storeID).first(where: { $0["id"]?.stringValue == id }) else {
            throw APIError.notFound("store '\(storeID)' has no integration '\(id)'")
        }
        return integration
    }

    private func with(mappings record: JSONValue, storeID: String) -> JSONValue {
        guard case .object(var fields) = record else { return record }
        let id = fields["id"]?.stringValue
        fields["mappings"] = .array(hub.catalog.mappings(storeID: storeID).filter { $0.mapping.integration == id }.map(\.mapping.json))
        return .object(fields)
    }

    private func scope(_ request: Request, _ context: HubRequestContext) async throws -> String {
        try await auth.scope(request, context)
    }
}
