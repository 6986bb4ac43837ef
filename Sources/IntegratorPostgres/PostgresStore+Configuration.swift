import Foundation
import IntegratorModel
import IntegratorStore
import Logging
import PostgresNIO

/// What an operator configures, on PostgreSQL: settings, stores, parameters, mappings,
/// integrations and schedulers.
extension PostgresStore {
    // MARK: Settings

    public func setting(_ key: String) async throws -> String? {
        try await client.rows("SELECT value FROM settings WHERE key = ?", [.text(key)]).first?.text("value")
    }

    public func setSetting(_ key: String, value: String) async throws {
        try await client.run(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [.text(key), .text(value)]
        )
    }

    public func deleteExpiredSettings(prefix: String, before: Date) async throws {
        try await client.run(
            "DELETE FROM settings WHERE starts_with(key, ?) AND value ~ '^[0-9.]+$' AND CAST(value AS DOUBLE PRECISION) < ?",
            [.text(prefix), .time(before)]
        )
    }

    // MARK: Stores

    public func createStore(id: String, name: String, tokenHash: String, at: Date) async throws {
        let inserted = try await client.run(
            "INSERT INTO stores (id, name, token_hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
            [.text(id), .text(name), .text(tokenHash), .time(at)]
        )
        if inserted == 0 { throw StoreError.conflict("a store with id '\(id)' already exists") }
    }

    public func upsertStore(id: String, name: String, tokenHash: String?, at: Date) async throws -> Bool {
        try await transaction { db in
            guard let existing = try await db.rows("SELECT name, token_hash FROM stores WHERE id = ? FOR UPDATE", [.text(id)]).first else {
                guard let tokenHash else { throw StoreError.invalid("store '\(id)' needs a token") }
                try await db.run(
                    "INSERT INTO stores (id, name, token_hash, created_at) VALUES (?, ?, ?, ?)",
                    [.text(id), .text(name), .text(tokenHash), .time(at)]
                )
                return true
            }
            let oldName = try existing.text("name")
            let oldHash = try existing.text("token_hash")
            let newHash = tokenHash ?? oldHash
            if oldName == name, oldHash == newHash { return false }
            try await db.run("UPDATE stores SET name = ?, token_hash = ? WHERE id = ?", [.text(name), .text(newHash), .text(id)])
            return true
        }
    }

    public func stores() async throws -> [StoreInfo] {
        try await client.rows("SELECT id, name, created_at, retention FROM stores ORDER BY id", []).map(Self.storeInfo)
    }

    public func store(id: String) async throws -> StoreInfo? {
        try await client.rows("SELECT id, name, created_at, retention FROM stores WHERE id = ?", [.text(id)]).first.map(Self.storeInfo)
    }

    static func storeInfo(_ row: PostgresRandomAccessRow) throws -> StoreInfo {
        StoreInfo(
            id: try row.text("id"),
            name: try row.text("name"),
            createdAt: try row.time("created_at"),
            retention: try row.optionalReal("retention").flatMap(RetentionPeriod.init(seconds:))
        )
    }

    public func setRetention(storeID: String, _ retention: RetentionPeriod?) async throws -> Bool {
        try await client.run("UPDATE stores SET retention = ? WHERE id = ?", [.real(retention?.seconds), .text(storeID)]) > 0
    }

    public func storeID(tokenHash: String) async throws -> String? {
        try await client.rows("SELECT id FROM stores WHERE token_hash = ?", [.text(tokenHash)]).first?.text("id")
    }

    public func tokenHash(storeID: String) async throws -> String? {
        try await client.rows("SELECT token_hash FROM stores WHERE id = ?", [.text(storeID)]).first?.text("token_hash")
    }

    // MARK: Parameters

    public func parameters(storeID: String) async throws -> [Parameter] {
        try await client.rows("SELECT name, value FROM parameters WHERE store_id = ? ORDER BY name", [.text(storeID)]).map {
            let value = try secrets.open(try $0.text("value"))
            return Parameter(name: try $0.text("name"), value: (try? JSONValue.parse(value, depthLimit: 512)) ?? .null)
        }
    }

