import HTTPTypes
import Hummingbird

/// The router the controllers add their routes to: it passes each route to Hummingbird's
/// router and remembers which methods each path takes, so that `answerOtherMethods` can make
/// every other method on a known path a 405 with an `Allow` header (RFC 9110 §15.5.6), where
/// Hummingbird alone would answer 404 as for a path that does not exist.
final class MethodRouter: RouterMethods {
    typealias Context = HubRequestContext
    let router: Router<HubRequestContext>
    /// Used only while the application is built, on one task.
    private var methods: [(path: String, methods: [HTTPRequest.Method])] = []

    init(_ router: Router<HubRequestContext>) {
        self.router = router
    }

    @discardableResult
    func on<Responder: HTTPResponder>(_ path: RouterPath, method: HTTPRequest.Method, responder: Responder) -> Self
    where Responder.Context == HubRequestContext {
        router.on(path, method: method, responder: responder)
        let key = path.description
        if let index = methods.firstIndex(where: { $0.path == key }) {
            methods[index].methods.append(method)
        } else {
            methods.append((key, [method]))
        }
        return self
    }

    @discardableResult
    func add(middleware: any MiddlewareProtocol<Request, Response, HubRequestContext>) -> Self {
        router.add(middleware: middleware)
        return self
    }

    /// Methods a client may send that a path does not take get 405, naming those it does.
    func answerOtherMethods() {
        // With QUERY, the safe method with a body (draft-ietf-httpbis-safe-method-w-body).
        let all: [HTTPRequest.Method] =
            [.get, .head, .post, .put, .delete, .patch, .options, .trace, .connect] + [HTTPRequest.Method("QUERY")].compactMap { $0 }
        for (path, taken) in methods {
            let allow = (taken.contains(.get) ? taken + [.head] : taken).map(\.rawValue).joined(separator: ", ")
            // HEAD on a GET route is Hummingbird's (`.autoGenerateHeadEndpoints`).
            for method in all where !taken.contains(method) && !(method == .head && taken.contains(.get)) {
                router.on(RouterPath(path), method: method) { _, _ -> Response in
                    throw APIError(
                        .methodNotAllowed,
                        "\(path) does not take \(method.rawValue); it takes \(allow)",
                        headers: [.allow: allow]
                    )
                }
            }
        }
    }
}
