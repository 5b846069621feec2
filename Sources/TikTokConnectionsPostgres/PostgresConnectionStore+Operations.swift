public import Foundation
internal import Logging
internal import PostgresNIO
public import TikTokConnections

extension PostgresConnectionStore {
    /// Events of `types` at or after `since`, counted per bucket of `bucketSeconds`.
    public func eventCounts(types: [ConnectionEvent.EventType], since: Date, bucketSeconds: Int) async throws
        -> [BucketCount]
    {
        guard !types.isEmpty, bucketSeconds > 0 else { return [] }
        let raw = types.map(\.rawValue)
        let bucket = Double(bucketSeconds)
        return try await rows(
            "count events",
            """
            SELECT floor(occurred_at / \(bucket)) * \(bucket) AS start, type AS series, COUNT(*) AS count
            FROM tiktok_business_events
            WHERE occurred_at >= \(PostgresColumns.seconds(since)) AND type = ANY(\(raw))
            GROUP BY 1, 2 ORDER BY 1, 2
            """
        ).map { try BucketCount(reading: RowReader($0, table: "tiktok_business_events")) }
    }

    /// Active connections whose refresh token lapses in `[from, to)`, per bucket counted from `from`, by kind.
    public func refreshTokenLapseCounts(from: Date, to: Date, bucketSeconds: Int) async throws -> [BucketCount] {
        guard bucketSeconds > 0 else { return [] }
        let from = PostgresColumns.seconds(from)
        let bucket = Double(bucketSeconds)
        return try await rows(
            "count refresh-token lapses",
            """
            SELECT \(from) + floor((refresh_token_expires_at - \(from)) / \(bucket)) * \(bucket) AS start,
            kind AS series, COUNT(*) AS count FROM tiktok_business_connections
            WHERE status = 'active' AND refresh_token_expires_at >= \(from)
            AND refresh_token_expires_at < \(PostgresColumns.seconds(to))
            GROUP BY 1, 2 ORDER BY 1, 2
            """
        ).map { try BucketCount(reading: RowReader($0, table: "tiktok_business_connections")) }
    }

    /// Records the counts of a status-history bucket (replacing what any instance recorded for it).
    public func recordStatusSnapshot(start: Date, counts: [ConnectionCount]) async throws {
        let start = PostgresColumns.seconds(start)
        let kinds = counts.map(\.kind.rawValue)
        let statuses = counts.map(\.status.rawValue)
        let values = counts.map { Int64($0.count) }
        try await transaction("record the status history") { connection, logger in
            try await connection.query(
                "DELETE FROM tiktok_business_status_history WHERE start = \(start)", logger: logger)
            guard !kinds.isEmpty else { return }
            try await connection.query(
                """
                INSERT INTO tiktok_business_status_history (start, kind, status, count)
                SELECT \(start), kind, status, count FROM unnest(\(kinds)::text[], \(statuses)::text[],
                    \(values)::bigint[]) AS t (kind, status, count)
                ON CONFLICT (start, kind, status) DO UPDATE SET count = excluded.count
                """,
                logger: logger)
        }
    }

    /// The status history from `since`, oldest first; series `kind/status`.
    public func statusHistory(since: Date) async throws -> [BucketCount] {
        try await rows(
            "read the status history",
            """
            SELECT start, kind || '/' || status AS series, count FROM tiktok_business_status_history
            WHERE start >= \(PostgresColumns.seconds(since)) ORDER BY start, kind, status
            """
        ).map { try BucketCount(reading: RowReader($0, table: "tiktok_business_status_history")) }
    }

    /// Deletes status-history rows older than `date`.
    public func deleteStatusHistory(before date: Date) async throws -> Int {
        try await rows(
            "prune the status history",
            "DELETE FROM tiktok_business_status_history WHERE start < \(PostgresColumns.seconds(date)) RETURNING 1"
        ).count
    }

