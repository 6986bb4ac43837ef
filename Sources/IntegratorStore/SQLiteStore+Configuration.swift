import Foundation
import GRDB
import IntegratorModel

/// What an operator configures, on SQLite: settings, stores, parameters, mappings, integrations
/// and schedulers.
extension SQLiteStore {
    // MARK: Settings

    public func setting(_ key: String) async throws -> String? {
        try await pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM settings WHERE key = ?", arguments: [key]) }
    }

    public func setSetting(_ key: String, value: String) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                arguments: [key, value]
            )
        }
    }

    public func deleteExpiredSettings(prefix: String, before: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "DELETE FROM settings WHERE substr(key, 1, ?) = ? AND CAST(value AS REAL) < ?",
                arguments: [prefix.count, prefix, before.timeIntervalSince1970]
            )
        }
    }

    // MARK: Stores

    public func createStore(id: String, name: String, tokenHash: String, at: Date) async throws {
        try await pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM stores WHERE id = ?", arguments: [id]) != nil {
                throw StoreError.conflict("a store with id '\(id)' already exists")
            }
            try db.execute(
                sql: "INSERT INTO stores (id, name, token_hash, created_at) VALUES (?, ?, ?, ?)",
                arguments: [id, name, tokenHash, at.timeIntervalSince1970]
            )
        }
    }

    public func upsertStore(id: String, name: String, tokenHash: String?, at: Date) async throws -> Bool {
        try await pool.write { db in
            let existing = try Row.fetchOne(db, sql: "SELECT name, token_hash FROM stores WHERE id = ?", arguments: [id])
            guard let existing else {
                guard let tokenHash else { throw StoreError.invalid("store '\(id)' needs a token") }
                try db.execute(
                    sql: "INSERT INTO stores (id, name, token_hash, created_at) VALUES (?, ?, ?, ?)",
                    arguments: [id, name, tokenHash, at.timeIntervalSince1970]
                )
                return true
            }
            let oldName: String = existing["name"]
            let oldHash: String = existing["token_hash"]
            let newHash = tokenHash ?? oldHash
            if oldName == name, oldHash == newHash { return false }
            try db.execute(sql: "UPDATE stores SET name = ?, token_hash = ? WHERE id = ?", arguments: [name, newHash, id])
            return true
        }
    }

    public func stores() async throws -> [StoreInfo] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, name, created_at, retention FROM stores ORDER BY id").map(Self.storeInfo)
        }
    }

    public func store(id: String) async throws -> StoreInfo? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT id, name, created_at, retention FROM stores WHERE id = ?", arguments: [id]).map(Self.storeInfo)
        }
    }

    static func storeInfo(_ row: Row) -> StoreInfo {
        StoreInfo(
            id: row["id"],
            name: row["name"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            retention: (row["retention"] as Double?).flatMap(RetentionPeriod.init(seconds:))
        )
    }

    public func setRetention(storeID: String, _ retention: RetentionPeriod?) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "UPDATE stores SET retention = ? WHERE id = ?", arguments: [retention?.seconds, storeID])
            return db.changesCount > 0
        }
    }

    public func storeID(tokenHash: String) async throws -> String? {
        try await pool.read { db in try String.fetchOne(db.cachedStatement(sql: "SELECT id FROM stores WHERE token_hash = ?"), arguments: [tokenHash])
        }
    }

    public func tokenHash(storeID: String) async throws -> String? {
        try await pool.read { db in try String.fetchOne(db.cachedStatement(sql: "SELECT token_hash FROM stores WHERE id = ?"), arguments: [storeID]) }
    }

    // MARK: Parameters

    public func parameters(storeID: String) async throws -> [Parameter] {
        let rows = try await pool.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT name, value FROM parameters WHERE store_id = ? ORDER BY name"), arguments: [storeID]).map
            { row -> (String, String) in (row["name"], row["value"]) }
        }
        return try rows.map { name, value in Parameter(name: name, value: Self.json(try secrets.open(value)) ?? .null) }
    }

    public func setParameter(storeID: String, _ parameter: Parameter, at: Date) async throws {
        try await pool.write { [secrets] db in try Self.upsertParameter(db, storeID: storeID, parameter, at: at, secrets: secrets) }
    }

    static func upsertParameter(_ db: Database, storeID: String, _ parameter: Parameter, at: Date, secrets: SecretBox) throws {
        try db.execute(
            sql: """
                INSERT INTO parameters (store_id, name, value, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT(store_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                """,
            arguments: [
                storeID, parameter.name, secrets.sealParameter(name: parameter.name, json: parameter.value.jsonString), at.timeIntervalSince1970,
            ]
        )
    }

    public func resealSecrets(from: SecretBox, to: SecretBox) async throws -> Int {
        try await pool.write { db in
            var written = 0
            for row in try Row.fetchAll(db, sql: "SELECT store_id, name, definition FROM mappings") {
                let definition: String = row["definition"]
                try db.execute(
                    sql: "UPDATE mappings SET definition = ? WHERE store_id = ? AND name = ?",
                    arguments: [to.seal(try from.open(definition)), row["store_id"] as String, row["name"] as String]
                )
                written += 1
            }
            for row in try Row.fetchAll(db, sql: "SELECT store_id, name, value FROM parameters") {
                let name: String = row["name"]
                let value: String = row["value"]
                guard SecretNames.isSecret(name) || SecretBox.isSealed(value) else { continue }
                try db.execute(
                    sql: "UPDATE parameters SET value = ? WHERE store_id = ? AND name = ?",
                    arguments: [to.sealParameter(name: name, json: try from.open(value)), row["store_id"] as String, name]
                )
                written += 1
            }
            if to.isEncrypting {
                try db.execute(
                    sql: "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    arguments: [SecretBox.checkSetting, to.check()]
                )
            } else {
                try db.execute(sql: "DELETE FROM settings WHERE key = ?", arguments: [SecretBox.checkSetting])
            }
            return written
        }
    }

    public func deleteParameter(storeID: String, name: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM parameters WHERE store_id = ? AND name = ?", arguments: [storeID, name])
            return db.changesCount > 0
        }
    }

    // MARK: Mappings

    public func allMappings() async throws -> [(storeID: String, mapping: Mapping)] {
        let rows = try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT store_id, definition FROM mappings ORDER BY store_id, name").map { row -> (String, String) in
                (row["store_id"], row["definition"])
            }
        }
        return try Self.decodeMappings(rows.map { ($0.0, try secrets.open($0.1)) })
    }

    /// Reads stored mapping definitions (kept apart from the async caller on purpose: simpler
    /// code for the optimiser).
    static func decodeMappings(_ rows: [(String, String)]) throws -> [(storeID: String, mapping: Mapping)] {
        var mappings: [(storeID: String, mapping: Mapping)] = []
        for (storeID, definition) in rows {
            // A definition stored under older, looser rules (a retry step of 1e300, say) is left
            // out of routing rather than stopping the hub from starting: its deliveries park
            // naming the missing mapping, and saving it again under today's rules brings it back.
            guard let json = json(definition), let mapping = try? Mapping.decode(json) else { continue }
            mappings.append((storeID, mapping))
        }
        return mappings
    }

    public func saveMapping(storeID: String, _ mapping: Mapping, at: Date) async throws {
        let definition = secrets.seal(mapping.json.jsonString)
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO mappings (store_id, name, definition, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(store_id, name) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at
                    """,
                arguments: [storeID, mapping.name, definition, at.timeIntervalSince1970, at.timeIntervalSince1970]
            )
            // Pausing holds what waits; resuming lets it go, in the order received.
            if mapping.paused {
                try db.execute(sql: HealthSQL.pause, arguments: [storeID, mapping.name])
            } else {
                try db.execute(sql: HealthSQL.resume, arguments: [at.timeIntervalSince1970, at.timeIntervalSince1970, storeID, mapping.name])
            }
        }
    }

    public func deleteMapping(storeID: String, name: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM mappings WHERE store_id = ? AND name = ?", arguments: [storeID, name])
            let deleted = db.changesCount > 0
            // Held deliveries of a mapping that is gone go to the workers, which park them saying so.
            try db.execute(sql: HealthSQL.resume, arguments: [0, 0, storeID, name])
            try db.execute(sql: "DELETE FROM mapping_health WHERE store_id = ? AND mapping = ?", arguments: [storeID, name])
            return deleted
        }
    }

    // MARK: Integrations

    public func saveIntegration(storeID: String, id: String, record: JSONValue, at: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql:
                    "INSERT INTO integrations (store_id, id, body, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(store_id, id) DO UPDATE SET "
                    + "body = excluded.body",
                arguments: [storeID, id, record.jsonString, at.timeIntervalSince1970]
            )
        }
    }

    public func integrations(storeID: String) async throws -> [JSONValue] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT body FROM integrations WHERE store_id = ? ORDER BY id", arguments: [storeID]).compactMap {
                Self.json($0)
            }
        }
    }

    // MARK: Schedulers

    public func schedulers(storeID: String) async throws -> [Scheduler] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM schedulers WHERE store_id = ? ORDER BY id", arguments: [storeID]).map(Self.scheduler)
        }
    }

    static func scheduler(_ row: Row) -> Scheduler {
        Scheduler(
            id: row["id"],
            message: row["message"],
            payload: json(row["payload"]) ?? .object([:]),
            interval: row["interval"],
            enabled: row["enabled"],
            nextRunAt: date(row["next_run_at"]),
            lastRunAt: date(row["last_run_at"])
        )
    }

    public func saveScheduler(storeID: String, _ scheduler: Scheduler, at: Date) async throws {
        try await pool.write { db in
            let existing = try Row.fetchOne(
                db,
                sql: "SELECT interval, next_run_at FROM schedulers WHERE store_id = ? AND id = ?",
                arguments: [storeID, scheduler.id]
            )
            var nextRun = scheduler.nextRunAt ?? at
            if let existing, (existing["interval"] as Double) == scheduler.interval, scheduler.nextRunAt == nil {
                nextRun = Date(timeIntervalSince1970: existing["next_run_at"])
            }
            try db.execute(
                sql: """
                    INSERT INTO schedulers (store_id, id, message, payload, interval, enabled, next_run_at, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(store_id, id) DO UPDATE SET message = excluded.message, payload = excluded.payload,
                        interval = excluded.interval, enabled = excluded.enabled, next_run_at = excluded.next_run_at
                    """,
                arguments: [
                    storeID, scheduler.id, scheduler.message, scheduler.payload.jsonString, scheduler.interval, scheduler.enabled,
                    nextRun.timeIntervalSince1970, at.timeIntervalSince1970,
                ]
            )
        }
    }

    public func deleteScheduler(storeID: String, id: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM schedulers WHERE store_id = ? AND id = ?", arguments: [storeID, id])
            return db.changesCount > 0
        }
    }

    public func fireDueSchedulers(now: Date, plan: @escaping @Sendable (String, Scheduler) -> NewMessage) async throws -> [NewMessage] {
        try await committer.perform { db in
            let due = try Row.fetchAll(
                db,
                sql: "SELECT * FROM schedulers WHERE enabled = 1 AND next_run_at <= ? ORDER BY next_run_at",
                arguments: [now.timeIntervalSince1970]
            )
            var made: [NewMessage] = []
            for row in due {
                let storeID: String = row["store_id"]
                let scheduler = Self.scheduler(row)
                let previous: Double = row["next_run_at"]
                // Compare-and-set on the tick: a second process that read the same row changes nothing.
                try db.execute(
                    sql: "UPDATE schedulers SET next_run_at = ?, last_run_at = ? WHERE store_id = ? AND id = ? AND next_run_at = ?",
                    arguments: [now.timeIntervalSince1970 + scheduler.interval, now.timeIntervalSince1970, storeID, scheduler.id, previous]
                )
                guard db.changesCount == 1 else { continue }
                let message = plan(storeID, scheduler)
                try Self.insert(db, message)
                made.append(message)
            }
            return made
        }
    }
}
