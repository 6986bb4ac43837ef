import Foundation
import HTTPTypes
import Hummingbird
import IntegratorStore

/// Who is calling: the operator with the admin token, or one store with its own token.
enum Principal: Sendable, Equatable {
    case admin
    case store(String)
}

/// Checks credentials. Unknown stores and wrong tokens get the same 401, so a caller cannot
/// learn which store ids exist.
struct Authenticator: Sendable {
    let hub: Hub

    static let hubStore = HTTPField.Name("X-Hub-Store")!
    static let hubAccessToken = HTTPField.Name("X-Hub-Access-Token")!
    static let auguryToken = HTTPField.Name("X-Augury-Token")!
    /// Compared against when the store is unknown, so that costs what a wrong token costs.
    static let standIn = String(repeating: "0", count: 64)

    /// The store of a `POST /events`: `X-Hub-Store` and `X-Hub-Access-Token` must match.
    func pushingStore(_ request: Request) async throws -> String {
        guard let storeID = request.headers.value(Self.hubStore), let token = request.headers.value(Self.hubAccessToken),
            !storeID.isEmpty, !token.isEmpty
        else {
            throw APIError.unauthorized("unknown credentials: send X-Hub-Store and X-Hub-Access-Token")
        }
        guard storeID.utf8.count <= 256, token.utf8.count <= 1024 else { throw APIError.unauthorized() }
        // The same work whether the store exists or not: hash, then compare with its hash or a
        // stand-in of the same length.
        let stored = try await hub.tokenHash(storeID: storeID)
        let matches = Tokens.equal(stored ?? Self.standIn, Tokens.hash(token))
        guard let stored, matches, !stored.isEmpty else { throw APIError.unauthorized() }
        return storeID
    }

    /// The caller of the admin API: `Authorization: Bearer <admin token>`, or a store's token
    /// as `X-Augury-Token` (or as the bearer).
    func principal(_ request: Request) async throws -> Principal {
        var token = request.headers.value(Self.auguryToken)
        if let authorization = request.headers.value(.authorization) {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { token = String(parts[1]).trimmingCharacters(in: .whitespaces) }
        }
        guard let token, !token.isEmpty else {
            throw APIError.unauthorized("credentials are required: send Authorization: Bearer <admin token>, or X-Augury-Token: <store token>")
        }
        let hash = Tokens.hash(token)
        if Tokens.equal(hash, hub.adminTokenHash) { return .admin }
        if let storeID = try await hub.database.storeID(tokenHash: hash) { return .store(storeID) }
        throw APIError.unauthorized()
    }

    /// Admin only.
    func requireAdmin(_ request: Request) async throws {
        guard try await principal(request) == .admin else {
            throw APIError(.forbidden, "only the admin token may do this")
        }
    }

    /// The store a `/api/stores/{store_id}/…` route names, once the caller may use it.
    func scope(_ request: Request, _ context: HubRequestContext) async throws -> String {
        let storeID = try Self.pathParameter(context, "store_id")
        try await requireStore(request, storeID)
        return storeID
    }

    /// A path parameter, percent-decoded (`spree.api_url`, a mapping name with spaces).
    static func pathParameter(_ context: HubRequestContext, _ name: String) throws -> String {
        guard let raw = context.parameters.get(name) else { throw APIError.notFound("missing \(name) in the path") }
        return raw.removingPercentEncoding ?? raw
    }

    /// The admin, or the store itself; the store must exist.
    func requireStore(_ request: Request, _ storeID: String) async throws {
        switch try await principal(request) {
        case .admin:
            guard try await hub.database.store(id: storeID) != nil else { throw APIError.notFound("no store with id '\(storeID)'") }
        case .store(let own):
            guard own == storeID else {
                throw APIError(.forbidden, "this token belongs to another store; it may not read or change store '\(storeID)'")
            }
        }
    }
}
