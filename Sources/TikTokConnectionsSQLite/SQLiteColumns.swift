internal import Foundation
internal import GRDB
internal import TikTokConnections

/// Conversions between the models and SQLite values.
///
/// Dates are REAL unix seconds: always bind `seconds(_:)`, never a `Date` (GRDB would bind it as text).
enum SQLiteColumns {
    static func seconds(_ date: Date) -> Double { date.timeIntervalSince1970 }

    static func seconds(_ date: Date?) -> Double? { date.map(seconds) }

    static func date(_ seconds: Double) -> Date { Date(timeIntervalSince1970: seconds) }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// Reads one row, turning every failure into a ``ConnectionStoreError`` that names the column but never a value.
struct RowReader {
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

    func date(_ column: String) throws -> Date { SQLiteColumns.date(try value(column, as: Double.self)) }

    func optionalDate(_ column: String) throws -> Date? {
        try optional(column, as: Double.self).map(SQLiteColumns.date)
    }

    func json<T: Decodable>(_ column: String, as type: T.Type) throws -> T {
        let text: String = try value(column)
        do {
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        } catch {
            throw unreadable(column)
        }
    }

    func enumeration<T: RawRepresentable>(_ column: String, as type: T.Type) throws -> T where T.RawValue == String {
        guard let value = T(rawValue: try value(column, as: String.self)) else { throw unreadable(column) }
        return value
    }

    func sealedToken(_ column: String) throws -> SealedToken? {
        guard let text = try optional(column, as: String.self) else { return nil }
        guard let token = SealedToken(text: text) else { throw unreadable(column) }
        return token
    }

    func unreadable(_ column: String) -> ConnectionStoreError {
        ConnectionStoreError("Unreadable value in \(table).\(column)")
    }
}

// MARK: - Models

extension ConnectionRecord {
    init(row: Row) throws {
        let reader = RowReader(row: row, table: "connections")
        let connection = Connection(
            id: try reader.value("id"),
            kind: try reader.enumeration("kind", as: ConnectionKind.self),
            status: try reader.enumeration("status", as: ConnectionStatus.self),
            statusReason: try reader.optional("status_reason"),
            endUserID: try reader.optional("end_user_id"),
            advertiserIDs: try reader.json("advertiser_ids", as: [String].self),
            openID: try reader.optional("open_id"),
            tcmAccountIDs: try reader.json("tcm_account_ids", as: [String].self),
            scopes: try reader.json("scopes", as: [String].self),
            accessTokenExpiresAt: try reader.optionalDate("access_token_expires_at"),
            refreshTokenExpiresAt: try reader.optionalDate("refresh_token_expires_at"),
            lastRefreshedAt: try reader.optionalDate("last_refreshed_at"),
            lastCheckedAt: try reader.optionalDate("last_checked_at"),
            createdAt: try reader.date("created_at"),
            updatedAt: try reader.date("updated_at"))
        self.init(
            connection: connection,
            accessToken: try reader.sealedToken("access_token"),
            refreshToken: try reader.sealedToken("refresh_token"),
            nextActionAt: try reader.optionalDate("next_action_at"),
            failureCount: try reader.value("failure_count"),
            warningsSent: try reader.json("warnings_sent", as: [Int].self),
            version: try reader.value("version"))
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
        ]
    }

    /// The columns ``columnValues()`` sets: every column but `version` and the lease.
    static let columnNames = [
        "id", "kind", "status", "status_reason", "end_user_id", "advertiser_ids", "open_id", "tcm_account_ids",
        "scopes", "access_token_expires_at", "refresh_token_expires_at", "last_refreshed_at", "last_checked_at",
        "created_at", "updated_at", "access_token", "refresh_token", "key_id", "refresh_key_id", "next_action_at",
        "failure_count", "warnings_sent",
    ]
}

extension AuthorizationState {
    init(row: Row) throws {
        let reader = RowReader(row: row, table: "authorization_states")
        self.init(
            stateHash: try reader.value("state_hash"),
            kind: try reader.enumeration("kind", as: ConnectionKind.self),
            redirectURI: try reader.value("redirect_uri"),
            endUserID: try reader.optional("end_user_id"),
            reconnectConnectionID: try reader.optional("reconnect_connection_id"),
            browserBindingHash: try reader.optional("browser_binding_hash"),
            forceConsent: try reader.value("force_consent"),
            redirectAfter: try reader.optional("redirect_after"),
            createdAt: try reader.date("created_at"),
            expiresAt: try reader.date("expires_at"),
            consumedAt: try reader.optionalDate("consumed_at"))
    }
}

extension ConnectionEvent {
    init(row: Row) throws {
        let reader = RowReader(row: row, table: "events")
        self.init(
            sequence: try reader.value("sequence"),
            id: try reader.value("id"),
            type: EventType(rawValue: try reader.value("type")),
            connectionID: try reader.value("connection_id"),
            occurredAt: try reader.date("occurred_at"),
            data: try reader.json("data", as: [String: String].self))
    }
}
