import Foundation

/// Reading a stored row, for ``ConnectionStore`` implementations: a store supplies the few typed primitives of its
/// database driver, and the mapping from columns to ``ConnectionRecord``, ``AuthorizationState``,
/// ``ConnectionEvent`` and ``WebhookDelivery`` is shared, so every store reads the same schema the same way.
///
/// Conventions: dates are unix seconds (`double`), arrays and dictionaries JSON text, tokens ``SealedToken/text``.
/// Failures are ``ConnectionStoreError``s that name the column, never its value.
package protocol StoredRowReading {
    /// The table, for error messages.
    var table: String { get }
    /// A non-null text column.
    func string(_ column: String) throws -> String
    /// A nullable text column.
    func optionalString(_ column: String) throws -> String?
    /// A non-null floating-point column.
    func double(_ column: String) throws -> Double
    /// A nullable floating-point column.
    func optionalDouble(_ column: String) throws -> Double?
    /// A non-null integer column.
    func integer(_ column: String) throws -> Int64
    /// A nullable integer column.
    func optionalInteger(_ column: String) throws -> Int64?
    /// A non-null boolean column.
    func bool(_ column: String) throws -> Bool
}

extension StoredRowReading {
    /// The error for a column that could not be read.
    package func unreadable(_ column: String) -> ConnectionStoreError {
        ConnectionStoreError("Unreadable value in \(table).\(column)")
    }

    /// A non-null date column (unix seconds).
    package func date(_ column: String) throws -> Date { StoredColumns.date(try double(column)) }

    /// A nullable date column (unix seconds).
    package func optionalDate(_ column: String) throws -> Date? { try optionalDouble(column).map(StoredColumns.date) }

    /// A JSON text column decoded as `T`.
    package func json<T: Decodable>(_ column: String, as type: T.Type) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(try string(column).utf8))
        } catch {
            throw unreadable(column)
        }
    }

    /// A text column holding a raw value of `T`.
    package func enumeration<T: RawRepresentable>(_ column: String, as type: T.Type) throws -> T
    where T.RawValue == String {
        guard let value = T(rawValue: try string(column)) else { throw unreadable(column) }
        return value
    }

    /// A nullable column holding ``SealedToken/text``.
    package func sealedToken(_ column: String) throws -> SealedToken? {
        guard let text = try optionalString(column) else { return nil }
        guard let token = SealedToken(text: text) else { throw unreadable(column) }
        return token
    }
}

/// Conversions between model values and stored columns, shared by the stores.
package enum StoredColumns {
    /// Unix seconds.
    package static func seconds(_ date: Date) -> Double { date.timeIntervalSince1970 }

    /// Unix seconds, or `nil`.
    package static func seconds(_ date: Date?) -> Double? { date.map(seconds) }

    /// The date of unix seconds.
    package static func date(_ seconds: Double) -> Date { Date(timeIntervalSince1970: seconds) }

    /// A JSON array of strings (empty when the text is not one).
    package static func stringArray(_ text: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }

    /// Compact JSON text with sorted keys.
    package static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw ConnectionStoreError("Could not encode a JSON column")
        }
    }
}

extension ConnectionRecord {
    /// Reads a row of the connections table.
    package init(reading reader: some StoredRowReading) throws {
        let connection = Connection(
            id: try reader.string("id"),
            kind: try reader.enumeration("kind", as: ConnectionKind.self),
            status: try reader.enumeration("status", as: ConnectionStatus.self),
            statusReason: try reader.optionalString("status_reason"),
            endUserID: try reader.optionalString("end_user_id"),
            advertiserIDs: try reader.json("advertiser_ids", as: [String].self),
            openID: try reader.optionalString("open_id"),
            tcmAccountIDs: try reader.json("tcm_account_ids", as: [String].self),
            scopes: try reader.json("scopes", as: [String].self),
            accessTokenExpiresAt: try reader.optionalDate("access_token_expires_at"),
            refreshTokenExpiresAt: try reader.optionalDate("refresh_token_expires_at"),
            lastRefreshedAt: try reader.optionalDate("last_refreshed_at"),
            lastCheckedAt: try reader.optionalDate("last_checked_at"),
            displayName: try reader.optionalString("display_name"),
            names: try reader.json("names", as: [String: String].self),
            avatarURL: try reader.optionalString("avatar_url"),
            failingSince: try reader.optionalDate("failing_since"),
            createdAt: try reader.date("created_at"),
            updatedAt: try reader.date("updated_at"))
        self.init(
            connection: connection,
            accessToken: try reader.sealedToken("access_token"),
            refreshToken: try reader.sealedToken("refresh_token"),
            nextActionAt: try reader.optionalDate("next_action_at"),
            failureCount: Int(try reader.integer("failure_count")),
            warningsSent: try reader.json("warnings_sent", as: [Int].self),
            version: Int(try reader.integer("version")))
    }
}

