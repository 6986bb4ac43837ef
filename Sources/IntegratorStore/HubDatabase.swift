import Foundation
import IntegratorModel

/// Why a store operation failed, in words an operator can act on.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound(String)
    case conflict(String)
    case invalid(String)
    case unavailable(String)

    public var description: String {
        switch self {
        case .notFound(let what), .conflict(let what), .invalid(let what), .unavailable(let what): return what
        }
    }
}

/// Something another process changed, announced so this one can act at once.
public enum StoreChange: Sendable, Equatable {
    /// New deliveries are due: wake the workers.
    case work
    /// Mappings changed: reload the routing cache.
    case mappings
}

/// Everything the hub keeps, behind one protocol, so that routing and delivery do not care
/// whether it lives in SQLite (one process) or PostgreSQL (several).
///
/// Writes that acknowledge a client (`push`) and writes that finish an attempt (`record`) are
/// durable when they return: committed and fsync'd.
public protocol HubDatabase: Sendable {
    // MARK: Settings
    func setting(_ key: String) async throws -> String?
    func setSetting(_ key: String, value: String) async throws
    /// Removes settings under `prefix` whose value, a time in seconds, is before `before`.
    func deleteExpiredSettings(prefix: String, before: Date) async throws

    // MARK: Stores
    /// Creates a store, or fails with `conflict` when the id is taken.
    func createStore(id: String, name: String, tokenHash: String, at: Date) async throws
    /// Creates or updates a store; a nil token hash keeps the current token.
    func upsertStore(id: String, name: String, tokenHash: String?, at: Date) async throws -> Bool
    func stores() async throws -> [StoreInfo]
    func store(id: String) async throws -> StoreInfo?
    /// Sets a store's own retention (nil follows the hub's). False when there is no such store.
    func setRetention(storeID: String, _ retention: RetentionPeriod?) async throws -> Bool
    /// The id of the store whose token hashes to `tokenHash`.
    func storeID(tokenHash: String) async throws -> String?
    func tokenHash(storeID: String) async throws -> String?

    // MARK: Parameters
    func parameters(storeID: String) async throws -> [Parameter]
    func setParameter(storeID: String, _ parameter: Parameter, at: Date) async throws
    func deleteParameter(storeID: String, name: String) async throws -> Bool

    /// Re-seals every stored secret (mapping definitions and secret parameters): each is opened
    /// with `from` and sealed with `to`, all in one transaction with the key's check value (`SecretBox.checkSetting`), so a
    /// crash leaves the old key or the new one in force, never a mix. Returns how many were written.
    func resealSecrets(from: SecretBox, to: SecretBox) async throws -> Int

    // MARK: Mappings
    /// Every mapping of every store, to fill the routing cache.
    func allMappings() async throws -> [(storeID: String, mapping: Mapping)]
    func saveMapping(storeID: String, _ mapping: Mapping, at: Date) async throws
    func deleteMapping(storeID: String, name: String) async throws -> Bool

    // MARK: Integrations
    /// Creates or replaces an integration record (the manifest and what was made from it).
    func saveIntegration(storeID: String, id: String, record: JSONValue, at: Date) async throws
    /// A store's integrations, by id.
    func integrations(storeID: String) async throws -> [JSONValue]

    // MARK: Schedulers
    func schedulers(storeID: String) async throws -> [Scheduler]
    /// Creates or updates a scheduler; an unchanged interval keeps its next run.
    func saveScheduler(storeID: String, _ scheduler: Scheduler, at: Date) async throws
    func deleteScheduler(storeID: String, id: String) async throws -> Bool
    /// Fires every scheduler that is due, once each, even if several processes ask at once:
    /// `plan` turns a scheduler into its routed message. Returns the messages made.
    func fireDueSchedulers(now: Date, plan: @escaping @Sendable (String, Scheduler) -> NewMessage) async throws -> [NewMessage]

    // MARK: Ingest
    /// Writes a push durably, or returns the reply of an earlier push with the same key.
    func push(_ record: PushRecord) async throws -> PushOutcome
    /// The stored reply of a push with this key since `since`, without writing anything.
    func idempotentReply(storeID: String, key: String, since: Date) async throws -> (status: Int, reply: JSONValue)?
    /// Forgets idempotency keys older than `before`.
    func pruneIdempotencyKeys(before: Date) async throws

    // MARK: Delivery
    /// Leases up to `limit` due deliveries to `owner`; `lease` gives each mapping's lease length.
    /// Mappings in `limits.full` are left out, and the rest are taken fairly (`FairClaim`),
    /// never more of one mapping than `limits.room` gives.
    func claim(owner: String, now: Date, limit: Int, limits: ClaimLimits, lease: @escaping LeaseLength) async throws -> [ClaimedDelivery]
    /// Writes one attempt and all it caused, in one transaction.
    func record(_ report: AttemptReport) async throws
    /// The earliest time a delivery becomes due, to know how long workers may sleep.
    func nextDueTime() async throws -> Date?

