import HTTPTypes
import Hummingbird
import IntegratorStore

/// Guards the console's signed-in routes: without a live session a GET goes to the sign-in
/// page (and comes back afterwards), any other request to it with the front page as `next`.
/// A form post must come from this site and carry the session's form token (403 otherwise,
/// nothing changed). An `APIError` from a page becomes an error page that says what went wrong.
struct ConsoleSignInMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext
    let console: Console
    var hub: Hub { console.hub }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let key = hub.consoleKey.current, let claims = ConsoleSignIn.session(request, hub: hub),
            try await hub.database.setting(ConsoleSession.signedOutPrefix + claims.id) == nil
        else {
            let next = request.method == .get ? request.uri.description : ConsoleURL.home
            return console.redirect(ConsoleURL.signIn(next: next))
        }
        var context = context
        // Error pages carry the token too: their sign-out form must work.
        context.consoleFormToken = ConsoleSession(key: key, adminTokenHash: hub.adminTokenHash).formToken(for: claims)
        do {
            var request = request
            if request.method == .post {
                try await checkForm(&request, context: context)
            }
            return try await next(request, context)
        } catch let error as APIError {
            let heading = error.status == .notFound ? "Not found" : "That did not work"
            return console.renderer.render(
                ErrorPage(heading: heading, error: error.message),
                ConsoleChrome(title: heading),
                context: context,
                status: error.status
            )
        }
    }

    /// A form post must come from this site and carry the session's form token; its body is
    /// read here and handed on.
    private func checkForm(_ request: inout Request, context: Context) async throws {
        try ConsoleDefences.refuseCrossSite(request, context: context, trusted: hub.configuration.trustedProxies)
        let body = try await Ingest(hub: hub).readBody(request)
        guard let given = ConsoleView.form(String(buffer: body))["csrf"], let expected = context.consoleFormToken, Tokens.equal(given, expected)
        else {
            throw APIError(.forbidden, "the form's token is missing or out of date; open the page again and resubmit")
        }
        request.body = RequestBody(buffer: body)
    }
}
