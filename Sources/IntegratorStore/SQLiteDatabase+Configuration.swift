import Foundation
import GRDB
import IntegratorModel

/// What an operator configures, on SQLite: settings, stores, parameters, mappings, integrations
/// and schedulers.
extension SQLiteDatabase {
    // MARK: Settings

    public func setting(_ key: String) async throws -> String? {
        try await pool.read { db in try String.fetchOne(db, sql: ConfigurationSQL.setting, arguments: [key]) }
    }

    public func setSetting(_ key: String, value: String) async throws {
        try await pool.write { db in
            try db.execute(sql: ConfigurationSQL.putSetting, arguments: [key, value])
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
            try db.execute(sql: ConfigurationSQL.insertStore, arguments: [id, name, tokenHash, at.timeIntervalSince1970])
        }
    }

    public func upsertStore(id: String, name: String, tokenHash: String?, at: Date) async throws -> Bool {
        try await pool.write { db in
            guard let existing = try Row.fetchOne(db, sql: ConfigurationSQL.storeIdentity, arguments: [id]) else {
                guard let tokenHash else { throw StoreError.invalid("store '\(id)' needs a token") }
                try db.execute(sql: ConfigurationSQL.insertStore, arguments: [id, name, tokenHash, at.timeIntervalSince1970])
                return true
            }
            let oldHash = try existing.text("token_hash")
            let newHash = tokenHash ?? oldHash
            if try existing.text("name") == name, oldHash == newHash { return false }
            try db.execute(sql: ConfigurationSQL.updateStore, arguments: [name, newHash, id])
            return true
        }
    }

