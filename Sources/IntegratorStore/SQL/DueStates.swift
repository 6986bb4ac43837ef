/// The states in which a delivery may come due, as the one SQL condition the due index
/// (`deliveries_due`) is built on and every query that wants that index names.
///
/// Written as ORs, not `IN (…)`: SQLite evaluates a partial index's condition on every write
/// of a row, and an IN list there builds a temporary b-tree each time (SQLite schema v3 says
/// what that cost). SQLite uses a partial index only for a query whose condition matches the
/// index's term for term, so the queries spell it exactly so; PostgreSQL proves either form.
public enum DueStates {
    /// The condition on `table`'s (an alias, or nil for the bare column) state.
    public static func condition(on table: String? = nil) -> String {
        let column = table.map { "\($0).state" } ?? "state"
        return "(" + ["pending", "failing", "scheduled", "running"].map { "\(column) = '\($0)'" }.joined(separator: " OR ") + ")"
    }
}
