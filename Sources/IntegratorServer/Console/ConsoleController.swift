import Foundation
import HTTPTypes
import Hummingbird
import IntegratorModel
import IntegratorStore
import Logging
import Mustache
import NIOCore

/// The admin console: server-rendered pages over the same operations as the admin API.
/// Sign-in takes the admin token and sets a signed cookie; every form posts back and
/// redirects (or shows the form again with each problem named).
struct ConsoleController: Sendable {
    typealias Handler = @Sendable (Request, HubRequestContext) async throws -> Response

    let hub: Hub
    let library: MustacheLibrary
    var operations: AdminOperations { AdminOperations(hub: hub) }

    /// The form token of the session a guarded handler runs for, put into every page's forms.
    @TaskLocal static var formToken: String?

    init(hub: Hub) throws {
        self.hub = hub
        self.library = try ConsoleTemplates.library()
    }

    func addRoutes(to router: MethodRouter) {
        router.get("/console/sign-in", use: signInPage)
        router.post("/console/sign-in", use: signIn)
        router.post("/console/sign-out", use: guarded(signOut))
        router.get("/console/assets/console.css") { _, _ in Self.asset(ConsoleTemplates.stylesheet, type: "text/css; charset=utf-8") }
        router.get("/console/assets/console.js") { _, _ in Self.asset(ConsoleTemplates.script, type: "text/javascript; charset=utf-8") }
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
        router.post("/console/stores/:store_id/mappings/:name/try", use: guarded(tryMapping))
        router.post("/console/stores/:store_id/mappings/:name/pause", use: guarded(pauseMapping))
        router.post("/console/stores/:store_id/mappings/:name/resume", use: guarded(resumeMapping))
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

    @Sendable func signInPage(_ request: Request, context: HubRequestContext) async throws -> Response {
        page("sign-in", title: "Sign in", signedIn: false, ["next": request.uri.queryParameters.get("next") ?? "/console"])
    }

    @Sendable func signIn(_ request: Request, context: HubRequestContext) async throws -> Response {
        let trusted = hub.configuration.trustedProxies
        let client = ConsoleDefences.client(request, context: context, trusted: trusted)
        if let why = ConsoleDefences.crossSite(
            origin: request.headers[.origin],
            fetchSite: request.headers[ConsoleDefences.secFetchSite],
            host: ConsoleDefences.host(request, context: context, trusted: trusted)
        ) {
            throw APIError(.forbidden, why)
        }
        let now = hub.clock.now().timeIntervalSince1970
        if let wait = hub.signIns.retryAfter(client.address, now: now) {
            var values = ConsoleView.problems(APIError(.tooManyRequests, "too many failed sign-ins; try again in \(wait) s"))
            values["next"] = "/console"
            var response = page("sign-in", title: "Sign in", signedIn: false, values, status: .tooManyRequests)
            response.headers[.retryAfter] = String(wait)
            return response
        }
        let form = try await self.form(request)
        let next = form["next"].flatMap { $0.hasPrefix("/console") && !$0.hasPrefix("/console/sign") ? $0 : nil } ?? "/console"
        guard let token = form["token"], !token.isEmpty, token.utf8.count <= 256, Tokens.equal(Tokens.hash(token), hub.adminTokenHash) else {
            hub.signIns.failed(client.address, now: now)
            hub.logger.notice("console sign-in refused", metadata: ["client": .string(client.address)])
            var values = ConsoleView.problems(APIError(.unauthorized, "that is not the admin token"))
            values["next"] = next
            return page("sign-in", title: "Sign in", signedIn: false, values, status: .unauthorized)
        }
        let key = hub.consoleKey.learn(adminToken: token)
        let issued = ConsoleSession(key: key, adminTokenHash: hub.adminTokenHash).issue(now: hub.clock.now())
        var response = redirect(next)
        response.setCookie(
            Cookie(
                name: ConsoleSession.cookieName,
                value: issued.value,
                maxAge: Int(ConsoleSession.lifetime),
                path: "/console",
                secure: client.secure,
                httpOnly: true,
                sameSite: .strict
            )
        )
        return response
    }

    /// Ends the session on every process: the sign-out is written down until the cookie would
    /// have expired, and every process reads it before accepting the cookie.
    @Sendable func signOut(_ request: Request, context: HubRequestContext) async throws -> Response {
        if let claims = currentSession(request) {
            try await hub.database.deleteExpiredSettings(prefix: ConsoleSession.signedOutPrefix, before: hub.clock.now())
            try await hub.database.setSetting(ConsoleSession.signedOutPrefix + claims.id, value: String(claims.expiry))
        }
        var response = redirect(ConsoleURL.signIn())
        response.setCookie(Cookie(name: ConsoleSession.cookieName, value: "", maxAge: 0, path: "/console", httpOnly: true, sameSite: .strict))
        return response
    }

    /// The session a request's cookie names, when its signature and expiry hold (not yet
    /// checked against sign-outs).
    func currentSession(_ request: Request) -> ConsoleSession.Claims? {
        guard let key = hub.consoleKey.current else { return nil }
        return ConsoleSession(key: key, adminTokenHash: hub.adminTokenHash).claims(
            request.cookies[ConsoleSession.cookieName]?.value,
            now: hub.clock.now()
        )
    }

    /// Signed-in pages only; a form post must come from this site and carry the session's form
    /// token (403 otherwise, nothing changed); an error becomes a page that says what went wrong.
    func guarded(_ handler: @escaping Handler) -> Handler {
        { [hub] request, context in
            guard let key = hub.consoleKey.current, let claims = currentSession(request),
                try await hub.database.setting(ConsoleSession.signedOutPrefix + claims.id) == nil
            else {
                let next = request.method == .get ? request.uri.description : "/console"
                return redirect(ConsoleURL.signIn(next: next))
            }
            let formToken = ConsoleSession(key: key, adminTokenHash: hub.adminTokenHash).formToken(for: claims)
            // Error pages carry the token too: their sign-out form must work.
            return try await Self.$formToken.withValue(formToken) {
                var request = request
                do {
                    if request.method == .post {
                        try await checkForm(&request, context: context, formToken: formToken)
                    }
                    return try await handler(request, context)
                } catch let error as APIError {
                    let heading = error.status == .notFound ? "Not found" : "That did not work"
                    return page("error", title: heading, ["heading": heading, "error": error.message], status: error.status)
                }
            }
        }
    }

    /// A form post must come from this site and carry the session's form token; its body is
    /// read here and handed on.
    private func checkForm(_ request: inout Request, context: HubRequestContext, formToken: String) async throws {
        let trusted = hub.configuration.trustedProxies
        if let why = ConsoleDefences.crossSite(
            origin: request.headers[.origin],
            fetchSite: request.headers[ConsoleDefences.secFetchSite],
            host: ConsoleDefences.host(request, context: context, trusted: trusted)
        ) {
            throw APIError(.forbidden, why)
        }
        let body = try await Ingest(hub: hub).readBody(request)
        guard let given = ConsoleView.form(String(buffer: body))["csrf"], Tokens.equal(given, formToken) else {
            throw APIError(.forbidden, "the form's token is missing or out of date; open the page again and resubmit")
        }
        request.body = RequestBody(buffer: body)
    }

    /// A stylesheet or script of the console, served from the binary (the content security
    /// policy allows no inline style or script).
    static func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: type, .cacheControl: "public, max-age=3600"],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }

    // MARK: Helpers

    func storeInfo(_ context: HubRequestContext) async throws -> StoreInfo {
        let id = try Authenticator.pathParameter(context, "store_id")
        guard let store = try await hub.database.store(id: id) else { throw APIError.notFound("no store with id '\(id)'") }
        return store
    }

    func messagePath(_ context: HubRequestContext) throws -> (String, String) {
        (try Authenticator.pathParameter(context, "store_id"), try Authenticator.pathParameter(context, "message_id"))
    }

    func messageLink(_ storeID: String, _ id: String) -> String {
        ConsoleURL.item(storeID, "messages", id)
    }

    func form(_ request: Request) async throws -> [String: String] {
        ConsoleView.form(String(buffer: try await Ingest(hub: hub).readBody(request)))
    }

    /// A JSON text from an editor, or a 400 naming the field and what is wrong with it.
    func parseDocument(_ text: String, field: String) throws -> JSONValue {
        do {
            return try JSONValue.parse(text, depthLimit: hub.configuration.maxJSONDepth)
        } catch {
            let why = (error as? JSONReadError)?.description ?? "not valid JSON"
            throw APIError(.badRequest, "the \(field) is not valid JSON", problems: [Problem(path: field, problem: why)])
        }
    }

    func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    /// Renders `template` inside the layout.
    func page(
        _ template: String,
        title: String,
        signedIn: Bool = true,
        store: String? = nil,
        nav: String? = nil,
        _ values: [String: Any],
        notice: String? = nil,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        var values = values
        if let store { values["store"] = store }
        if let token = Self.formToken { values["csrf"] = token }
        let body = library.render(values, withTemplate: template) ?? ""
        var frame: [String: Any] = ["title": title, "body": body, "signedIn": signedIn]
        if let token = Self.formToken { frame["csrf"] = token }
        if let store { frame["store"] = ConsoleView.segment(store) }
        if let nav { frame["nav"] = [nav: true] }
        if let notice, !notice.isEmpty { frame["notice"] = notice }
        let html = library.render(frame, withTemplate: "layout") ?? body
        return Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html))
        )
    }
}
