public import Foundation
internal import PostgresNIO
public import TikTokConnections

extension PostgresConnectionStore {
    /// Stores a pending authorization state.
    ///
    /// - Throws: ``ConnectionStoreError`` when a state with this hash exists.
    public func insertState(_ state: AuthorizationState) async throws {
        let inserted = try await rows(
            "insert an authorization state",
            """
            INSERT INTO tiktok_business_authorization_states (
                state_hash, kind, redirect_uri, end_user_id, reconnect_connection_id,
                browser_binding_hash, force_consent, redirect_after, created_at, expires_at, consumed_at
            ) VALUES (
                \(state.stateHash), \(state.kind.rawValue), \(state.redirectURI), \(state.endUserID),
                \(state.reconnectConnectionID), \(state.browserBindingHash), \(state.forceConsent),
                \(state.redirectAfter), \(PostgresColumns.seconds(state.createdAt)),
                \(PostgresColumns.seconds(state.expiresAt)), \(PostgresColumns.seconds(state.consumedAt))
            ) ON CONFLICT (state_hash) DO NOTHING RETURNING state_hash
            """)
        guard inserted.count == 1 else {
            throw ConnectionStoreError("An authorization state with this hash already exists")
        }
    }

    /// The state with this hash, consumed or not.
    public func state(hash: String) async throws -> AuthorizationState? {
        try await rows(
            "read an authorization state",
            "SELECT * FROM tiktok_business_authorization_states WHERE state_hash = \(hash)"
        ).map(AuthorizationState.init(postgresRow:)).first
    }

    /// Marks the state consumed at `now` unless it already is, in one atomic `UPDATE`: of any number of concurrent
    /// callers, in any number of instances, exactly one gets `true`. Returns `false` for an unknown hash too.
    public func consumeState(hash: String, now: Date) async throws -> Bool {
        let consumed = try await rows(
            "consume an authorization state",
            """
            UPDATE tiktok_business_authorization_states SET consumed_at = \(PostgresColumns.seconds(now))
            WHERE state_hash = \(hash) AND consumed_at IS NULL
            RETURNING state_hash
            """)
        return consumed.count == 1
    }

    /// Deletes up to `limit` of the states whose `expiresAt` is before `date`, consumed or not, oldest first;
    /// returns how many. Rows another instance is deleting are skipped, not waited for.
    public func deleteStates(expiredBefore date: Date, limit: Int) async throws -> Int {
        guard limit > 0 else { return 0 }
        let rows = try await rows(
            "delete expired authorization states",
            """
            WITH deleted AS (
                DELETE FROM tiktok_business_authorization_states WHERE state_hash IN (
                    SELECT state_hash FROM tiktok_business_authorization_states
                    WHERE expires_at < \(PostgresColumns.seconds(date))
                    ORDER BY expires_at LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED
                )
                RETURNING 1
            ) SELECT COUNT(*) AS count FROM deleted
            """)
        return try rows.first.map { try RowReader($0, table: "tiktok_business_authorization_states").value("count") }
            ?? 0
    }
}
