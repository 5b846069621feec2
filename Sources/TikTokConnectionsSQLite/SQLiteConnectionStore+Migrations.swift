internal import GRDB

extension SQLiteConnectionStore {
    /// The store's migrations. Append-only: never edit or reorder a registered migration; add a new one.
    ///
    /// Conventions: dates are REAL unix seconds (`Date.timeIntervalSince1970`), arrays and dictionaries are JSON text,
    /// sealed tokens are ``SealedToken/text``.
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()

        migrator.registerMigration("v1-connections") { db in
            try db.execute(
                sql: """
                    CREATE TABLE connections (
                        id TEXT NOT NULL PRIMARY KEY,
                        kind TEXT NOT NULL,
                        status TEXT NOT NULL,
                        status_reason TEXT,
                        end_user_id TEXT,
                        advertiser_ids TEXT NOT NULL DEFAULT '[]',
                        open_id TEXT,
                        tcm_account_ids TEXT NOT NULL DEFAULT '[]',
                        scopes TEXT NOT NULL DEFAULT '[]',
                        access_token_expires_at REAL,
                        refresh_token_expires_at REAL,
                        last_refreshed_at REAL,
                        last_checked_at REAL,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL,
                        access_token TEXT,
                        refresh_token TEXT,
                        key_id TEXT,
                        refresh_key_id TEXT,
                        next_action_at REAL,
                        failure_count INTEGER NOT NULL DEFAULT 0,
                        warnings_sent TEXT NOT NULL DEFAULT '[]',
                        version INTEGER NOT NULL,
                        lease_owner TEXT,
                        lease_until REAL
                    );
                    CREATE INDEX connections_next_action_at ON connections (next_action_at);
                    CREATE INDEX connections_kind_status ON connections (kind, status);
                    CREATE INDEX connections_end_user_id ON connections (end_user_id);

                    CREATE TABLE connection_identities (
                        connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
                        kind TEXT NOT NULL,
                        identity TEXT NOT NULL,
                        PRIMARY KEY (connection_id, identity)
                    );
                    CREATE INDEX connection_identities_kind_identity ON connection_identities (kind, identity);
                    """)
        }

        migrator.registerMigration("v1-authorization-states") { db in
            try db.execute(
                sql: """
                    CREATE TABLE authorization_states (
                        state_hash TEXT NOT NULL PRIMARY KEY,
                        kind TEXT NOT NULL,
                        redirect_uri TEXT NOT NULL,
                        end_user_id TEXT,
                        reconnect_connection_id TEXT,
                        browser_binding_hash TEXT,
                        force_consent INTEGER NOT NULL,
                        redirect_after TEXT,
                        created_at REAL NOT NULL,
                        expires_at REAL NOT NULL,
                        consumed_at REAL
                    );
                    CREATE INDEX authorization_states_expires_at ON authorization_states (expires_at);
                    """)
        }

        migrator.registerMigration("v1-events") { db in
            try db.execute(
                sql: """
                    CREATE TABLE events (
                        sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        type TEXT NOT NULL,
                        connection_id TEXT NOT NULL,
                        occurred_at REAL NOT NULL,
                        data TEXT NOT NULL DEFAULT '{}'
                    );
                    CREATE INDEX events_connection_id ON events (connection_id, sequence);
                    """)
        }

        // The webhook outbox: one delivery per event, keyed by its sequence, and the cursor up to which the log has
        // been copied into it (one row; a NULL sequence means never enqueued: the first enqueue starts at the end of
        // the log). Partial indexes keep claiming fast however many deliveries are done: pending rows by due date,
        // and pending rows by connection for the head-of-line check.
        migrator.registerMigration("v2-webhook-outbox") { db in
            try db.execute(
                sql: """
                    CREATE TABLE webhook_deliveries (
                        sequence INTEGER NOT NULL PRIMARY KEY REFERENCES events (sequence),
                        connection_id TEXT NOT NULL,
                        state TEXT NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        created_at REAL NOT NULL,
                        next_attempt_at REAL,
                        first_attempt_at REAL,
                        last_attempt_at REAL,
                        last_status_code INTEGER,
                        last_error TEXT,
                        delivered_at REAL,
                        lease_owner TEXT,
                        lease_until REAL
                    );
                    CREATE INDEX webhook_deliveries_pending_due
                    ON webhook_deliveries (next_attempt_at, sequence) WHERE state = 'pending';
                    CREATE INDEX webhook_deliveries_pending_connection
                    ON webhook_deliveries (connection_id, sequence) WHERE state = 'pending';
                    CREATE INDEX webhook_deliveries_connection ON webhook_deliveries (connection_id, sequence);
                    CREATE INDEX webhook_deliveries_lease_owner
                    ON webhook_deliveries (lease_owner) WHERE lease_owner IS NOT NULL;

                    CREATE TABLE webhook_cursor (
                        id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
                        last_sequence INTEGER
                    );
                    INSERT INTO webhook_cursor (id, last_sequence) VALUES (1, NULL);
                    """)
        }

