import Foundation
import TikTokBusiness
import TikTokConnections

/// The public JSON shapes of the management API (snake_case; ids as strings; never a token).
enum ConnectionJSON {
    static func date(_ date: Date?) -> JSONValue {
        guard let date else { return .null }
        return .string(timestamp(date))
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    static func optional(_ text: String?) -> JSONValue { text.map { .string($0) } ?? .null }

    static func connection(_ connection: Connection, health: ConnectionHealth) -> JSONValue {
        let expiring = connection.kind.hasExpiringTokens
        return .object([
            "display_name": optional(connection.displayName),
            "names": .object(connection.names.mapValues { .string($0) }),
            "avatar_url": optional(connection.avatarURL),
            "health": .string(health.rawValue),
            "failing_since": date(connection.failingSince),
            "id": .string(connection.id),
            "kind": .string(connection.kind.rawValue),
            "status": .string(connection.status.rawValue),
            "status_reason": optional(connection.statusReason),
            "end_user_id": optional(connection.endUserID),
            "advertiser_ids": connection.kind.usesAdvertiserFlow ? .strings(connection.advertiserIDs) : .null,
            "open_id": optional(connection.openID),
            "tto_tcm_account_ids": connection.kind == .tcmAccount ? .strings(connection.tcmAccountIDs) : .null,
            "scopes": .strings(connection.scopes),
            "access_token_expires_at": expiring ? date(connection.accessTokenExpiresAt) : .null,
            "refresh_token_expires_at": expiring ? date(connection.refreshTokenExpiresAt) : .null,
            "last_refreshed_at": date(connection.lastRefreshedAt),
            "last_checked_at": date(connection.lastCheckedAt),
            "created_at": date(connection.createdAt),
            "updated_at": date(connection.updatedAt),
        ])
    }

    /// An event; with `webhooks`, its `webhook` delivery state too (`null` when it was never in the outbox, being
    /// older than webhooks on this database).
    static func event(_ event: ConnectionEvent, webhooks: [Int64: WebhookDelivery]? = nil) -> JSONValue {
        var object = event.jsonFields
        if let webhooks {
            object["webhook"] = webhooks[event.sequence].map(delivery) ?? .null
        }
        return .object(object)
    }

    /// A webhook delivery's state: `pending` (with the next attempt), `delivered` or `failed`.
    static func delivery(_ delivery: WebhookDelivery) -> JSONValue {
        .object([
            "state": .string(delivery.state.rawValue),
            "attempts": .number(String(delivery.attempts)),
            "last_attempt_at": date(delivery.lastAttemptAt),
            "last_status_code": delivery.lastStatusCode.map { .number(String($0)) } ?? .null,
            "last_error": optional(delivery.lastError),
            "next_attempt_at": delivery.state == .pending ? date(delivery.nextAttemptAt) : .null,
            "delivered_at": date(delivery.deliveredAt),
        ])
    }

    /// An audit entry.
    static func audit(_ entry: AuditEntry) -> JSONValue {
        .object([
            "id": .string(entry.id),
            "sequence": .number(String(entry.sequence)),
            "occurred_at": .string(timestamp(entry.occurredAt)),
            "action": .string(entry.action.rawValue),
            "connection_id": optional(entry.connectionID),
            "actor": .string(entry.actor),
            "request_id": optional(entry.requestID),
            "data": .object(entry.data.mapValues { .string($0) }),
        ])
    }

    /// A day's proxy use by one caller with one connection.
    static func usage(_ usage: ProxyUsage) -> JSONValue {
        .object([
            "connection_id": .string(usage.connectionID), "day": .string(usage.day), "actor": .string(usage.actor),
            "calls": .number(String(usage.calls)), "errors": .number(String(usage.errors)),
        ])
    }

    /// An API key, without its secret.
    static func apiKey(_ key: APIKey) -> JSONValue {
        .object([
            "id": .string(key.id), "name": .string(key.name), "scope": .string(key.scope.rawValue),
            "created_at": .string(timestamp(key.createdAt)), "revoked_at": date(key.revokedAt),
        ])
    }
}
