import IntegratorModel
import IntegratorStore

/// The typed data of each console page. A template reads a page's fields by name (through
/// Mirror), inside a frame that adds the session's form token (`csrf`) and the store's id
/// (`store`); rows that are admin API documents are `ConsoleJSON`, so the console shows what
/// the API shows.
protocol ConsolePage: Sendable {
    /// The template in `ConsoleTemplates` that draws this page.
    static var template: String { get }
}

/// What the `problems` partial shows: why a form was refused, and each problem by path.
struct FormProblems: Sendable {
    struct Line: Sendable {
        /// Absent for a problem with the whole document.
        let path: String?
        let problem: String
    }

    let error: String?
    let errors: [Line]
    let hasErrors: Bool

    init(_ error: APIError) {
        let lines = error.problems.map { Line(path: $0.path.isEmpty ? nil : $0.path, problem: String($0.problem.prefix(1000))) }
        self.error = error.message.isEmpty ? nil : error.message
        self.errors = lines
        self.hasErrors = !lines.isEmpty
    }
}

/// One option of a select: a state, a level or a sample.
struct Choice: Sendable {
    let value: String
    let label: String
    let selected: Bool

    /// `values` as options, the empty one labelled "any", `chosen` selected.
    static func options(_ values: [String], chosen: String) -> [Choice] {
        values.map { Choice(value: $0, label: $0.isEmpty ? "any" : $0, selected: $0 == chosen) }
    }
}

/// A paged list's place and its links to the pages either side.
struct Pager: Sendable {
    let currentPage: Int
    let pages: Int
    let count: Int
    let previous: String?
    let next: String?

    init<Item>(_ page: Page<Item>, link: (Int) -> String) {
        currentPage = page.page
        pages = page.pages
        count = page.count
        previous = page.page > 1 ? link(page.page - 1) : nil
        next = page.page < page.pages ? link(page.page + 1) : nil
    }
}

struct SignInPage: ConsolePage {
    static let template = "sign-in"
    /// Where to go once signed in.
    var next: String
    var problems: FormProblems?
}

struct ErrorPage: ConsolePage {
    static let template = "error"
    var heading: String
    var error: String
}

struct StoresPage: ConsolePage {
    struct Created: Sendable {
        let id: String
        /// Shown only this once.
        let token: String
    }

    static let template = "stores"
    var stores: [ConsoleJSON]
    var created: Created?
    var problems: FormProblems?
}

struct DashboardPage: ConsolePage {
    struct Queue: Sendable {
        let state: String
        let count: Int
        let link: String
    }

    static let template = "dashboard"
    var name: String
    var queues: [Queue]
    /// The last hour's SVG chart, built from numbers only (inserted unescaped).
    var chart: String
    var receivedTotal: Int
    var failedTotal: Int
    var notice: String?
    /// Each mapping's health as `GET /api/stores/{id}/health` shows it, with `escaped`, its
    /// name as a path segment.
    var health: [ConsoleJSON]
    var retention: String
    var retentionSource: String
    /// Failing and parked messages, each with the last error of its deliveries.
    var attention: [ConsoleJSON]
}

struct MessagesPage: ConsolePage {
    /// The filters as typed, put back into the form.
    struct Filters: Sendable {
        var message = "", state = "", mapping = "", identifier = "", since = "", until = ""
    }

    static let template = "messages"
    var query: Filters
    var states: [Choice]
    var messages: [ConsoleJSON] = []
    var pager: Pager?
    var problems: FormProblems?
}

struct MessagePage: ConsolePage {
    struct Identifier: Sendable {
        let name: String
        let value: String
    }

    /// For a skipped message: would each mapping of the store take it, and why.
    struct Routing: Sendable {
        let mapping: String
        let matches: Bool
        let why: String
    }

    static let template = "message"
    /// The message as `GET /api/stores/{id}/messages/{message_id}` shows it; each delivery has
    /// `hasAttempts` and, under a transform, `transformedJSON`.
    var detail: ConsoleJSON
    var identifierList: [Identifier]
    var routing: [Routing]
    var payloadJSON: String
    var resultJSON: String
    /// The payload in the resend form: the message's own, or what was typed when refused.
    var editJSON: String
    var problems: FormProblems?
}

struct NotificationsPage: ConsolePage {
    struct Filters: Sendable {
        var level = "", reference = ""
    }

    static let template = "notifications"
    var query: Filters
    var levels: [Choice]
    var notifications: [ConsoleJSON] = []
    var pager: Pager?
    var problems: FormProblems?
}

struct MappingsPage: ConsolePage {
    struct Row: Sendable {
        let name: String
        let escapedName: String
        let messageList: String
        let url: String
        let filterCount: Int
        let identifierList: String
        let enabled: String
    }

    static let template = "mappings"
    var mappings: [Row]
}

struct SchedulersPage: ConsolePage {
    static let template = "schedulers"
    /// Each scheduler as the API shows it, with `escapedID` and `enabled` as yes or no.
    var schedulers: [ConsoleJSON]
}

/// The JSON editor of a mapping or a scheduler, and for a saved mapping its Try it panel.
struct EditorPage: ConsolePage {
    struct TryResult: Sendable {
        let matches: Bool
        let verdict: String
        let why: String
        let filtersJSON: String
    }

    static let template = "editor"
    var heading: String
    var document: String
    var help: String
    var action: String
    var deleteAction: String?
    var tryAction: String?
    var tryMessage: String?
    var tryPayload: String?
    var tryResult: TryResult?
    var problems: FormProblems?
}

struct ParametersPage: ConsolePage {
    struct Row: Sendable {
        let name: String
        let escapedName: String
        let valueJSON: String
    }

    static let template = "parameters"
    var parameters: [Row]
    var problems: FormProblems?
}

struct TestToolPage: ConsolePage {
    static let template = "test"
    var kinds: [Choice]
    var document: String
    var problems: FormProblems?
}
