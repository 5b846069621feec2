public import Foundation
internal import GRDB
public import TikTokConnections

extension SQLiteConnectionStore {
    /// Stores a pending authorization state.
    ///
    /// - Throws: ``ConnectionStoreError`` when a state with this hash exists.
    public func insertState(_ state: AuthorizationState) async throws {
        try await write("insert an authorization state") { db in
            do {
                try db.execute(
                    literal: """
                        INSERT INTO authorization_states (
                            state_hash, kind, redirect_uri, end_user_id, reconnect_connection_id,
                            browser_binding_hash, force_consent, redirect_after, created_at, expires_at, consumed_at
                        ) VALUES (
                            \(state.stateHash), \(state.kind.rawValue), \(state.redirectURI), \(state.endUserID),
                            \(state.reconnectConnectionID), \(state.browserBindingHash), \(state.forceConsent),
                            \(state.redirectAfter), \(SQLiteColumns.seconds(state.createdAt)),
                            \(SQLiteColumns.seconds(state.expiresAt)), \(SQLiteColumns.seconds(state.consumedAt))
                        )
                        """)
            } catch DatabaseError.SQLITE_CONSTRAINT_PRIMARYKEY {
                throw ConnectionStoreError("An authorization state with this hash already exists")
            }
        }
    }

    /// The state with this hash, consumed or not.
    public func state(hash: String) async throws -> AuthorizationState? {
        try await read("read an authorization state") { db in
            try Row.fetchOne(
                try db.cachedStatement(sql: "SELECT * FROM authorization_states WHERE state_hash = ?"),
                arguments: [hash]
            ).map(AuthorizationState.init(row:))
        }
    }

    /// Marks the state consumed at `now` unless it already is: of any number of concurrent callers, in any number
    /// of processes, exactly one gets `true`. Returns `false` for an unknown hash too.
    public func consumeState(hash: String, now: Date) async throws -> Bool {
        let now = SQLiteColumns.seconds(now)
        return try await write("consume an authorization state") { db in
            try db.cachedStatement(
                sql: "UPDATE authorization_states SET consumed_at = ? WHERE state_hash = ? AND consumed_at IS NULL"
            ).execute(arguments: [now, hash])
            return db.changesCount == 1
        }
    }

    /// Deletes up to `limit` of the states whose `expiresAt` is before `date`, consumed or not, oldest first;
    /// returns how many. One short write: a batch never holds the writer long.
    public func deleteStates(expiredBefore date: Date, limit: Int) async throws -> Int {
        guard limit > 0 else { return 0 }
        let date = SQLiteColumns.seconds(date)
        return try await write("delete expired authorization states") { db in
            try db.execute(
                literal: """
                    DELETE FROM authorization_states WHERE state_hash IN (
                        SELECT state_hash FROM authorization_states WHERE expires_at < \(date)
                        ORDER BY expires_at LIMIT \(limit)
                    )
                    """)
            return db.changesCount
        }
    }
}