    public func setParameter(storeID: String, _ parameter: Parameter, at: Date) async throws {
        try await Self.upsertParameter(client, storeID: storeID, parameter, at: at, secrets: secrets)
    }

    static func upsertParameter(_ db: some SQLRunner, storeID: String, _ parameter: Parameter, at: Date, secrets: SecretBox) async throws {
        try await db.run(
            """
            INSERT INTO parameters (store_id, name, value, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (store_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
            """,
            [.text(storeID), .text(parameter.name), .text(secrets.sealParameter(name: parameter.name, json: parameter.value.jsonString)), .time(at)]
        )
    }

    public func resealSecrets(from: SecretBox, to: SecretBox) async throws -> Int {
        try await transaction { db in
            var written = 0
            for row in try await db.rows("SELECT store_id, name, definition FROM mappings FOR UPDATE", []) {
                let sealed = to.seal(try from.open(try row.text("definition")))
                try await db.run(
                    "UPDATE mappings SET definition = ? WHERE store_id = ? AND name = ?",
                    [.text(sealed), .text(try row.text("store_id")), .text(try row.text("name"))]
                )
                written += 1
            }
            for row in try await db.rows("SELECT store_id, name, value FROM parameters FOR UPDATE", []) {
                let name = try row.text("name")
                let value = try row.text("value")
                guard SecretNames.isSecret(name) || SecretBox.isSealed(value) else { continue }
                try await db.run(
                    "UPDATE parameters SET value = ? WHERE store_id = ? AND name = ?",
                    [.text(to.sealParameter(name: name, json: try from.open(value))), .text(try row.text("store_id")), .text(name)]
                )
                written += 1
            }
            if to.isEncrypting {
                try await db.run(
                    "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    [.text(SecretBox.checkSetting), .text(to.check())]
                )
            } else {
                try await db.run("DELETE FROM settings WHERE key = ?", [.text(SecretBox.checkSetting)])
            }
            return written
        }
    }

    public func deleteParameter(storeID: String, name: String) async throws -> Bool {
        try await client.run("DELETE FROM parameters WHERE store_id = ? AND name = ?", [.text(storeID), .text(name)]) > 0
    }

    // MARK: Mappings

    public func allMappings() async throws -> [(storeID: String, mapping: Mapping)] {
        let rows = try await client.rows("SELECT store_id, definition FROM mappings ORDER BY store_id, name", []).map {
            (try $0.text("store_id"), try $0.text("definition"))
        }
        return try Self.decodeMappings(rows.map { ($0.0, try secrets.open($0.1)) })
    }

    static func decodeMappings(_ rows: [(String, String)]) throws -> [(storeID: String, mapping: Mapping)] {
        // As on SQLite: a definition stored under older rules is left out of routing rather
        // than stopping the hub from starting.
        rows.compactMap { storeID, definition in
            guard let json = try? JSONValue.parse(definition, depthLimit: 512), let mapping = try? Mapping.decode(json) else { return nil }
            return (storeID, mapping)
        }
    }

    public func saveMapping(storeID: String, _ mapping: Mapping, at: Date) async throws {
        let definition = secrets.seal(mapping.json.jsonString)
        try await transaction { db in
            try await db.run(
                """
                INSERT INTO mappings (store_id, name, definition, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (store_id, name) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at
                """,
                [.text(storeID), .text(mapping.name), .text(definition), .time(at), .time(at)]
            )
            // Pausing holds what waits; resuming lets it go, in the order received.
            if mapping.paused {
                try await db.run(HealthSQL.pause, [.text(storeID), .text(mapping.name)])
            } else {
                try await db.run(HealthSQL.resume, [.time(at), .time(at), .text(storeID), .text(mapping.name)])
                try await db.run("SELECT pg_notify(?, 'work')", [.text(Self.channel)])
            }
            try await db.run("SELECT pg_notify(?, 'mappings')", [.text(Self.channel)])
        }
    }

