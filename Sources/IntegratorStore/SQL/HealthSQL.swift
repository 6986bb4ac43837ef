import Foundation
import IntegratorModel

/// The statements of retention, the circuit breaker and pausing, written once for both stores:
/// both take `?` placeholders and the SQL both engines share.
public enum HealthSQL {
    // MARK: Circuit breaker

    /// A mapping's breaker row.
    public static let breakerRow = """
        SELECT state, consecutive_failures, probe_at, last_success_at FROM mapping_health WHERE store_id = ? AND mapping = ?
        """

    /// Writes a breaker after an attempt: store, mapping, state, failures, probe time, and the
    /// attempt's time as a success or a failure (the other nil, so the earlier one stays).
    public static let saveBreaker = """
        INSERT INTO mapping_health (store_id, mapping, state, consecutive_failures, probe_at, last_success_at, last_failure_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (store_id, mapping) DO UPDATE SET state = excluded.state, consecutive_failures = excluded.consecutive_failures,
            probe_at = excluded.probe_at, last_success_at = COALESCE(excluded.last_success_at, mapping_health.last_success_at),
            last_failure_at = COALESCE(excluded.last_failure_at, mapping_health.last_failure_at)
        """

    /// Takes the probe of an open breaker whose cool-down is over: probe time (now plus the
    /// lease), store, mapping, now. Changes one row for exactly one claimer, even across processes.
    public static let takeProbe = """
        UPDATE mapping_health SET state = 'half_open', probe_at = ?
        WHERE store_id = ? AND mapping = ? AND state <> 'closed' AND probe_at <= ?
        """

    /// The due deliveries a claim may take, oldest due first: not held back by an earlier
    /// delivery with the same identifier values, nor by an open breaker still cooling down.
    /// Arguments: now, now, the exclusion's, the candidate count. `breaker` is the mapping's
    /// breaker state (NULL when it never failed).
    ///
    /// A claim reads several candidates for each delivery it takes (for `FairClaim`), so the
    /// messages' payloads are read only for those taken (`claimedMessage`): joined here, each
    /// claim of the drain copied about 90 payloads to keep 22 (8 % of its CPU went to claims).
    public static func claimCandidates(exclusion: String, suffix: String = "") -> String {
        """
        SELECT d.id, d.message_id, d.store_id, d.mapping, d.attempts, d.url, d.state, h.state AS breaker
        FROM deliveries d LEFT JOIN mapping_health h ON h.store_id = d.store_id AND h.mapping = d.mapping
        WHERE \(DueStates.condition(on: "d")) AND d.next_attempt_at <= ?
            AND EXISTS (SELECT 1 FROM messages m WHERE m.id = d.message_id)
            AND (h.state IS NULL OR h.state = 'closed' OR h.probe_at <= ?)
            AND \(notBlocked)\(exclusion)
        ORDER BY d.next_attempt_at, d.seq LIMIT ?\(suffix)
        """
    }

    /// What a claimed delivery is made from, its message's: the message id.
    public static let claimedMessage = "SELECT id, name, payload, depth, origin FROM messages WHERE id = ?"

    /// A claimed delivery from its `claimCandidates` row and its `claimedMessage` row. The
    /// payload stays text: a plain delivery is made from the stored bytes.
    public static func claimed(_ candidate: some StoreRow, message: some StoreRow, attempts: Int) throws -> ClaimedDelivery {
        ClaimedDelivery(
            id: try candidate.text("id"),
            messageID: try candidate.text("message_id"),
            storeID: try candidate.text("store_id"),
            mapping: try candidate.text("mapping"),
            attempts: attempts,
            url: try candidate.optionalText("url"),
            messageName: try message.text("name"),
            payload: .null,
            storedPayload: try message.text("payload"),
            depth: try message.int("depth"),
            origin: MessageOrigin(rawValue: try message.text("origin"))
        )
    }

    /// The SQL condition that holds a delivery back while an earlier one with the same
    /// identifier values, to the same mapping, is unfinished (parked and paused count: they
    /// block only their own identifier values).
    public static let notBlocked = """
        (d.ordering_key IS NULL OR NOT EXISTS (
            SELECT 1 FROM deliveries e WHERE e.store_id = d.store_id AND e.mapping = d.mapping AND e.ordering_key = d.ordering_key
            AND e.seq < d.seq AND e.state IN ('pending', 'running', 'failing', 'scheduled', 'parked', 'paused')))
        """

    /// Every breaker row of a store.
    public static let breakers = """
        SELECT mapping, state, consecutive_failures, probe_at, last_success_at, last_failure_at FROM mapping_health WHERE store_id = ?
        """

    /// Failed attempts per mapping of a store since a time: store, since.
    public static let recentFailures = """
        SELECT d.mapping AS mapping, COUNT(*) AS n FROM attempts a JOIN deliveries d ON d.id = a.delivery_id
        WHERE d.store_id = ? AND a.started_at >= ? AND a.error IS NOT NULL GROUP BY d.mapping
        """