        migrator.registerMigration("v3-vault-metadata") { db in
            try db.execute(
                sql: """
                    CREATE TABLE vault_metadata (
                        key TEXT NOT NULL PRIMARY KEY,
                        value TEXT NOT NULL
                    );
                    CREATE TABLE vault_instances (
                        id TEXT NOT NULL PRIMARY KEY,
                        sealing_key_id TEXT NOT NULL,
                        key_ids TEXT NOT NULL DEFAULT '[]',
                        seen_at REAL NOT NULL
                    );
                    CREATE INDEX connections_key_id ON connections (key_id);
                    CREATE INDEX connections_refresh_key_id ON connections (refresh_key_id);
                    """)
        }

        // Retention: events are pruned oldest first by when they occurred.
        migrator.registerMigration("v4-retention") { db in
            try db.execute(sql: "CREATE INDEX events_occurred_at ON events (occurred_at)")
        }

        // The app's QPS budget, shared by the instances: each holds a place renewed every second or so.
        migrator.registerMigration("v5-qps-budget") { db in
            try db.execute(
                sql: """
                    CREATE TABLE qps_budget (
                        instance_id TEXT PRIMARY KEY,
                        share REAL NOT NULL,
                        joined_at REAL NOT NULL,
                        expires_at REAL NOT NULL
                    )
                    """)
        }

        // Operating many connections: names and health on connections (with the text a search matches), the status
        // history behind the overview's chart, the audit trail, proxy use per day, and named API keys.
        migrator.registerMigration("v6-operations") { db in
            try db.execute(
                sql: """
                    ALTER TABLE connections ADD COLUMN display_name TEXT;
                    ALTER TABLE connections ADD COLUMN names TEXT NOT NULL DEFAULT '{}';
                    ALTER TABLE connections ADD COLUMN avatar_url TEXT;
                    ALTER TABLE connections ADD COLUMN failing_since REAL;
                    ALTER TABLE connections ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
                    UPDATE connections SET search_text = lower(
                        id || char(10) || coalesce(end_user_id, '') || char(10) || advertiser_ids || char(10)
                        || tcm_account_ids || char(10) || coalesce(open_id, ''));
                    CREATE INDEX connections_failing_since ON connections (failing_since)
                    WHERE failing_since IS NOT NULL;
                    CREATE INDEX connections_refresh_token_expires_at ON connections (refresh_token_expires_at)
                    WHERE refresh_token_expires_at IS NOT NULL;

                    CREATE TABLE status_history (
                        start REAL NOT NULL,
                        kind TEXT NOT NULL,
                        status TEXT NOT NULL,
                        count INTEGER NOT NULL,
                        PRIMARY KEY (start, kind, status)
                    );

                    CREATE TABLE audit_log (
                        sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        occurred_at REAL NOT NULL,
                        action TEXT NOT NULL,
                        connection_id TEXT,
                        actor TEXT NOT NULL,
                        request_id TEXT,
                        data TEXT NOT NULL DEFAULT '{}'
                    );
                    CREATE INDEX audit_log_connection_id ON audit_log (connection_id, sequence);
                    CREATE INDEX audit_log_occurred_at ON audit_log (occurred_at);

                    CREATE TABLE proxy_usage (
                        connection_id TEXT NOT NULL,
                        day TEXT NOT NULL,
                        actor TEXT NOT NULL,
                        calls INTEGER NOT NULL,
                        errors INTEGER NOT NULL,
                        PRIMARY KEY (connection_id, day, actor)
                    );
                    CREATE INDEX proxy_usage_day ON proxy_usage (day);

                    CREATE TABLE api_keys (
                        id TEXT NOT NULL PRIMARY KEY,
                        name TEXT NOT NULL,
                        scope TEXT NOT NULL,
                        key_hash TEXT NOT NULL UNIQUE,
                        created_at REAL NOT NULL,
                        revoked_at REAL
                    );
                    """)
        }

        // Connection-scoped proxy tokens for the drop-in endpoint, stored as hashes.
        migrator.registerMigration("v7-proxy-tokens") { db in
            try db.execute(
                sql: """
                    CREATE TABLE proxy_tokens (
                        id TEXT NOT NULL PRIMARY KEY,
                        connection_id TEXT NOT NULL,
                        token_hash TEXT NOT NULL UNIQUE,
                        allowed_paths TEXT,
                        created_at REAL NOT NULL,
                        expires_at REAL,
                        revoked_at REAL,
                        created_by TEXT NOT NULL
                    );
                    CREATE INDEX proxy_tokens_connection_id ON proxy_tokens (connection_id, created_at);
                    """)
        }

        return migrator
    }()
}
