internal import Foundation
internal import GRDB
internal import TikTokConnections

/// Conversions between the models and SQLite values.
///
/// Dates are REAL unix seconds: always bind `seconds(_:)`, never a `Date` (GRDB would bind it as text).
typealias SQLiteColumns = StoredColumns

/// Reads one row, turning every failure into a ``ConnectionStoreError`` that names the column but never a value.
struct RowReader: StoredRowReading {
    let row: Row
    let table: String

    func value<T: DatabaseValueConvertible>(_ column: String, as type: T.Type = T.self) throws -> T {
        do {
            return try row.decode(T.self, forColumn: column)
        } catch {
            throw unreadable(column)
        }
    }

    func optional<T: DatabaseValueConvertible>(_ column: String, as type: T.Type = T.self) throws -> T? {
        do {
            return try row.decode(T?.self, forColumn: column)
        } catch {
            throw unreadable(column)
        }
    }

    func string(_ column: String) throws -> String { try value(column) }
    func optionalString(_ column: String) throws -> String? { try optional(column) }
    func double(_ column: String) throws -> Double { try value(column) }
    func optionalDouble(_ column: String) throws -> Double? { try optional(column) }
    func integer(_ column: String) throws -> Int64 { try value(column) }
    func optionalInteger(_ column: String) throws -> Int64? { try optional(column) }
    func bool(_ column: String) throws -> Bool { try value(column) }
}

// MARK: - Models

extension ConnectionRecord {
    init(row: Row) throws {
        try self.init(reading: RowReader(row: row, table: "connections"))
    }

    /// The stored columns a write sets, in ``ConnectionRecord/columnNames`` order (bound, never spliced into SQL).
    func columnValues() throws -> [(any DatabaseValueConvertible)?] {
        [
            connection.id,
            connection.kind.rawValue,
            connection.status.rawValue,
            connection.statusReason,
            connection.endUserID,
            try SQLiteColumns.json(connection.advertiserIDs),
            connection.openID,
            try SQLiteColumns.json(connection.tcmAccountIDs),
            try SQLiteColumns.json(connection.scopes),
            SQLiteColumns.seconds(connection.accessTokenExpiresAt),
            SQLiteColumns.seconds(connection.refreshTokenExpiresAt),
            SQLiteColumns.seconds(connection.lastRefreshedAt),
            SQLiteColumns.seconds(connection.lastCheckedAt),
            SQLiteColumns.seconds(connection.createdAt),
            SQLiteColumns.seconds(connection.updatedAt),
            accessToken?.text,
            refreshToken?.text,
            (accessToken ?? refreshToken)?.keyID,
            refreshToken?.keyID,
            SQLiteColumns.seconds(nextActionAt),
            failureCount,
            try SQLiteColumns.json(warningsSent),
            connection.displayName,
            try SQLiteColumns.json(connection.names),
            connection.avatarURL,
            SQLiteColumns.seconds(connection.failingSince),
            connection.searchText,
        ]
    }

    /// The columns ``columnValues()`` sets: every column but `version` and the lease.
    static let columnNames = [
        "id", "kind", "status", "status_reason", "end_user_id", "advertiser_ids", "open_id", "tcm_account_ids",
        "scopes", "access_token_expires_at", "refresh_token_expires_at", "last_refreshed_at", "last_checked_at",
        "created_at", "updated_at", "access_token", "refresh_token", "key_id", "refresh_key_id", "next_action_at",
        "failure_count", "warnings_sent", "display_name", "names", "avatar_url", "failing_since", "search_text",
    ]
}

extension AuthorizationState {
    init(row: Row) throws {
        try self.init(reading: RowReader(row: row, table: "authorization_states"))
    }
}

extension ConnectionEvent {
    init(row: Row) throws {
        try self.init(reading: RowReader(row: row, table: "events"))
    }
}
