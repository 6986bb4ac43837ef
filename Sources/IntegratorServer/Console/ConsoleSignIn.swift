import Foundation
import HTTPTypes
import Hummingbird
import IntegratorModel
import IntegratorStore
import Logging

/// Signing in and out of the console. Sign-in takes the admin token and sets a signed cookie
/// (refused for a while after too many failures from one client); sign-out is written down so
/// that every process refuses the cookie from then on.
struct ConsoleSignIn: Sendable {
    let console: Console
    var hub: Hub { console.hub }

    /// The open routes: the sign-in page and form.
    func addRoutes(to router: some RouterMethods<HubRequestContext>) {
        router.get("/console/sign-in", use: signInPage)
        router.post("/console/sign-in", use: signIn)
    }

    /// The signed-in route: sign-out.
    func addSignedInRoutes(to router: some RouterMethods<HubRequestContext>) {
        router.post("/console/sign-out", use: signOut)
    }

    @Sendable func signInPage(_ request: Request, context: HubRequestContext) async throws -> Response {
        signInForm(SignInPage(next: request.uri.queryParameters.get("next") ?? ConsoleURL.home), context: context)
    }

    @Sendable func signIn(_ request: Request, context: HubRequestContext) async throws -> Response {
        let trusted = hub.configuration.trustedProxies
        let client = ConsoleDefences.client(request, context: context, trusted: trusted)
        try ConsoleDefences.refuseCrossSite(request, context: context, trusted: trusted)
        let now = hub.clock.now().timeIntervalSince1970
        if let wait = hub.signIns.retryAfter(client.address, now: now) {
            let refusal = APIError(.tooManyRequests, "too many failed sign-ins; try again in \(wait) s")
            var response = signInForm(SignInPage(next: ConsoleURL.home, problems: FormProblems(refusal)), context: context, status: refusal.status)
            response.headers[.retryAfter] = String(wait)
            return response
        }
        let form = try await console.form(request)
        let next = form["next"].flatMap { $0.hasPrefix("/console") && !$0.hasPrefix("/console/sign") ? $0 : nil } ?? ConsoleURL.home
        guard let token = form["token"], !token.isEmpty, token.utf8.count <= 256, Tokens.equal(Tokens.hash(token), hub.adminTokenHash) else {
            hub.signIns.failed(client.address, now: now)
            hub.logger.notice("console sign-in refused", metadata: ["client": .string(client.address)])
            let refusal = APIError(.unauthorized, "that is not the admin token")
            return signInForm(SignInPage(next: next, problems: FormProblems(refusal)), context: context, status: refusal.status)
        }
        let key = hub.consoleKey.learn(adminToken: token)
        let issued = ConsoleSession(key: key, adminTokenHash: hub.adminTokenHash).issue(now: hub.clock.now())
        var response = console.redirect(next)
        response.setCookie(
            Cookie(
                name: ConsoleSession.cookieName,
                value: issued.value,
                maxAge: Int(ConsoleSession.lifetime),
                path: ConsoleURL.home,
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
        if let claims = Self.session(request, hub: hub) {
            try await hub.database.deleteExpiredSettings(prefix: ConsoleSession.signedOutPrefix, before: hub.clock.now())
            try await hub.database.setSetting(ConsoleSession.signedOutPrefix + claims.id, value: String(claims.expiry))
        }
        var response = console.redirect(ConsoleURL.signIn())
        response.setCookie(
            Cookie(name: ConsoleSession.cookieName, value: "", maxAge: 0, path: ConsoleURL.home, httpOnly: true, sameSite: .strict)
        )
        return response
    }

    /// The session a request's cookie names, when its signature and expiry hold (not yet
    /// checked against sign-outs).
    static func session(_ request: Request, hub: Hub) -> ConsoleSession.Claims? {
        guard let key = hub.consoleKey.current else { return nil }
        return ConsoleSession(key: key, adminTokenHash: hub.adminTokenHash).claims(
            request.cookies[ConsoleSession.cookieName]?.value,
            now: hub.clock.now()
        )
    }

    private func signInForm(_ page: SignInPage, context: HubRequestContext, status: HTTPResponse.Status = .ok) -> Response {
        console.renderer.render(page, ConsoleChrome(title: "Sign in"), context: context, status: status)
    }
}