    public func stores() async throws -> [StoreInfo] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: ConfigurationSQL.stores).map(ConfigurationSQL.storeInfo)
        }
    }

    public func store(id: String) async throws -> StoreInfo? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: ConfigurationSQL.store, arguments: [id]).map(ConfigurationSQL.storeInfo)
        }
    }

    public func setRetention(storeID: String, _ retention: RetentionPeriod?) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: ConfigurationSQL.setRetention, arguments: [retention?.seconds, storeID])
            return db.changesCount > 0
        }
    }

    public func storeID(tokenHash: String) async throws -> String? {
        try await pool.read { db in try String.fetchOne(db.cachedStatement(sql: ConfigurationSQL.storeByToken), arguments: [tokenHash])
        }
    }

    public func tokenHash(storeID: String) async throws -> String? {
        try await pool.read { db in try String.fetchOne(db.cachedStatement(sql: ConfigurationSQL.tokenHash), arguments: [storeID]) }
    }

    // MARK: Parameters

    public func parameters(storeID: String) async throws -> [Parameter] {
        try await pool.read { [secrets] db in
            try Row.fetchAll(db.cachedStatement(sql: ConfigurationSQL.parameters), arguments: [storeID]).map {
                try ConfigurationSQL.parameter($0, secrets: secrets)
            }
        }
    }

    public func setParameter(storeID: String, _ parameter: Parameter, at: Date) async throws {
        try await pool.write { [secrets] db in try Self.upsertParameter(db, storeID: storeID, parameter, at: at, secrets: secrets) }
    }

    static func upsertParameter(_ db: Database, storeID: String, _ parameter: Parameter, at: Date, secrets: SecretBox) throws {
        try db.execute(
            sql: ConfigurationSQL.putParameter,
            arguments: [
                storeID, parameter.name, secrets.sealParameter(name: parameter.name, json: parameter.value.jsonString), at.timeIntervalSince1970,
            ]
        )
    }

    public func resealSecrets(from: SecretBox, to: SecretBox) async throws -> Int {
        try await pool.write { db in
            var written = 0
            for row in try Row.fetchAll(db, sql: ConfigurationSQL.allDefinitions) {
                let sealed = to.seal(try from.open(try row.text("definition")))
                try db.execute(sql: ConfigurationSQL.setDefinition, arguments: [sealed, try row.text("store_id"), try row.text("name")])
                written += 1
            }
            for row in try Row.fetchAll(db, sql: ConfigurationSQL.allParameterValues) {
                let name = try row.text("name")
                let value = try row.text("value")
                guard SecretNames.isSecret(name) || SecretBox.isSealed(value) else { continue }
                let sealed = to.sealParameter(name: name, json: try from.open(value))
                try db.execute(sql: ConfigurationSQL.setParameterValue, arguments: [sealed, try row.text("store_id"), name])
                written += 1
            }
            if to.isEncrypting {
                try db.execute(sql: ConfigurationSQL.putSetting, arguments: [SecretBox.checkSetting, to.check()])
            } else {
                try db.execute(sql: ConfigurationSQL.deleteSetting, arguments: [SecretBox.checkSetting])
            }
            return written
        }
    }

    public func deleteParameter(storeID: String, name: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: ConfigurationSQL.deleteParameter, arguments: [storeID, name])
            return db.changesCount > 0
        }
    }

    // MARK: Mappings

    public func allMappings() async throws -> [(storeID: String, mapping: Mapping)] {
        let rows = try await pool.read { db in
            try Row.fetchAll(db, sql: ConfigurationSQL.mappings).map { row in (try row.text("store_id"), try row.text("definition")) }
        }
        return ConfigurationSQL.mappings(try rows.map { (storeID: $0.0, definition: try secrets.open($0.1)) })
    }

    public func saveMapping(storeID: String, _ mapping: Mapping, at: Date) async throws {
        let definition = secrets.seal(mapping.json.jsonString)
        try await pool.write { db in
            try db.execute(
                sql: ConfigurationSQL.putMapping,
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
            try db.execute(sql: ConfigurationSQL.deleteMapping, arguments: [storeID, name])
            let deleted = db.changesCount > 0
            // Held deliveries of a mapping that is gone go to the workers, which park them saying so.
            try db.execute(sql: HealthSQL.resume, arguments: [0, 0, storeID, name])
            try db.execute(sql: ConfigurationSQL.deleteMappingHealth, arguments: [storeID, name])
            return deleted
        }
    }

    // MARK: Integrations

    public func saveIntegration(storeID: String, id: String, record: JSONValue, at: Date) async throws {
        try await pool.write { db in
            try db.execute(sql: ConfigurationSQL.putIntegration, arguments: [storeID, id, record.jsonString, at.timeIntervalSince1970])
        }
    }

    public func integrations(storeID: String) async throws -> [JSONValue] {
        try await pool.read { db in
            try String.fetchAll(db, sql: ConfigurationSQL.integrations, arguments: [storeID]).compactMap(StoredJSON.read)
        }
    }

    // MARK: Schedulers

    public func schedulers(storeID: String) async throws -> [Scheduler] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: ConfigurationSQL.schedulers, arguments: [storeID]).map(ConfigurationSQL.scheduler)
        }
    }

    public func saveScheduler(storeID: String, _ scheduler: Scheduler, at: Date) async throws {
        try await pool.write { db in
            let existing = try Row.fetchOne(db, sql: ConfigurationSQL.schedulerTiming, arguments: [storeID, scheduler.id]).map {
                (interval: try $0.real("interval"), nextRunAt: try $0.time("next_run_at"))
            }
            let nextRun = ConfigurationSQL.nextRun(of: scheduler, existing: existing, now: at)
            try db.execute(
                sql: ConfigurationSQL.putScheduler,
                arguments: [
                    storeID, scheduler.id, scheduler.message, scheduler.payload.jsonString, scheduler.interval, scheduler.enabled,
                    nextRun.timeIntervalSince1970, at.timeIntervalSince1970,
                ]
            )
        }
    }

    public func deleteScheduler(storeID: String, id: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: ConfigurationSQL.deleteScheduler, arguments: [storeID, id])
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
                let storeID = try row.text("store_id")
                let scheduler = try ConfigurationSQL.scheduler(row)
                let previous = try row.real("next_run_at")
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
