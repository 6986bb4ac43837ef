import Foundation
import IntegratorModel
import IntegratorStore
import Logging
import PostgresNIO

/// What an operator configures, on PostgreSQL: settings, stores, parameters, mappings,
/// integrations and schedulers.
extension PostgresDatabase {
    // MARK: Settings

    public func setting(_ key: String) async throws -> String? {
        try await client.rows(ConfigurationSQL.setting, [.text(key)]).first?.text("value")
    }

    public func setSetting(_ key: String, value: String) async throws {
        try await client.run(ConfigurationSQL.putSetting, [.text(key), .text(value)])
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
            ConfigurationSQL.insertStore + " ON CONFLICT (id) DO NOTHING",
            [.text(id), .text(name), .text(tokenHash), .time(at)]
        )
        if inserted == 0 { throw StoreError.conflict("a store with id '\(id)' already exists") }
    }

    public func upsertStore(id: String, name: String, tokenHash: String?, at: Date) async throws -> Bool {
        try await transaction { db in
            guard let existing = try await db.rows(ConfigurationSQL.storeIdentity + " FOR UPDATE", [.text(id)]).first else {
                guard let tokenHash else { throw StoreError.invalid("store '\(id)' needs a token") }
                try await db.run(ConfigurationSQL.insertStore, [.text(id), .text(name), .text(tokenHash), .time(at)])
                return true
            }
            let oldHash = try existing.text("token_hash")
            let newHash = tokenHash ?? oldHash
            if try existing.text("name") == name, oldHash == newHash { return false }
            try await db.run(ConfigurationSQL.updateStore, [.text(name), .text(newHash), .text(id)])
            return true
        }
    }

    public func stores() async throws -> [StoreInfo] {
        try await client.rows(ConfigurationSQL.stores, []).map(ConfigurationSQL.storeInfo)
    }

    public func store(id: String) async throws -> StoreInfo? {
        try await client.rows(ConfigurationSQL.store, [.text(id)]).first.map(ConfigurationSQL.storeInfo)
    }

    public func setRetention(storeID: String, _ retention: RetentionPeriod?) async throws -> Bool {
        try await client.run(ConfigurationSQL.setRetention, [.real(retention?.seconds), .text(storeID)]) > 0
    }

    public func storeID(tokenHash: String) async throws -> String? {
        try await client.rows(ConfigurationSQL.storeByToken, [.text(tokenHash)]).first?.text("id")
    }

    public func tokenHash(storeID: String) async throws -> String? {
        try await client.rows(ConfigurationSQL.tokenHash, [.text(storeID)]).first?.text("token_hash")
    }

    // MARK: Parameters

    public func parameters(storeID: String) async throws -> [Parameter] {
        try await client.rows(ConfigurationSQL.parameters, [.text(storeID)]).map { try ConfigurationSQL.parameter($0, secrets: secrets) }
    }

    public func setParameter(storeID: String, _ parameter: Parameter, at: Date) async throws {
        try await Self.upsertParameter(client, storeID: storeID, parameter, at: at, secrets: secrets)
    }

    static func upsertParameter(_ db: some SQLRunner, storeID: String, _ parameter: Parameter, at: Date, secrets: SecretBox) async throws {
        try await db.run(
            ConfigurationSQL.putParameter,
            [.text(storeID), .text(parameter.name), .text(secrets.sealParameter(name: parameter.name, json: parameter.value.jsonString)), .time(at)]
        )
    }

    public func resealSecrets(from: SecretBox, to: SecretBox) async throws -> Int {
        try await transaction { db in
            var written = 0
            for row in try await db.rows(ConfigurationSQL.allDefinitions + " FOR UPDATE", []) {
                let sealed = to.seal(try from.open(try row.text("definition")))
                try await db.run(ConfigurationSQL.setDefinition, [.text(sealed), .text(try row.text("store_id")), .text(try row.text("name"))])
                written += 1
            }
            for row in try await db.rows(ConfigurationSQL.allParameterValues + " FOR UPDATE", []) {
                let name = try row.text("name")
                let value = try row.text("value")
                guard SecretNames.isSecret(name) || SecretBox.isSealed(value) else { continue }
                let sealed = to.sealParameter(name: name, json: try from.open(value))
                try await db.run(ConfigurationSQL.setParameterValue, [.text(sealed), .text(try row.text("store_id")), .text(name)])
                written += 1
            }
            if to.isEncrypting {
                try await db.run(ConfigurationSQL.putSetting, [.text(SecretBox.checkSetting), .text(to.check())])
            } else {
                try await db.run(ConfigurationSQL.deleteSetting, [.text(SecretBox.checkSetting)])
            }
            return written
        }
    }

    public func deleteParameter(storeID: String, name: String) async throws -> Bool {
        try await client.run(ConfigurationSQL.deleteParameter, [.text(storeID), .text(name)]) > 0
    }

    // MARK: Mappings

    public func allMappings() async throws -> [(storeID: String, mapping: Mapping)] {
        let rows = try await client.rows(ConfigurationSQL.mappings, []).map { row in (try row.text("store_id"), try row.text("definition")) }
        return ConfigurationSQL.mappings(try rows.map { (storeID: $0.0, definition: try secrets.open($0.1)) })
    }

    public func saveMapping(storeID: String, _ mapping: Mapping, at: Date) async throws {
        let definition = secrets.seal(mapping.json.jsonString)
        try await transaction { db in
            try await db.run(
                ConfigurationSQL.putMapping,
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
            let deleted = try await db.run(ConfigurationSQL.deleteMapping, [.text(storeID), .text(name)])
            // Held deliveries of a mapping that is gone go to the workers, which park them saying so.
            try await db.run(HealthSQL.resume, [.real(0), .real(0), .text(storeID), .text(name)])
            try await db.run(ConfigurationSQL.deleteMappingHealth, [.text(storeID), .text(name)])
            try await db.run("SELECT pg_notify(?, 'mappings')", [.text(Self.channel)])
            return deleted > 0
        }
    }

    // MARK: Integrations

    public func saveIntegration(storeID: String, id: String, record: JSONValue, at: Date) async throws {
        try await client.run(
            ConfigurationSQL.putIntegration,
            [.text(storeID), .text(id), .text(record.jsonString), .time(at)]
        )
    }

    public func integrations(storeID: String) async throws -> [JSONValue] {
        try await client.rows(ConfigurationSQL.integrations, [.text(storeID)]).compactMap { try $0.json("body") }
    }

    // MARK: Schedulers

    public func schedulers(storeID: String) async throws -> [Scheduler] {
        try await client.rows(ConfigurationSQL.schedulers, [.text(storeID)]).map(ConfigurationSQL.scheduler)
    }

    public func saveScheduler(storeID: String, _ scheduler: Scheduler, at: Date) async throws {
        try await transaction { db in
            let existing = try await db.rows(ConfigurationSQL.schedulerTiming + " FOR UPDATE", [.text(storeID), .text(scheduler.id)]).first.map {
                (interval: try $0.real("interval"), nextRunAt: try $0.time("next_run_at"))
            }
            let nextRun = ConfigurationSQL.nextRun(of: scheduler, existing: existing, now: at)
            try await db.run(
                ConfigurationSQL.putScheduler,
                [
                    .text(storeID), .text(scheduler.id), .text(scheduler.message), .text(scheduler.payload.jsonString), .real(scheduler.interval),
                    .bool(scheduler.enabled), .time(nextRun), .time(at),
                ]
            )
        }
    }

    public func deleteScheduler(storeID: String, id: String) async throws -> Bool {
        try await client.run(ConfigurationSQL.deleteScheduler, [.text(storeID), .text(id)]) > 0
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
                let scheduler = try ConfigurationSQL.scheduler(row)
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