    /// Appends audit entries in one statement.
    public func appendAudit(_ entries: [AuditEntry]) async throws {
        guard !entries.isEmpty else { return }
        let ids = entries.map(\.id)
        let times = entries.map { PostgresColumns.seconds($0.occurredAt) }
        let actions = entries.map(\.action.rawValue)
        let connections = entries.map { $0.connectionID ?? "" }
        let actors = entries.map(\.actor)
        let requests = entries.map { $0.requestID ?? "" }
        let data = try entries.map { try PostgresColumns.json($0.data) }
        _ = try await rows(
            "append to the audit trail",
            """
            INSERT INTO tiktok_business_audit_log (id, occurred_at, action, connection_id, actor, request_id, data)
            SELECT id, occurred_at, action, NULLIF(connection_id, ''), actor, NULLIF(request_id, ''), data
            FROM unnest(\(ids)::text[], \(times)::double precision[], \(actions)::text[], \(connections)::text[],
                \(actors)::text[], \(requests)::text[], \(data)::text[]) WITH ORDINALITY
                AS t (id, occurred_at, action, connection_id, actor, request_id, data, ordinal)
            ORDER BY ordinal
            """)
    }

    /// Audit entries below `sequence`, newest first.
    public func auditEntries(before sequence: Int64?, connectionID: String?, limit: Int) async throws -> [AuditEntry] {
        guard limit > 0 else { return [] }
        return try await rows(
            "read the audit trail",
            """
            SELECT * FROM tiktok_business_audit_log
            WHERE (\(sequence)::bigint IS NULL OR sequence < \(sequence))
            AND (\(connectionID)::text IS NULL OR connection_id = \(connectionID))
            ORDER BY sequence DESC LIMIT \(limit)
            """
        ).map { try AuditEntry(reading: RowReader($0, table: "tiktok_business_audit_log")) }
    }

    /// Deletes up to `limit` audit entries older than `date`, oldest first.
    public func deleteAudit(occurredBefore date: Date, limit: Int) async throws -> Int {
        guard limit > 0 else { return 0 }
        return try await rows(
            "prune the audit trail",
            """
            DELETE FROM tiktok_business_audit_log WHERE sequence IN (
                SELECT sequence FROM tiktok_business_audit_log WHERE occurred_at < \(PostgresColumns.seconds(date))
                ORDER BY occurred_at LIMIT \(limit) FOR UPDATE SKIP LOCKED)
            RETURNING 1
            """
        ).count
    }

    /// Adds proxy-use counts (summing per connection, day and caller), in one statement.
    public func addProxyUsage(_ usage: [ProxyUsage]) async throws {
        guard !usage.isEmpty else { return }
        // Sorted, so that concurrent writers lock the rows in the same order.
        let sorted = usage.sorted { ($0.connectionID, $0.day, $0.actor) < ($1.connectionID, $1.day, $1.actor) }
        let connections = sorted.map(\.connectionID)
        let days = sorted.map(\.day)
        let actors = sorted.map(\.actor)
        let calls = sorted.map { Int64($0.calls) }
        let errors = sorted.map { Int64($0.errors) }
        _ = try await rows(
            "count proxy use",
            """
            INSERT INTO tiktok_business_proxy_usage (connection_id, day, actor, calls, errors)
            SELECT connection_id, day, actor, sum(calls), sum(errors)
            FROM unnest(\(connections)::text[], \(days)::text[], \(actors)::text[], \(calls)::bigint[],
                \(errors)::bigint[]) AS t (connection_id, day, actor, calls, errors)
            GROUP BY connection_id, day, actor ORDER BY connection_id, day, actor
            ON CONFLICT (connection_id, day, actor) DO UPDATE SET
                calls = tiktok_business_proxy_usage.calls + excluded.calls,
                errors = tiktok_business_proxy_usage.errors + excluded.errors
            """)
    }

    /// Proxy use on days from `sinceDay`, newest day first.
    public func proxyUsage(connectionID: String?, sinceDay: String, limit: Int) async throws -> [ProxyUsage] {
        guard limit > 0 else { return [] }
        return try await rows(
            "read proxy use",
            """
            SELECT * FROM tiktok_business_proxy_usage
            WHERE day >= \(sinceDay) AND (\(connectionID)::text IS NULL OR connection_id = \(connectionID))
            ORDER BY day DESC, connection_id, actor LIMIT \(limit)
            """
        ).map { try ProxyUsage(reading: RowReader($0, table: "tiktok_business_proxy_usage")) }
    }

    /// Deletes proxy use of days before `day`.
    public func deleteProxyUsage(beforeDay day: String) async throws -> Int {
        try await rows("prune proxy use", "DELETE FROM tiktok_business_proxy_usage WHERE day < \(day) RETURNING 1")
            .count
    }

