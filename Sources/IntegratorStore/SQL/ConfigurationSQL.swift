import Foundation
import IntegratorModel

/// What an operator configures (settings, stores, parameters, mappings, integrations and
/// schedulers): the statements both engines run, written once with `?` placeholders (the
/// PostgreSQL store numbers them), and the decoders of their rows. What differs by engine (row
/// locks, notifications, how a prefix is compared) stays in each store.
public enum ConfigurationSQL {
    // MARK: Settings

    public static let setting = "SELECT value FROM settings WHERE key = ?"
    public static let putSetting = "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
    public static let deleteSetting = "DELETE FROM settings WHERE key = ?"

    // MARK: Stores

    public static let insertStore = "INSERT INTO stores (id, name, token_hash, created_at) VALUES (?, ?, ?, ?)"
    /// A store's name and token hash: id. (PostgreSQL adds `FOR UPDATE`.)
    public static let storeIdentity = "SELECT name, token_hash FROM stores WHERE id = ?"
    public static let updateStore = "UPDATE stores SET name = ?, token_hash = ? WHERE id = ?"
    public static let stores = "SELECT id, name, created_at, retention FROM stores ORDER BY id"
    public static let store = "SELECT id, name, created_at, retention FROM stores WHERE id = ?"
    public static let setRetention = "UPDATE stores SET retention = ? WHERE id = ?"
    public static let storeByToken = "SELECT id FROM stores WHERE token_hash = ?"
    public static let tokenHash = "SELECT token_hash FROM stores WHERE id = ?"

    public static func storeInfo(_ row: some StoreRow) throws -> StoreInfo {
        StoreInfo(
            id: try row.text("id"),
            name: try row.text("name"),
            createdAt: try row.time("created_at"),
            retention: try row.optionalReal("retention").flatMap(RetentionPeriod.init(seconds:))
        )
    }

    // MARK: Parameters

    public static let parameters = "SELECT name, value FROM parameters WHERE store_id = ? ORDER BY name"
    public static let putParameter = """
        INSERT INTO parameters (store_id, name, value, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (store_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
        """
    public static let deleteParameter = "DELETE FROM parameters WHERE store_id = ? AND name = ?"

    /// A stored parameter, opened: a value that no longer reads is null.
    public static func parameter(_ row: some StoreRow, secrets: SecretBox) throws -> Parameter {
        Parameter(name: try row.text("name"), value: StoredJSON.read(try secrets.open(try row.text("value"))) ?? .null)
    }

    // MARK: Sealing again under another key

    /// Every mapping definition. (PostgreSQL adds `FOR UPDATE`.)
    public static let allDefinitions = "SELECT store_id, name, definition FROM mappings"
    public static let setDefinition = "UPDATE mappings SET definition = ? WHERE store_id = ? AND name = ?"
    /// Every parameter value. (PostgreSQL adds `FOR UPDATE`.)
    public static let allParameterValues = "SELECT store_id, name, value FROM parameters"
    public static let setParameterValue = "UPDATE parameters SET value = ? WHERE store_id = ? AND name = ?"

    // MARK: Mappings

    public static let mappings = "SELECT store_id, definition FROM mappings ORDER BY store_id, name"
    public static let putMapping = """
        INSERT INTO mappings (store_id, name, definition, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (store_id, name) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at
        """
    public static let deleteMapping = "DELETE FROM mappings WHERE store_id = ? AND name = ?"
    public static let deleteMappingHealth = "DELETE FROM mapping_health WHERE store_id = ? AND mapping = ?"

    /// Stored mapping definitions, opened, read under today's rules. A definition stored under
    /// older, looser rules (a retry step of 1e300, say) is left out of routing rather than
    /// stopping the hub from starting: its deliveries park naming the missing mapping, and
    /// saving it again under today's rules brings it back.
    public static func mappings(_ rows: [(storeID: String, definition: String)]) -> [(storeID: String, mapping: Mapping)] {
        rows.compactMap { row in
            guard let json = StoredJSON.read(row.definition), let mapping = try? Mapping.decode(json) else { return nil }
            return (row.storeID, mapping)
        }
    }

    // MARK: Integrations

    public static let putIntegration = """
        INSERT INTO integrations (store_id, id, body, created_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (store_id, id) DO UPDATE SET body = excluded.body
        """
    public static let integrations = "SELECT body FROM integrations WHERE store_id = ? ORDER BY id"

    // MARK: Schedulers

    public static let schedulers = "SELECT * FROM schedulers WHERE store_id = ? ORDER BY id"
    /// A scheduler's interval and next run: store, id. (PostgreSQL adds `FOR UPDATE`.)
    public static let schedulerTiming = "SELECT interval, next_run_at FROM schedulers WHERE store_id = ? AND id = ?"
    public static let putScheduler = """
        INSERT INTO schedulers (store_id, id, message, payload, interval, enabled, next_run_at, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (store_id, id) DO UPDATE SET message = excluded.message, payload = excluded.payload,
            interval = excluded.interval, enabled = excluded.enabled, next_run_at = excluded.next_run_at
        """
    public static let deleteScheduler = "DELETE FROM schedulers WHERE store_id = ? AND id = ?"

    public static func scheduler(_ row: some StoreRow) throws -> Scheduler {
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

    /// When a saved scheduler next runs: the time it asks for, else its current next run if its
    /// interval is unchanged (saving it again does not restart it), else now.
    public static func nextRun(of scheduler: Scheduler, existing: (interval: Double, nextRunAt: Date)?, now: Date) -> Date {
        if let existing, existing.interval == scheduler.interval, scheduler.nextRunAt == nil { return existing.nextRunAt }
        return scheduler.nextRunAt ?? now
    }
}
