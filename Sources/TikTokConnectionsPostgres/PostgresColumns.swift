internal import Foundation
internal import PostgresNIO
internal import TikTokConnections

/// Conversions between the models and PostgreSQL values.
///
/// Dates are `double precision` unix seconds (`Date.timeIntervalSince1970`), as in the SQLite store, so a date reads
/// back exactly as written. Arrays and dictionaries are JSON text, sealed tokens ``SealedToken/text``.
enum PostgresColumns {
    static func seconds(_ date: Date) -> Double { date.timeIntervalSince1970 }

    static func seconds(_ date: Date?) -> Double? { date.map(seconds) }

    static func date(_ seconds: Double) -> Date { Date(timeIntervalSince1970: seconds) }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw ConnectionStoreError("Could not encode a JSON column")
        }
    }
}

/// Reads one row, turning every failure into a ``ConnectionStoreError`` that names the column but never a value.
struct RowReader {
    let row: PostgresRandomAccessRow
    let table: String

    init(_ row: PostgresRow, table: String) {
        self.row = row.makeRandomAccess()
        self.table = table
    }

    func value<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        guard row.contains(column) else { throw unreadable(column) }
        do {
            return try row[column].decode(T.self, context: .default)
        } catch {
            throw unreadable(column)
        }
    }

    func optional<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T?
    where T._DecodableType == T {
        guard row.contains(column) else { throw unreadable(column) }
        do {
            return try row[column].decode(T?.self, context: .default)
        } catch {
            throw unreadable(column)
        }
    }

    func date(_ column: String) throws -> Date { PostgresColumns.date(try value(column, as: Double.self)) }

    func optionalDate(_ column: String) throws -> Date? {
        try optional(column, as: Double.self).map(PostgresColumns.date)
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
    init(postgresRow: PostgresRow) throws {
        let reader = RowReader(postgresRow, table: "tiktok_business_connections")
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
            failureCount: try reader.value("failure_count", as: Int.self),
            warningsSent: try reader.json("warnings_sent", as: [Int].self),
            version: try reader.value("version", as: Int.self))
    }
}

extension AuthorizationState {
    init(postgresRow: PostgresRow) throws {
        let reader = RowReader(postgresRow, table: "tiktok_business_authorization_states")
        self.init(
            stateHash: try reader.value("state_hash"),
            kind: try reader.enumeration("kind", as: ConnectionKind.self),
            redirectURI: try reader.value("redirect_uri"),
            endUserID: try reader.optional("end_user_id"),
            reconnectConnectionID: try reader.optional("reconnect_connection_id"),
            browserBindingHash: try reader.optional("browser_binding_hash"),
            forceConsent: try reader.value("force_consent", as: Bool.self),
            redirectAfter: try reader.optional("redirect_after"),
            createdAt: try reader.date("created_at"),
            expiresAt: try reader.date("expires_at"),
            consumedAt: try reader.optionalDate("consumed_at"))
    }
}

extension ConnectionEvent {
    init(postgresRow: PostgresRow) throws {
        let reader = RowReader(postgresRow, table: "tiktok_business_events")
        self.init(
            sequence: try reader.value("sequence", as: Int64.self),
            id: try reader.value("id"),
            type: EventType(rawValue: try reader.value("type")),
            connectionID: try reader.value("connection_id"),
            occurredAt: try reader.date("occurred_at"),
            data: try reader.json("data", as: [String: String].self))
    }
}