    // MARK: Pause

    /// Holds a paused mapping's waiting deliveries: store, mapping.
    public static let pause = """
        UPDATE deliveries SET state = 'paused', lease_owner = NULL
        WHERE store_id = ? AND mapping = ? AND state IN ('pending', 'failing', 'scheduled')
        """

    /// Releases a resumed mapping's deliveries, all due now so they go in the order received:
    /// now, now, store, mapping.
    public static let resume = """
        UPDATE deliveries SET state = 'pending', next_attempt_at = ?, updated_at = ? WHERE store_id = ? AND mapping = ? AND state = 'paused'
        """

    // MARK: Retention

    /// The oldest finished messages of a store created before a time: neither theirs nor any
    /// delivery of theirs still open, no child message left (children go first), and no open
    /// delivery on their parent. Arguments: store, before, limit. Ancestors further up are
    /// checked by `RetentionWalk`.
    public static let pruneCandidates = """
        SELECT m.id, m.parent_message_id FROM messages m
        WHERE m.store_id = ? AND m.created_at < ?
            AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = m.id AND d.state NOT IN ('completed', 'archived'))
            AND NOT EXISTS (SELECT 1 FROM messages c WHERE c.parent_message_id = m.id)
        ORDER BY m.created_at LIMIT ?
        """

    /// Each of some messages (`?` list) with its parent and whether it has an open delivery.
    public static func ancestors(count: Int) -> String {
        """
        SELECT m.id, m.parent_message_id,
            EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = m.id AND d.state NOT IN ('completed', 'archived')) AS is_open
        FROM messages m WHERE m.id IN (\(placeholders(count)))
        """
    }

    /// Removes some messages (`?` list, given to each statement) with their deliveries,
    /// attempts, notifications and identifier rows.
    public static func prune(count: Int) -> [String] {
        let list = placeholders(count)
        return [
            "DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE message_id IN (\(list)))",
            "DELETE FROM deliveries WHERE message_id IN (\(list))",
            "DELETE FROM notifications WHERE message_id IN (\(list))",
            "DELETE FROM message_identifiers WHERE message_id IN (\(list))",
            "DELETE FROM messages WHERE id IN (\(list))",
        ]
    }

    /// The tables whose rows retention bounds, and those it keeps, for `rowCounts`.
    public static let countedTables = [
        "messages", "deliveries", "attempts", "notifications", "message_identifiers", "idempotency_keys", "object_copies", "mapping_health",
    ]

    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: max(count, 1)).joined(separator: ", ")
    }

    /// A mapping's health as the dashboard shows it, from a `breakers` row and the failures
    /// counted per mapping.
    public static func mappingHealth(_ row: some StoreRow, failures: [String: Int]) throws -> MappingHealth {
        let mapping = try row.text("mapping")
        return MappingHealth(
            mapping: mapping,
            breaker: try AttemptSQL.breaker(row),
            lastSuccessAt: try row.optionalTime("last_success_at"),
            lastFailureAt: try row.optionalTime("last_failure_at"),
            recentFailures: failures[mapping] ?? 0
        )
    }
}

/// Which retention candidates may go: walks each candidate's ancestors up the reply chain, level
/// by level, and keeps back every candidate under a message whose work is still open. Finished
/// is final (nothing reopens a completed or archived delivery), so what this reads stays true
/// until the candidates are removed.
public enum RetentionWalk {
    /// A message as the walk reads it.
    public struct Link: Sendable {
        public var id: String
        public var parent: String?
        public var open: Bool

        public init(id: String, parent: String?, open: Bool) {
            self.id = id
            self.parent = parent
            self.open = open
        }
    }

    /// The candidates (`id`, `parent`) whose chain above holds no open work. `read` returns the
    /// links of some message ids; a chain is at most `maxDepth` long, so the walk ends.
    public static func removable(
        _ candidates: [(id: String, parent: String?)],
        maxDepth: Int = 64,
        read: ([String]) async throws -> [Link]
    ) async throws -> [String] {
        // Each candidate's current ancestor, until it reaches a root or open work.
        var frontier: [String: String] = [:]
        var kept: [String] = []
        for candidate in candidates {
            if let parent = candidate.parent { frontier[candidate.id] = parent } else { kept.append(candidate.id) }
        }
        var level = 0
        while !frontier.isEmpty, level < maxDepth {
            level += 1
            let links = try await read(Array(Set(frontier.values)).sorted())
            let byID = Dictionary(links.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            var next: [String: String] = [:]
            for (candidate, ancestor) in frontier {
                guard let link = byID[ancestor] else {
                    kept.append(candidate)  // the ancestor is gone: nothing above is open
                    continue
                }
                if link.open { continue }
                if let parent = link.parent { next[candidate] = parent } else { kept.append(candidate) }
            }
            frontier = next
        }
        let order = Dictionary(candidates.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { first, _ in first })
        return kept.sorted { order[$0, default: 0] < order[$1, default: 0] }
    }

}