    /// Stores a new API key.
    ///
    /// - Throws: ``ConnectionStoreError`` when its id or hash is already stored.
    public func insertAPIKey(_ key: APIKey) async throws {
        let inserted = try await rows(
            "store an API key",
            """
            INSERT INTO tiktok_business_api_keys (id, name, scope, key_hash, created_at, revoked_at)
            VALUES (\(key.id), \(key.name), \(key.scope.rawValue), \(key.keyHash),
                \(PostgresColumns.seconds(key.createdAt)), \(PostgresColumns.seconds(key.revokedAt)))
            ON CONFLICT DO NOTHING RETURNING id
            """)
        guard inserted.count == 1 else {
            throw ConnectionStoreError("An API key with this id or secret already exists")
        }
    }

    /// The key with this hash.
    public func apiKey(hash: String) async throws -> APIKey? {
        try await rows("read an API key", "SELECT * FROM tiktok_business_api_keys WHERE key_hash = \(hash)")
            .first.map { try APIKey(reading: RowReader($0, table: "tiktok_business_api_keys")) }
    }

    /// Every key, oldest first.
    public func apiKeys() async throws -> [APIKey] {
        try await rows("list API keys", "SELECT * FROM tiktok_business_api_keys ORDER BY created_at, id").map {
            try APIKey(reading: RowReader($0, table: "tiktok_business_api_keys"))
        }
    }

    /// Marks a key revoked.
    public func revokeAPIKey(id: String, at date: Date) async throws -> Bool {
        try await rows(
            "revoke an API key",
            """
            UPDATE tiktok_business_api_keys SET revoked_at = \(PostgresColumns.seconds(date))
            WHERE id = \(id) AND revoked_at IS NULL RETURNING id
            """
        ).count == 1
    }
}

extension PostgresConnectionStore {
    /// Stores a new proxy token.
    ///
    /// - Throws: ``ConnectionStoreError`` when its id or hash is already stored.
    public func insertProxyToken(_ token: ProxyToken) async throws {
        let paths = try token.allowedPaths.map { try PostgresColumns.json($0) }
        let inserted = try await rows(
            "store a proxy token",
            """
            INSERT INTO tiktok_business_proxy_tokens (
                id, connection_id, token_hash, allowed_paths, created_at, expires_at, revoked_at, created_by
            ) VALUES (
                \(token.id), \(token.connectionID), \(token.tokenHash), \(paths),
                \(PostgresColumns.seconds(token.createdAt)), \(PostgresColumns.seconds(token.expiresAt)),
                \(PostgresColumns.seconds(token.revokedAt)), \(token.createdBy))
            ON CONFLICT DO NOTHING RETURNING id
            """)
        guard inserted.count == 1 else {
            throw ConnectionStoreError("A proxy token with this id or secret already exists")
        }
    }

    /// The proxy token with this hash.
    public func proxyToken(hash: String) async throws -> ProxyToken? {
        try await rows("read a proxy token", "SELECT * FROM tiktok_business_proxy_tokens WHERE token_hash = \(hash)")
            .first.map { try ProxyToken(reading: RowReader($0, table: "tiktok_business_proxy_tokens")) }
    }

    /// The proxy token with this id.
    public func proxyToken(id: String) async throws -> ProxyToken? {
        try await rows("read a proxy token", "SELECT * FROM tiktok_business_proxy_tokens WHERE id = \(id)")
            .first.map { try ProxyToken(reading: RowReader($0, table: "tiktok_business_proxy_tokens")) }
    }

    /// A connection's proxy tokens, newest first.
    public func proxyTokens(connectionID: String) async throws -> [ProxyToken] {
        try await rows(
            "list proxy tokens",
            """
            SELECT * FROM tiktok_business_proxy_tokens WHERE connection_id = \(connectionID)
            ORDER BY created_at DESC, id
            """
        ).map { try ProxyToken(reading: RowReader($0, table: "tiktok_business_proxy_tokens")) }
    }

    /// Marks a proxy token revoked.
    public func revokeProxyToken(id: String, at date: Date) async throws -> Bool {
        try await rows(
            "revoke a proxy token",
            """
            UPDATE tiktok_business_proxy_tokens SET revoked_at = \(PostgresColumns.seconds(date))
            WHERE id = \(id) AND revoked_at IS NULL RETURNING id
            """
        ).count == 1
    }
}
