import GRDB

/// The SQLite schema, one migration per change, never edited once released.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    CREATE TABLE stores (
                        id TEXT PRIMARY KEY, name TEXT NOT NULL, token_hash TEXT NOT NULL, created_at REAL NOT NULL);
                    CREATE INDEX stores_token ON stores(token_hash);
                    CREATE TABLE parameters (
                        store_id TEXT NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
                        name TEXT NOT NULL, value TEXT NOT NULL, updated_at REAL NOT NULL,
                        PRIMARY KEY (store_id, name)) WITHOUT ROWID;
                    CREATE TABLE mappings (
                        store_id TEXT NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
                        name TEXT NOT NULL, definition TEXT NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL,
                        PRIMARY KEY (store_id, name)) WITHOUT ROWID;
                    CREATE TABLE schedulers (
                        store_id TEXT NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
                        id TEXT NOT NULL, message TEXT NOT NULL, payload TEXT NOT NULL, interval REAL NOT NULL,
                        enabled INTEGER NOT NULL, next_run_at REAL NOT NULL, last_run_at REAL, created_at REAL NOT NULL,
                        PRIMARY KEY (store_id, id)) WITHOUT ROWID;
                    CREATE TABLE messages (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE, store_id TEXT NOT NULL, name TEXT NOT NULL, payload TEXT NOT NULL,
                        origin TEXT NOT NULL, parent_message_id TEXT, parent_delivery_id TEXT, depth INTEGER NOT NULL,
                        state TEXT NOT NULL, note TEXT, created_at REAL NOT NULL);
                    CREATE INDEX messages_store ON messages(store_id, seq);
                    CREATE INDEX messages_parent ON messages(parent_message_id);
                    CREATE TABLE message_identifiers (
                        store_id TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, message_id TEXT NOT NULL,
                        PRIMARY KEY (store_id, name, value, message_id)) WITHOUT ROWID;
                    CREATE INDEX message_identifiers_value ON message_identifiers(store_id, value);
                    CREATE INDEX message_identifiers_message ON message_identifiers(message_id);
                    CREATE TABLE deliveries (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE, message_id TEXT NOT NULL, store_id TEXT NOT NULL, mapping TEXT NOT NULL,
                        state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at REAL, lease_owner TEXT,
                        url TEXT, dedup_key TEXT, ordering_key TEXT, last_error TEXT, last_status INTEGER, result TEXT,
                        created_at REAL NOT NULL, updated_at REAL NOT NULL, completed_at REAL);
                    CREATE INDEX deliveries_due ON deliveries(next_attempt_at)
                        WHERE state IN ('pending', 'failing', 'scheduled', 'running');
                    CREATE INDEX deliveries_message ON deliveries(message_id);
                    CREATE INDEX deliveries_order ON deliveries(store_id, mapping, ordering_key, seq)
                        WHERE ordering_key IS NOT NULL;
                    CREATE INDEX deliveries_store_state ON deliveries(store_id, state, created_at);
                    CREATE UNIQUE INDEX deliveries_dedup ON deliveries(store_id, mapping, dedup_key)
                        WHERE dedup_key IS NOT NULL AND state != 'archived';
                    CREATE TABLE attempts (
                        id INTEGER PRIMARY KEY, delivery_id TEXT NOT NULL, number INTEGER NOT NULL, started_at REAL NOT NULL,
                        duration REAL NOT NULL, url TEXT NOT NULL, status INTEGER, response TEXT, error TEXT);
                    CREATE INDEX attempts_delivery ON attempts(delivery_id);
                    CREATE TABLE notifications (
                        id INTEGER PRIMARY KEY, store_id TEXT NOT NULL, message_id TEXT NOT NULL, delivery_id TEXT,
                        mapping TEXT NOT NULL, level TEXT NOT NULL, subject TEXT NOT NULL, description TEXT NOT NULL,
                        extra TEXT, reference TEXT, occurrences INTEGER NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL);
                    CREATE UNIQUE INDEX notifications_once ON notifications(message_id, mapping, level, subject, description);
                    CREATE INDEX notifications_store ON notifications(store_id, updated_at);
                    CREATE TABLE idempotency_keys (
                        store_id TEXT NOT NULL, key TEXT NOT NULL, status INTEGER NOT NULL, reply TEXT NOT NULL,
                        created_at REAL NOT NULL, PRIMARY KEY (store_id, key)) WITHOUT ROWID;
                    CREATE INDEX idempotency_created ON idempotency_keys(created_at);
                    CREATE TABLE object_copies (
                        store_id TEXT NOT NULL, type TEXT NOT NULL, identity TEXT NOT NULL, body TEXT NOT NULL, updated_at REAL NOT NULL,
                        PRIMARY KEY (store_id, type, identity)) WITHOUT ROWID;
                    CREATE TABLE integrations (
                        store_id TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, created_at REAL NOT NULL, PRIMARY KEY (store_id, \
                    id)) WITHOUT ROWID;
                    """
            )
        }
        migrator.registerMigration("v2") { db in
            // Retention, the circuit breaker and pausing (issue 14).
            try db.execute(
                sql: """
                    ALTER TABLE stores ADD COLUMN retention REAL;
                    CREATE TABLE mapping_health (
                        store_id TEXT NOT NULL, mapping TEXT NOT NULL, state TEXT NOT NULL, consecutive_failures INTEGER NOT NULL,
                        probe_at REAL, last_success_at REAL, last_failure_at REAL, PRIMARY KEY (store_id, mapping)) WITHOUT ROWID;
                    CREATE INDEX messages_created ON messages(store_id, created_at);
                    """
            )
        }
        migrator.registerMigration("v3") { db in
            // The due index's condition written as ORs (issue 17): SQLite evaluates a partial
            // index's condition on every write of a row, and an IN list there builds a temporary
            // b-tree, with its own page cache, each time: five a delivery (its insert, its lease
            // and its record, the last two for the old row and the new). Allocating and freeing
            // those caches cost the drain about a sixth of the hub's CPU (perf: `madvise` and the
            // page faults after it). Queries name the condition as `DueStates.condition` does,
            // so the index still serves them.
            try db.execute(
                sql: """
                    DROP INDEX deliveries_due;
                    CREATE INDEX deliveries_due ON deliveries(next_attempt_at)
                        WHERE state = 'pending' OR state = 'failing' OR state = 'scheduled' OR state = 'running';
                    """
            )
        }
        migrator.registerMigration("v4") { db in
            // Only replies have a parent (issue 17): a push, whose parent is NULL, no longer
            // writes to this index (one or two of the WAL's pages a commit). Every query names
            // a parent by `=`, which implies the condition, so SQLite still uses the index.
            try db.execute(
                sql: """
                    DROP INDEX messages_parent;
                    CREATE INDEX messages_parent ON messages(parent_message_id) WHERE parent_message_id IS NOT NULL;
                    """
            )
        }
        return migrator
    }
}