    // MARK: Operators
    func messages(_ query: MessageQuery) async throws -> Page<MessageRecord>
    /// A message by its id or by the id of one of its deliveries.
    func message(storeID: String, id: String) async throws -> MessageDetail?
    /// Makes the message's unfinished deliveries (or one delivery) due now. Returns how many.
    func attemptNow(storeID: String, id: String, now: Date) async throws -> Int
    /// Archives the message's unfinished deliveries (or one delivery). Returns how many.
    func archive(storeID: String, id: String, now: Date) async throws -> Int
    /// Archives the original's unfinished deliveries and writes its edited copy.
    func resend(storeID: String, originalID: String, copy: NewMessage, now: Date) async throws
    /// Makes every parked or failing delivery created since `since` due now. Returns how many.
    func recover(storeID: String, since: Date, now: Date) async throws -> Int
    /// Deliveries per state, plus `incoming` (all messages) and `skipped`.
    func queueCounts(storeID: String) async throws -> [String: Int]
    /// Messages received and attempts failed per time slot of `slot` seconds from `since`,
    /// for the console's last-hour chart.
    func activity(storeID: String, since: Date, slot: Double, slots: Int) async throws -> [ActivitySlot]
    func notifications(storeID: String, level: String?, reference: String?, page: Int, perPage: Int) async throws -> Page<NotificationRecord>

    /// How many group transactions have committed how many writes since the store opened.
    var groupCommitStatistics: (transactions: Int, writes: Int) { get }
    /// Where the store's group committer reports how long each stage of a write took.
    var commitObserver: CommitObserver { get }

    // MARK: Retention and health
    /// Removes up to `limit` of a store's finished messages created before `before` (skipped,
    /// or every delivery completed or archived, nothing open above them in a reply chain), with
    /// their deliveries, attempts, notifications and identifier rows. Returns how many went;
    /// fewer than `limit` means nothing more is due now (or another process is pruning).
    func pruneMessages(storeID: String, before: Date, limit: Int) async throws -> Int
    /// Gives space freed by pruning back to the file system where the engine needs telling.
    func reclaimSpace() async throws
    /// Each mapping's breaker that has ever counted an attempt, with its failed attempts since
    /// `since` (not counted when nil).
    func mappingHealth(storeID: String, failuresSince since: Date?) async throws -> [MappingHealth]

    // MARK: Processes
    /// Calls `handler` for each change another process announces, until cancelled. A store
    /// used by one process only has nothing to announce and just waits.
    func listen(_ handler: @escaping @Sendable (StoreChange) -> Void) async throws
    /// Returns every lease that belongs to no running process, at start. Only a store that
    /// knows it has one process (SQLite) can do this; others let leases expire.
    func releaseOrphanedLeases(now: Date) async throws -> Int
}

extension HubDatabase {
    public func listen(_ handler: @escaping @Sendable (StoreChange) -> Void) async throws {
        while true { try await Task.sleep(for: .seconds(3600)) }
    }

    public func releaseOrphanedLeases(now: Date) async throws -> Int { 0 }

    public func reclaimSpace() async throws {}
}

/// How long a claimed delivery's lease lasts, in seconds, by store and mapping: the mapping's
/// timeout and a margin.
public typealias LeaseLength = @Sendable (_ storeID: String, _ mapping: String) -> Double

/// How many more attempts each mapping may start in this claim (`options.max_in_flight`
/// minus what the process already has under way).
public struct ClaimLimits: Sendable {
    /// Mappings with no room left: left out of the query, so they cannot crowd out others.
    public var full: [MappingKey]
    /// The room of any other mapping.
    public var room: @Sendable (MappingKey) -> Int

    public init(full: [MappingKey] = [], room: @escaping @Sendable (MappingKey) -> Int = { _ in Int.max }) {
        self.full = full
        self.room = room
    }

    /// No caps: every due delivery may be taken.
    public static let unlimited = ClaimLimits()

    /// How many candidates to read for a claim of `limit`: twice as many, so that round-robin
    /// can spread the slots over the stores and mappings due about as soon, bounded so a claim
    /// stays one small query. More bought little: candidates come oldest first, so a store's
    /// fresh delivery behind another's backlog is past any small multiple anyway, and what keeps
    /// one mapping's backlog from taking every slot is its `max_in_flight` (a full mapping is
    /// left out of the query). Each candidate costs the claim a row read, its message's and its
    /// breaker's lookups: reading four times the limit was 4.3 % of the drain's CPU (perf).
    public static func candidates(for limit: Int) -> Int { min(max(limit, 1) * 2, 1024) }

    /// The SQL condition leaving out `full` mappings, and its arguments (store, mapping, …).
    public var exclusionSQL: (sql: String, arguments: [String]) {
        guard !full.isEmpty else { return ("", []) }
        let pairs = Array(repeating: "(?, ?)", count: full.count).joined(separator: ", ")
        return (" AND (d.store_id, d.mapping) NOT IN (VALUES \(pairs))", full.flatMap { [$0.storeID, $0.mapping] })
    }
}

extension HubDatabase {
    /// A claim with no caps, as the conformance tests make it.
    public func claim(owner: String, now: Date, limit: Int, lease: @escaping LeaseLength) async throws -> [ClaimedDelivery] {
        try await claim(owner: owner, now: now, limit: limit, limits: .unlimited, lease: lease)
    }
}