extension AuthorizationState {
    /// Reads a row of the authorization states table.
    package init(reading reader: some StoredRowReading) throws {
        self.init(
            stateHash: try reader.string("state_hash"),
            kind: try reader.enumeration("kind", as: ConnectionKind.self),
            redirectURI: try reader.string("redirect_uri"),
            endUserID: try reader.optionalString("end_user_id"),
            reconnectConnectionID: try reader.optionalString("reconnect_connection_id"),
            browserBindingHash: try reader.optionalString("browser_binding_hash"),
            forceConsent: try reader.bool("force_consent"),
            redirectAfter: try reader.optionalString("redirect_after"),
            createdAt: try reader.date("created_at"),
            expiresAt: try reader.date("expires_at"),
            consumedAt: try reader.optionalDate("consumed_at"))
    }
}

extension ConnectionEvent {
    /// Reads a row of the events table.
    package init(reading reader: some StoredRowReading) throws {
        self.init(
            sequence: try reader.integer("sequence"),
            id: try reader.string("id"),
            type: EventType(rawValue: try reader.string("type")),
            connectionID: try reader.string("connection_id"),
            occurredAt: try reader.date("occurred_at"),
            data: try reader.json("data", as: [String: String].self))
    }
}

extension WebhookDelivery {
    /// Reads a row of the webhook deliveries table joined with its event: the events table's columns (`sequence`,
    /// `id`, `type`, `connection_id`, `occurred_at`, `data`) and the delivery's (`state`, `attempts`,
    /// `created_at`, `next_attempt_at`, `first_attempt_at`, `last_attempt_at`, `last_status_code`, `last_error`,
    /// `delivered_at`).
    package init(reading reader: some StoredRowReading) throws {
        self.init(
            event: try ConnectionEvent(reading: reader),
            state: try reader.enumeration("state", as: State.self),
            attempts: Int(try reader.integer("attempts")),
            createdAt: try reader.date("created_at"),
            nextAttemptAt: try reader.optionalDate("next_attempt_at"),
            firstAttemptAt: try reader.optionalDate("first_attempt_at"),
            lastAttemptAt: try reader.optionalDate("last_attempt_at"),
            lastStatusCode: try reader.optionalInteger("last_status_code").map { Int($0) },
            lastError: try reader.optionalString("last_error"),
            deliveredAt: try reader.optionalDate("delivered_at"))
    }
}

extension AuditEntry {
    /// Reads a row of the audit log table.
    package init(reading reader: some StoredRowReading) throws {
        self.init(
            sequence: try reader.integer("sequence"),
            id: try reader.string("id"),
            occurredAt: try reader.date("occurred_at"),
            action: Action(rawValue: try reader.string("action")),
            connectionID: try reader.optionalString("connection_id"),
            actor: try reader.string("actor"),
            requestID: try reader.optionalString("request_id"),
            data: try reader.json("data", as: [String: String].self))
    }
}

extension ProxyUsage {
    /// Reads a row of the proxy usage table.
    package init(reading reader: some StoredRowReading) throws {
        self.init(
            connectionID: try reader.string("connection_id"), day: try reader.string("day"),
            actor: try reader.string("actor"), calls: Int(try reader.integer("calls")),
            errors: Int(try reader.integer("errors")))
    }
}

extension APIKey {
    /// Reads a row of the API keys table.
    package init(reading reader: some StoredRowReading) throws {
        self.init(
            id: try reader.string("id"), name: try reader.string("name"),
            scope: try reader.enumeration("scope", as: Scope.self), keyHash: try reader.string("key_hash"),
            createdAt: try reader.date("created_at"), revokedAt: try reader.optionalDate("revoked_at"))
    }
}

extension BucketCount {
    /// Reads a row with `start` (unix seconds), `series` and `count` columns.
    package init(reading reader: some StoredRowReading) throws {
        self.init(
            start: try reader.date("start"), series: try reader.string("series"),
            count: Int(try reader.integer("count")))
    }
}

extension ProxyToken {
    /// Reads a row of the proxy tokens table.
    package init(reading reader: some StoredRowReading) throws {
        self.init(
            id: try reader.string("id"), connectionID: try reader.string("connection_id"),
            tokenHash: try reader.string("token_hash"),
            allowedPaths: try reader.optionalString("allowed_paths") == nil
                ? nil : try reader.json("allowed_paths", as: [String].self),
            createdAt: try reader.date("created_at"), expiresAt: try reader.optionalDate("expires_at"),
            revokedAt: try reader.optionalDate("revoked_at"), createdBy: try reader.string("created_by"))
    }
}
