import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// The link of the store's navigation that a page lights up.
enum ConsoleNav: String, Sendable {
    case dashboard, messages, notifications, mappings, schedulers, parameters, test
}

/// What the layout around a page shows besides the page itself.
struct ConsoleChrome: Sendable {
    var title: String
    /// The store whose navigation the header shows.
    var store: String? = nil
    var nav: ConsoleNav? = nil
    /// A one-line notice above the page (what the last action did).
    var notice: String? = nil
}

/// Draws a page's typed data with its template inside the layout.
struct ConsoleRenderer: Sendable {
    /// What a page template reads beside its page (from inside `{{#page}}`).
    private struct Frame<Page> {
        let csrf: String?
        /// The store's id as it is (page templates put it in links; ids are URL-safe).
        let store: String?
        let page: Page
    }

    /// What the layout reads.
    private struct Layout {
        let title: String
        let body: String
        let signedIn: Bool
        let csrf: String?
        /// The store's id as a path segment.
        let store: String?
        let nav: [String: Bool]?
        let notice: String?
    }

    let library: MustacheLibrary

    init() throws {
        library = try ConsoleTemplates.library()
    }

    /// `page` inside the layout. Signed in means the request carries a session's form token,
    /// which every form of the page gets.
    func render<Page: ConsolePage>(
        _ page: Page,
        _ chrome: ConsoleChrome,
        context: HubRequestContext,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html(page, chrome, formToken: context.consoleFormToken)))
        )
    }

    /// The page's HTML; `formToken` is the session's (nil when signed out).
    func html<Page: ConsolePage>(_ page: Page, _ chrome: ConsoleChrome, formToken csrf: String?) -> String {
        let body = library.render(Frame(csrf: csrf, store: chrome.store, page: page), withTemplate: Page.template) ?? ""
        let layout = Layout(
            title: chrome.title,
            body: body,
            signedIn: csrf != nil,
            csrf: csrf,
            store: chrome.store.map(ConsoleView.segment),
            nav: chrome.nav.map { [$0.rawValue: true] },
            notice: chrome.notice.flatMap { $0.isEmpty ? nil : $0 }
        )
        return library.render(layout, withTemplate: "layout") ?? body
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
}
