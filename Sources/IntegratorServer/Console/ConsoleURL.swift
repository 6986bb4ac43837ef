/// Every console address a controller builds, in one place: a store's pages, one item of a
/// collection (a message, a mapping, a scheduler), each with an optional query (a notice, a
/// filter, a page). Path segments and query values are percent-encoded here and nowhere else.
enum ConsoleURL {
    /// The console's front page: the stores.
    static let home = "/console"

    /// The sign-in page, coming back to `next` afterwards.
    static func signIn(next: String? = nil) -> String { "/console/sign-in" + ConsoleView.query([("next", next)]) }

    /// `/console/stores/{store}` or `/console/stores/{store}/{page}`, with `query`.
    static func store(_ storeID: String, _ page: String? = nil, query: [(String, String?)] = []) -> String {
        var path = "/console/stores/\(ConsoleView.segment(storeID))"
        if let page { path += "/" + page }
        return path + ConsoleView.query(query)
    }

    /// `/console/stores/{store}/{collection}/{id}` and an optional action after it (`delete`).
    static func item(_ storeID: String, _ collection: String, _ id: String, action: String? = nil, query: [(String, String?)] = []) -> String {
        store(storeID, "\(collection)/\(ConsoleView.segment(id))" + (action.map { "/" + $0 } ?? ""), query: query)
    }

    /// A paged list's link to `page`, keeping its filters.
    static func page(_ storeID: String, _ list: String, filters: [(String, String?)], page: Int) -> String {
        store(storeID, list, query: filters + [("page", String(page))])
    }
}
