import Hummingbird

/// The admin console: server-rendered pages over the same operations as the admin API, one
/// controller per page group. The assets and sign-in are open; every other page is in a route
/// group behind `ConsoleSignInMiddleware`. Every form posts back and redirects (or shows the
/// form again with each problem named).
struct ConsoleController: Sendable {
    let console: Console

    init(hub: Hub) throws {
        console = Console(hub: hub, renderer: try ConsoleRenderer())
    }

    func addRoutes(to router: MethodRouter) {
        router.get("/console/assets/console.css") { _, _ in ConsoleRenderer.asset(ConsoleTemplates.stylesheet, type: "text/css; charset=utf-8") }
        router.get("/console/assets/console.js") { _, _ in ConsoleRenderer.asset(ConsoleTemplates.script, type: "text/javascript; charset=utf-8") }
        let signIn = ConsoleSignIn(console: console)
        signIn.addRoutes(to: router)

        // A group adds its routes through `router`, so every path still answers 405 for a
        // method it does not take.
        let signedIn = router.group().add(middleware: ConsoleSignInMiddleware(console: console))
        signIn.addSignedInRoutes(to: signedIn)
        StoresController(console: console).addRoutes(to: signedIn)
        DashboardController(console: console).addRoutes(to: signedIn)
        MessagesController(console: console).addRoutes(to: signedIn)
        NotificationsController(console: console).addRoutes(to: signedIn)
        MappingsController(console: console).addRoutes(to: signedIn)
        SchedulersController(console: console).addRoutes(to: signedIn)
        ParametersController(console: console).addRoutes(to: signedIn)
        TestToolController(console: console).addRoutes(to: signedIn)
    }
}
