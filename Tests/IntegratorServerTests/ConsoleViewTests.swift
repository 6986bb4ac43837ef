import HTTPTypes
import IntegratorModel
import Mustache
import Testing

@testable import IntegratorServer

/// The console's typed view layer without a server: how an API document reads in a template,
/// how refusals are listed, and what the frame around a page adds.
@Suite struct ConsoleViewTests {
    @Test(arguments: [
        (JSONValue.null, "nil"),
        (.string(""), "nil"),
        (.string("x"), "x"),
        (.bool(false), "false"),
        (.int(7), "7"),
        (.double(2), "2"),
        (.double(2.5), "2.5"),
        (.array([.null, .string(""), .int(1)]), "[1]"),
    ])
    func anAPIValueReadsAsTheTemplateExpects(value: JSONValue, shown: String) {
        let read = ConsoleJSON.readable(value)
        let text = read.map { ($0 as? [Any]).map { "[" + $0.map { "\($0)" }.joined(separator: ",") + "]" } ?? "\($0)" } ?? "nil"
        #expect(text == shown)
    }

    @Test func aDocumentsFieldsAndAddedFieldsAreFoundByName() {
        let row = ConsoleJSON(["mapping": "erp", "paused": false, "inner": ["a": 1]]).adding(["escaped": "e%20rp", "mapping": "erp2"])
        #expect(row.child(named: "mapping") as? String == "erp2")
        #expect(row.child(named: "escaped") as? String == "e%20rp")
        #expect(row.child(named: "paused") as? Bool == false)
        #expect((row.child(named: "inner") as? ConsoleJSON)?.child(named: "a") as? Int64 == 1)
        #expect(row.child(named: "missing") == nil)
    }

    @Test func aRefusalListsEachProblemAndLeavesOutAnEmptyPath() throws {
        let problems = FormProblems(
            APIError(
                .unprocessableContent,
                "the mapping is not valid",
                problems: [Problem(path: "", problem: "whole"), Problem(path: "url", problem: "bad")]
            )
        )
        let renderer = try ConsoleRenderer()
        let html = renderer.library.render(["problems": problems], withTemplate: "problems") ?? ""
        #expect(html.contains("<strong>the mapping is not valid</strong>"))
        #expect(html.contains("<li>whole</li>"))
        #expect(html.contains("<li><code>url</code>: bad</li>"))
        #expect(renderer.library.render([String: Any](), withTemplate: "problems") == "")
    }

    @Test func aPageIsDrawnWithTheFormTokenTheStoreAndItsNavigation() throws {
        let renderer = try ConsoleRenderer()
        let page = ParametersPage(parameters: [.init(name: "a b", escapedName: "a%20b", valueJSON: "1")])
        let chrome = ConsoleChrome(title: "Parameters", store: "acme", nav: .parameters, notice: "")
        let html = renderer.html(page, chrome, formToken: "tok")
        #expect(html.contains(#"action="/console/stores/acme/parameters/a%20b/delete""#))
        #expect(html.contains(#"name="csrf" value="tok""#))
        #expect(html.contains(#"href="/console/stores/acme/parameters" class="here""#))
        #expect(!html.contains(#"id="notice""#), "an empty notice is not drawn")
        let signedOut = renderer.html(SignInPage(next: "/console"), ConsoleChrome(title: "Sign in"), formToken: nil)
        #expect(!signedOut.contains("Sign out") && !signedOut.contains("csrf"))
    }
}
