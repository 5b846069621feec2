extension PostgresConnectionStore {
    /// A named migration: statements run in order, in the migration transaction.
    struct Migration: Sendable {
        let name: String
        let statements: [String]
    }

    /// The store's migrations. Append-only: never edit or reorder a migration; add a new one.
    ///
    /// Conventions: tables are prefixed `tiktok_business_` (the database may be shared), dates are `double precision`
    /// unix seconds, arrays and dictionaries JSON text, sealed tokens ``SealedToken/text``.
    static let migrations: [Migration] = [
        Migration(
            name: "v1-connections",
            statements: [
                """
                CREATE TABLE tiktok_business_connections (
                    id text PRIMARY KEY,
                    kind text NOT NULL,
                    status text NOT NULL,
                    status_reason text,
                    end_user_id text,
                    advertiser_ids text NOT NULL DEFAULT '[]',
                    open_id text,
                    tcm_account_ids text NOT NULL DEFAULT '[]',
                    scopes text NOT NULL DEFAULT '[]',
                    access_token_expires_at double precision,
                    refresh_token_expires_at double precision,
                    last_refreshed_at double precision,
                    last_checked_at double precision,
                    created_at double precision NOT NULL,
                    updated_at double precision NOT NULL,
                    access_token text,
                    refresh_token text,
                    key_id text,
                    refresh_key_id text,
                    next_action_at double precision,
                    failure_count integer NOT NULL DEFAULT 0,
                    warnings_sent text NOT NULL DEFAULT '[]',
                    version bigint NOT NULL,
                    lease_owner text,
                    lease_until double precision
                )
                """,
                """
                CREATE INDEX tiktok_business_connections_next_action_at
                ON tiktok_business_connections (next_action_at)
                """,
                "CREATE INDEX tiktok_business_connections_kind_status ON tiktok_business_connections (kind, status)",
                "CREATE INDEX tiktok_business_connections_end_user_id ON tiktok_business_connections (end_user_id)",
                """
                CREATE TABLE tiktok_business_connection_identities (
                    connection_id text NOT NULL REFERENCES tiktok_business_connections (id) ON DELETE CASCADE,
                    kind text NOT NULL,
                    identity text NOT NULL,
                    position bigserial NOT NULL,
                    PRIMARY KEY (connection_id, identity)
                )
                """,
                """
                CREATE INDEX tiktok_business_connection_identities_kind_identity
                ON tiktok_business_connection_identities (kind, identity)
                """,
            ]),
        Migration(
            name: "v1-authorization-states",
            statements: [
                """
                CREATE TABLE tiktok_business_authorization_states (
                    state_hash text PRIMARY KEY,
                    kind text NOT NULL,
                    redirect_uri text NOT NULL,
                    end_user_id text,
                    reconnect_connection_id text,
                    browser_binding_hash text,
                    force_consent boolean NOT NULL,
                    redirect_after text,
                    created_at double precision NOT NULL,
                    expires_at double precision NOT NULL,
                    consumed_at double precision
                )
                """,
                """
                CREATE INDEX tiktok_business_authorization_states_expires_at
                ON tiktok_business_authorization_states (expires_at)
                """,
            ]),
        Migration(
            name: "v1-events",
            statements: [
                """
                CREATE TABLE tiktok_business_events (
                    sequence bigserial PRIMARY KEY,
                    id text NOT NULL UNIQUE,
                    type text NOT NULL,
                    connection_id text NOT NULL,
                    occurred_at double precision NOT NULL,
                    data text NOT NULL DEFAULT '{}'
                )
                """,
                "CREATE INDEX tiktok_business_events_connection_id ON tiktok_business_events (connection_id, sequence)",
            ]),
    ]
}
