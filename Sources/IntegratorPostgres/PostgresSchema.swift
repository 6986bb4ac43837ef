/// The PostgreSQL schema: the SQLite schema's tables, with `BIGSERIAL` sequences and times as
/// seconds since 1970 in `DOUBLE PRECISION`. One migration per change, never edited once
/// released; applied under an advisory lock so processes starting together do not race.
enum PostgresSchema {
    static let migrations: [(version: Int, statements: [String])] = [
        (
            1,
            [
                "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
                "CREATE TABLE stores (id TEXT PRIMARY KEY, name TEXT NOT NULL, token_hash TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL)",
                "CREATE INDEX stores_token ON stores(token_hash)",
                """
                CREATE TABLE parameters (store_id TEXT NOT NULL REFERENCES stores(id) ON DELETE CASCADE, name TEXT NOT NULL,
                    value TEXT NOT NULL, updated_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (store_id, name))
                """,
                """
                CREATE TABLE mappings (store_id TEXT NOT NULL REFERENCES stores(id) ON DELETE CASCADE, name TEXT NOT NULL,
                    definition TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL, updated_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (store_id, \
                name))
                """,
                """
                CREATE TABLE schedulers (store_id TEXT NOT NULL REFERENCES stores(id) ON DELETE CASCADE, id TEXT NOT NULL,
                    message TEXT NOT NULL, payload TEXT NOT NULL, interval DOUBLE PRECISION NOT NULL, enabled BOOLEAN NOT NULL,
                    next_run_at DOUBLE PRECISION NOT NULL, last_run_at DOUBLE PRECISION, created_at DOUBLE PRECISION NOT NULL, \
                PRIMARY KEY (store_id, id))
                """,
                """
                CREATE TABLE messages (seq BIGSERIAL PRIMARY KEY, id TEXT NOT NULL UNIQUE, store_id TEXT NOT NULL, name TEXT NOT NULL,
                    payload TEXT NOT NULL, origin TEXT NOT NULL, parent_message_id TEXT, parent_delivery_id TEXT, depth INTEGER NOT NULL,
                    state TEXT NOT NULL, note TEXT, created_at DOUBLE PRECISION NOT NULL)
                """,
                "CREATE INDEX messages_store ON messages(store_id, seq)",
                "CREATE INDEX messages_parent ON messages(parent_message_id)",
                """
                CREATE TABLE message_identifiers (store_id TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, message_id TEXT NOT NULL,
                    PRIMARY KEY (store_id, name, value, message_id))
                """,
                "CREATE INDEX message_identifiers_value ON message_identifiers(store_id, value)",
                "CREATE INDEX message_identifiers_message ON message_identifiers(message_id)",
                """
                CREATE TABLE deliveries (seq BIGSERIAL PRIMARY KEY, id TEXT NOT NULL UNIQUE, message_id TEXT NOT NULL, store_id TEXT NOT NULL,
                    mapping TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at DOUBLE PRECISION,
                    lease_owner TEXT, url TEXT, dedup_key TEXT, ordering_key TEXT, last_error TEXT, last_status INTEGER, result TEXT,
                    created_at DOUBLE PRECISION NOT NULL, updated_at DOUBLE PRECISION NOT NULL, completed_at DOUBLE PRECISION)
                """,
                "CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE state IN ('pending', 'failing', 'scheduled', 'running')",
                "CREATE INDEX deliveries_message ON deliveries(message_id)",
                "CREATE INDEX deliveries_order ON deliveries(store_id, mapping, ordering_key, seq) WHERE ordering_key IS NOT NULL",
                "CREATE INDEX deliveries_store_state ON deliveries(store_id, state, created_at)",
                """
                CREATE UNIQUE INDEX deliveries_dedup ON deliveries(store_id, mapping, dedup_key)
                    WHERE dedup_key IS NOT NULL AND state <> 'archived'
                """,
                """
                CREATE TABLE attempts (id BIGSERIAL PRIMARY KEY, delivery_id TEXT NOT NULL, number INTEGER NOT NULL,
                    started_at DOUBLE PRECISION NOT NULL, duration DOUBLE PRECISION NOT NULL, url TEXT NOT NULL, status INTEGER, response TEXT, \
                error TEXT)
                """,
                "CREATE INDEX attempts_delivery ON attempts(delivery_id)",
                """
                CREATE TABLE notifications (id BIGSERIAL PRIMARY KEY, store_id TEXT NOT NULL, message_id TEXT NOT NULL, delivery_id TEXT,
                    mapping TEXT NOT NULL, level TEXT NOT NULL, subject TEXT NOT NULL, description TEXT NOT NULL, extra TEXT, reference TEXT,
                    occurrences INTEGER NOT NULL, created_at DOUBLE PRECISION NOT NULL, updated_at DOUBLE PRECISION NOT NULL)
                """,
                "CREATE UNIQUE INDEX notifications_once ON notifications(message_id, mapping, level, subject, description)",
                "CREATE INDEX notifications_store ON notifications(store_id, updated_at)",
                """
                CREATE TABLE idempotency_keys (store_id TEXT NOT NULL, key TEXT NOT NULL, status INTEGER NOT NULL, reply TEXT NOT NULL,
                    created_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (store_id, key))
                """,
                "CREATE INDEX idempotency_created ON idempotency_keys(created_at)",
                """
                CREATE TABLE object_copies (store_id TEXT NOT NULL, type TEXT NOT NULL, identity TEXT NOT NULL, body TEXT NOT NULL,
                    updated_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (store_id, type, identity))
                """,
                """
                CREATE TABLE integrations (store_id TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL,
                    PRIMARY KEY (store_id, id))
                """,
            ]
        ),
        // Retention, the circuit breaker and pausing (issue 14).
        (
            2,
            [
                "ALTER TABLE stores ADD COLUMN retention DOUBLE PRECISION",
                """
                CREATE TABLE mapping_health (store_id TEXT NOT NULL, mapping TEXT NOT NULL, state TEXT NOT NULL,
                    consecutive_failures INTEGER NOT NULL, probe_at DOUBLE PRECISION, last_success_at DOUBLE PRECISION,
                    last_failure_at DOUBLE PRECISION, PRIMARY KEY (store_id, mapping))
                """,
                "CREATE INDEX messages_created ON messages(store_id, created_at)",
            ]
        ),
        // Only replies have a parent (issue 17): a push no longer writes an index entry for its
        // NULL parent. Every query names a parent by `=`, which implies the index's condition.
        (
            3,
            [
                "DROP INDEX messages_parent",
                "CREATE INDEX messages_parent ON messages(parent_message_id) WHERE parent_message_id IS NOT NULL",
            ]
        ),
    ]
}