    public func deleteMapping(storeID: String, name: String) async throws -> Bool {
        try await transaction { db in
            let deleted = try await db.run("DELETE FROM mappings WHERE store_id = ? AND name = ?", [.text(storeID), .text(name)])
            // Held deliveries of a mapping that is gone go to the workers, which park them saying so.
            try await db.run(HealthSQL.resume, [.real(0), .real(0), .text(storeID), .text(name)])
            try await db.run("DELETE FROM mapping_health WHERE store_id = ? AND mapping = ?", [.text(storeID), .text(name)])
            try await db.run("SELECT pg_notify(?, 'mappings')", [.text(Self.channel)])
            return deleted > 0
        }
    }

    // MARK: Integrations

    public func saveIntegration(storeID: String, id: String, record: JSONValue, at: Date) async throws {
        try await client.run(
            "INSERT INTO integrations (store_id, id, body, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (store_id, id) DO UPDATE SET body = "
                + "excluded.body",
            [.text(storeID), .text(id), .text(record.jsonString), .time(at)]
        )
    }

    public func integrations(storeID: String) async throws -> [JSONValue] {
        try await client.rows("SELECT body FROM integrations WHERE store_id = ? ORDER BY id", [.text(storeID)]).compactMap { try $0.json("body") }
    }

    // MARK: Schedulers

    public func schedulers(storeID: String) async throws -> [Scheduler] {
        try await client.rows("SELECT * FROM schedulers WHERE store_id = ? ORDER BY id", [.text(storeID)]).map(Self.scheduler)
    }

    static func scheduler(_ row: PostgresRandomAccessRow) throws -> Scheduler {
        Scheduler(
            id: try row.text("id"),
            message: try row.text("message"),
            payload: try row.json("payload") ?? .object([:]),
            interval: try row.real("interval"),
            enabled: try row.bool("enabled"),
            nextRunAt: try row.optionalTime("next_run_at"),
            lastRunAt: try row.optionalTime("last_run_at")
        )
    }

    public func saveScheduler(storeID: String, _ scheduler: Scheduler, at: Date) async throws {
        try await transaction { db in
            let existing = try await db.rows(
                "SELECT interval, next_run_at FROM schedulers WHERE store_id = ? AND id = ? FOR UPDATE",
                [.text(storeID), .text(scheduler.id)]
            ).first
            var nextRun = scheduler.nextRunAt ?? at
            if let existing, try existing.real("interval") == scheduler.interval, scheduler.nextRunAt == nil {
                nextRun = try existing.time("next_run_at")
            }
            try await db.run(
                """
                INSERT INTO schedulers (store_id, id, message, payload, interval, enabled, next_run_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (store_id, id) DO UPDATE SET message = excluded.message, payload = excluded.payload,
                    interval = excluded.interval, enabled = excluded.enabled, next_run_at = excluded.next_run_at
                """,
                [
                    .text(storeID), .text(scheduler.id), .text(scheduler.message), .text(scheduler.payload.jsonString), .real(scheduler.interval),
                    .bool(scheduler.enabled), .time(nextRun), .time(at),
                ]
            )
        }
    }

    public func deleteScheduler(storeID: String, id: String) async throws -> Bool {
        try await client.run("DELETE FROM schedulers WHERE store_id = ? AND id = ?", [.text(storeID), .text(id)]) > 0
    }

    public func fireDueSchedulers(now: Date, plan: @escaping @Sendable (String, Scheduler) -> NewMessage) async throws -> [NewMessage] {
        try await perform { db in
            // SKIP LOCKED: a scheduler another process is firing right now is that process's tick.
            let due = try await db.rows(
                "SELECT * FROM schedulers WHERE enabled AND next_run_at <= ? ORDER BY next_run_at FOR UPDATE SKIP LOCKED",
                [.time(now)]
            )
            var made: [NewMessage] = []
            for row in due {
                let storeID = try row.text("store_id")
                let scheduler = try Self.scheduler(row)
                let previous = try row.real("next_run_at")
                let changed = try await db.run(
                    "UPDATE schedulers SET next_run_at = ?, last_run_at = ? WHERE store_id = ? AND id = ? AND next_run_at = ?",
                    [.real(now.timeIntervalSince1970 + scheduler.interval), .time(now), .text(storeID), .text(scheduler.id), .real(previous)]
                )
                guard changed == 1 else { continue }
                let message = plan(storeID, scheduler)
                try await Self.insert(db, message)
                made.append(message)
            }
            return made
        }
    }
}
