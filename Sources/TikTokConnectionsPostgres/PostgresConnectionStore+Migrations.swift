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
        // The webhook outbox: one delivery per event, keyed by its sequence, and the cursor up to which the log has
        // been
        // copied into it (one row, locked by enqueuers; a NULL sequence means never enqueued: the first enqueue starts
        // at the end of the log). Partial indexes keep claiming fast however many deliveries are done: pending rows by
        // due date, and pending rows by connection for the head-of-line check.
        Migration(
            name: "v2-webhook-outbox",
            statements: [
                """
                CREATE TABLE tiktok_business_webhook_deliveries (
                    sequence bigint PRIMARY KEY REFERENCES tiktok_business_events (sequence),
                    connection_id text NOT NULL,
                    state text NOT NULL,
                    attempts integer NOT NULL DEFAULT 0,
                    created_at double precision NOT NULL,
                    next_attempt_at double precision,
                    first_attempt_at double precision,
                    last_attempt_at double precision,
                    last_status_code integer,
                    last_error text,
                    delivered_at double precision,
                    lease_owner text,
                    lease_until double precision
                )
                """,
                """
                CREATE INDEX tiktok_business_webhook_deliveries_pending_due
                ON tiktok_business_webhook_deliveries (next_attempt_at, sequence) WHERE state = 'pending'
                """,
                """
                CREATE INDEX tiktok_business_webhook_deliveries_pending_connection
                ON tiktok_business_webhook_deliveries (connection_id, sequence) WHERE state = 'pending'
                """,
                """
                CREATE INDEX tiktok_business_webhook_deliveries_connection
                ON tiktok_business_webhook_deliveries (connection_id, sequence)
                """,
                """
                CREATE INDEX tiktok_business_webhook_deliveries_lease_owner
                ON tiktok_business_webhook_deliveries (lease_owner) WHERE lease_owner IS NOT NULL
                """,
                """
                CREATE TABLE tiktok_business_webhook_cursor (
                    id integer PRIMARY KEY CHECK (id = 1),
                    last_sequence bigint
                )
                """,
                "INSERT INTO tiktok_business_webhook_cursor (id, last_sequence) VALUES (1, NULL)",
            ]),
        Migration(
            name: "v3-vault-metadata",
            statements: [
                """
                CREATE TABLE tiktok_business_metadata (
                    key text PRIMARY KEY,
                    value text NOT NULL
                )
                """,
                """
                CREATE TABLE tiktok_business_instances (
                    id text PRIMARY KEY,
                    sealing_key_id text NOT NULL,
                    key_ids text NOT NULL DEFAULT '[]',
                    seen_at double precision NOT NULL
                )
                """,
                "CREATE INDEX tiktok_business_connections_key_id ON tiktok_business_connections (key_id)",
                """
                CREATE INDEX tiktok_business_connections_refresh_key_id
                ON tiktok_business_connections (refresh_key_id)
                """,
            ]),
        // Retention: events are pruned oldest first by when they occurred.
        Migration(
            name: "v4-retention",
            statements: [
                "CREATE INDEX tiktok_business_events_occurred_at ON tiktok_business_events (occurred_at)"
            ]),
        // The app's QPS budget, shared by the instances: each holds a place renewed every second or so.
        Migration(
            name: "v5-qps-budget",
            statements: [
                """
                CREATE TABLE tiktok_business_qps_budget (
                    instance_id text PRIMARY KEY,
                    share double precision NOT NULL,
                    joined_at double precision NOT NULL,
                    expires_at double precision NOT NULL
                )
                """
            ]),
        // Operating many connections: names and health on connections (with the text a search matches), the status
        // history behind the overview's chart, the audit trail, proxy use per day, and named API keys.
        Migration(
            name: "v6-operations",
            statements: [
                """
                ALTER TABLE tiktok_business_connections
                    ADD COLUMN display_name text,
                    ADD COLUMN names text NOT NULL DEFAULT '{}',
                    ADD COLUMN avatar_url text,
                    ADD COLUMN failing_since double precision,
                    ADD COLUMN search_text text NOT NULL DEFAULT ''
                """,
                """
                UPDATE tiktok_business_connections SET search_text = lower(
                    id || chr(10) || coalesce(end_user_id, '') || chr(10) || advertiser_ids || chr(10)
                    || tcm_account_ids || chr(10) || coalesce(open_id, ''))
                """,
                """
                CREATE INDEX tiktok_business_connections_failing_since ON tiktok_business_connections (failing_since)
                WHERE failing_since IS NOT NULL
                """,
                """
                CREATE INDEX tiktok_business_connections_refresh_token_expires_at
                ON tiktok_business_connections (refresh_token_expires_at) WHERE refresh_token_expires_at IS NOT NULL
                """,
                """
                CREATE TABLE tiktok_business_status_history (
                    start double precision NOT NULL,
                    kind text NOT NULL,
                    status text NOT NULL,
                    count bigint NOT NULL,
                    PRIMARY KEY (start, kind, status)
                )
                """,
                """
                CREATE TABLE tiktok_business_audit_log (
                    sequence bigserial PRIMARY KEY,
                    id text NOT NULL UNIQUE,
                    occurred_at double precision NOT NULL,
                    action text NOT NULL,
                    connection_id text,
                    actor text NOT NULL,
                    request_id text,
                    data text NOT NULL DEFAULT '{}'
                )
                """,
                """
                CREATE INDEX tiktok_business_audit_log_connection_id
                ON tiktok_business_audit_log (connection_id, sequence)
                """,
                "CREATE INDEX tiktok_business_audit_log_occurred_at ON tiktok_business_audit_log (occurred_at)",
                """
                CREATE TABLE tiktok_business_proxy_usage (
                    connection_id text NOT NULL,
                    day text NOT NULL,
                    actor text NOT NULL,
                    calls bigint NOT NULL,
                    errors bigint NOT NULL,
                    PRIMARY KEY (connection_id, day, actor)
                )
                """,
                "CREATE INDEX tiktok_business_proxy_usage_day ON tiktok_business_proxy_usage (day)",
                """
                CREATE TABLE tiktok_business_api_keys (
                    id text PRIMARY KEY,
                    name text NOT NULL,
                    scope text NOT NULL,
                    key_hash text NOT NULL UNIQUE,
                    created_at double precision NOT NULL,
                    revoked_at double precision
                )
                """,
            ]),
        // Connection-scoped proxy tokens for the drop-in endpoint, stored as hashes.
        Migration(
            name: "v7-proxy-tokens",
            statements: [
                """
                CREATE TABLE tiktok_business_proxy_tokens (
                    id text PRIMARY KEY,
                    connection_id text NOT NULL,
                    token_hash text NOT NULL UNIQUE,
                    allowed_paths text,
                    created_at double precision NOT NULL,
                    expires_at double precision,
                    revoked_at double precision,
                    created_by text NOT NULL
                )
                """,
                """
                CREATE INDEX tiktok_business_proxy_tokens_connection_id
                ON tiktok_business_proxy_tokens (connection_id, created_at)
                """,
            ]),
    ]
}
