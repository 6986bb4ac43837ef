import Testing

@testable import IntegratorServer

/// Every console address is built in one place, with its segments and query values encoded.
@Suite struct ConsoleURLTests {
    @Test(arguments: [
        (ConsoleURL.store("acme"), "/console/stores/acme"),
        (ConsoleURL.store("acme", "messages", query: [("state", "parked"), ("mapping", nil)]), "/console/stores/acme/messages?state=parked"),
        (
            ConsoleURL.store("a b", "parameters", query: [("notice", "parameter 'x' saved")]),
            "/console/stores/a%20b/parameters?notice=parameter%20%27x%27%20saved"
        ),
        (ConsoleURL.item("acme", "messages", "m/1?x"), "/console/stores/acme/messages/m%2F1%3Fx"),
        (ConsoleURL.item("acme", "mappings", "erp", action: "delete"), "/console/stores/acme/mappings/erp/delete"),
        (
            ConsoleURL.page("acme", "notifications", filters: [("level", "error"), ("reference", "")], page: 3),
            "/console/stores/acme/notifications?level=error&page=3"
        ),
        (ConsoleURL.signIn(), "/console/sign-in"),
        (ConsoleURL.signIn(next: "/console/stores/acme"), "/console/sign-in?next=%2Fconsole%2Fstores%2Facme"),
        (ConsoleURL.home, "/console"),
    ])
    func anAddressIsBuiltAndEncodedInOnePlace(built: String, expected: String) {
        #expect(built == expected)
    }
}
