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

        return migrator
    }()
}
