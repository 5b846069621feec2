public import Foundation
internal import GRDB
public import TikTokConnections

extension SQLiteConnectionStore {
    /// Events of `types` at or after `since`, counted per bucket of `bucketSeconds`.
    public func eventCounts(types: [ConnectionEvent.EventType], since: Date, bucketSeconds: Int) async throws
        -> [BucketCount]
    {
        guard !types.isEmpty, bucketSeconds > 0 else { return [] }
        let raw = types.map(\.rawValue)
        let since = SQLiteColumns.seconds(since)
        return try await read("count events") { db in
            try Row.fetchAll(
                db,
                SQLRequest(
                    literal: """
                        SELECT CAST(occurred_at / \(bucketSeconds) AS INTEGER) * \(bucketSeconds) AS start,
                        type AS series, COUNT(*) AS count FROM events
                        WHERE occurred_at >= \(since) AND type IN \(raw)
                        GROUP BY 1, 2 ORDER BY 1, 2
                        """)
            ).map { try BucketCount(reading: RowReader(row: $0, table: "events")) }
        }
    }

    /// Active connections whose refresh token lapses in `[from, to)`, per bucket counted from `from`, by kind.
    public func refreshTokenLapseCounts(from: Date, to: Date, bucketSeconds: Int) async throws -> [BucketCount] {
        guard bucketSeconds > 0 else { return [] }
        let from = SQLiteColumns.seconds(from)
        let to = SQLiteColumns.seconds(to)
        return try await read("count refresh-token lapses") { db in
            try Row.fetchAll(
                db,
                SQLRequest(
                    literal: """
                        SELECT \(from) + CAST((refresh_token_expires_at - \(from)) / \(bucketSeconds) AS INTEGER)
                        * \(bucketSeconds) AS start, kind AS series, COUNT(*) AS count FROM connections
                        WHERE status = 'active' AND refresh_token_expires_at >= \(from)
                        AND refresh_token_expires_at < \(to)
                        GROUP BY 1, 2 ORDER BY 1, 2
                        """)
            ).map { try BucketCount(reading: RowReader(row: $0, table: "connections")) }
        }
    }

    /// Records the counts of a status-history bucket (replacing what any instance recorded for it).
    public func recordStatusSnapshot(start: Date, counts: [ConnectionCount]) async throws {
        let start = SQLiteColumns.seconds(start)
        try await write("record the status history") { db in
            try db.execute(literal: "DELETE FROM status_history WHERE start = \(start)")
            let insert = try db.cachedStatement(
                sql: "INSERT INTO status_history (start, kind, status, count) VALUES (?, ?, ?, ?)")
            for count in counts {
                try insert.execute(arguments: [start, count.kind.rawValue, count.status.rawValue, count.count])
            }
        }
    }

    /// The status history from `since`, oldest first; series `kind/status`.
    public func statusHistory(since: Date) async throws -> [BucketCount] {
        let since = SQLiteColumns.seconds(since)
        return try await read("read the status history") { db in
            try Row.fetchAll(
                db,
                SQLRequest(
                    literal: """
                        SELECT start, kind || '/' || status AS series, count FROM status_history
                        WHERE start >= \(since) ORDER BY start, kind, status
                        """)
            ).map { try BucketCount(reading: RowReader(row: $0, table: "status_history")) }
        }
    }

    /// Deletes status-history rows older than `date`.
    public func deleteStatusHistory(before date: Date) async throws -> Int {
        let date = SQLiteColumns.seconds(date)
        return try await write("prune the status history") { db in
            try db.execute(literal: "DELETE FROM status_history WHERE start < \(date)")
            return db.changesCount
        }
    }

    /// Appends audit entries in one transaction.
    public func appendAudit(_ entries: [AuditEntry]) async throws {
        guard !entries.isEmpty else { return }
        try await write("append to the audit trail") { db in
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO audit_log (id, occurred_at, action, connection_id, actor, request_id, data)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """)
            for entry in entries {
                try insert.execute(arguments: [
                    entry.id, SQLiteColumns.seconds(entry.occurredAt), entry.action.rawValue, entry.connectionID,
                    entry.actor, entry.requestID, try SQLiteColumns.json(entry.data),
                ])
            }
        }
    }

    /// Audit entries below `sequence`, newest first.
    public func auditEntries(before sequence: Int64?, connectionID: String?, limit: Int) async throws -> [AuditEntry] {
        guard limit > 0 else { return [] }
        return try await read("read the audit trail") { db in
            var sql: SQL = "SELECT * FROM audit_log WHERE 1"
            if let sequence { sql.append(literal: " AND sequence < \(sequence)") }
            if let connectionID { sql.append(literal: " AND connection_id = \(connectionID)") }
            sql.append(literal: " ORDER BY sequence DESC LIMIT \(limit)")
            return try Row.fetchAll(db, SQLRequest(literal: sql)).map {
                try AuditEntry(reading: RowReader(row: $0, table: "audit_log"))
            }
        }
    }

    /// Deletes up to `limit` audit entries older than `date`, oldest first.
    public func deleteAudit(occurredBefore date: Date, limit: Int) async throws -> Int {
        guard limit > 0 else { return 0 }
        let date = SQLiteColumns.seconds(date)
        return try await write("prune the audit trail") { db in
            try db.execute(
                literal: """
                    DELETE FROM audit_log WHERE sequence IN (
                        SELECT sequence FROM audit_log WHERE occurred_at < \(date) ORDER BY occurred_at LIMIT \(limit))
                    """)
            return db.changesCount
        }
    }

    /// Adds proxy-use counts (summing per connection, day and caller).
    public func addProxyUsage(_ usage: [ProxyUsage]) async throws {
        guard !usage.isEmpty else { return }
        try await write("count proxy use") { db in
            let upsert = try db.cachedStatement(
                sql: """
                    INSERT INTO proxy_usage (connection_id, day, actor, calls, errors) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (connection_id, day, actor)
                    DO UPDATE SET calls = calls + excluded.calls, errors = errors + excluded.errors
                    """)
            for item in usage {
                try upsert.execute(arguments: [item.connectionID, item.day, item.actor, item.calls, item.errors])
            }
        }
    }

    /// Proxy use on days from `sinceDay`, newest day first.
    public func proxyUsage(connectionID: String?, sinceDay: String, limit: Int) async throws -> [ProxyUsage] {
        guard limit > 0 else { return [] }
        return try await read("read proxy use") { db in
            var sql: SQL = "SELECT * FROM proxy_usage WHERE day >= \(sinceDay)"
            if let connectionID { sql.append(literal: " AND connection_id = \(connectionID)") }
            sql.append(literal: " ORDER BY day DESC, connection_id, actor LIMIT \(limit)")
            return try Row.fetchAll(db, SQLRequest(literal: sql)).map {
                try ProxyUsage(reading: RowReader(row: $0, table: "proxy_usage"))
            }
        }
    }

    /// Deletes proxy use of days before `day`.
    public func deleteProxyUsage(beforeDay day: String) async throws -> Int {
        try await write("prune proxy use") { db in
            try db.execute(literal: "DELETE FROM proxy_usage WHERE day < \(day)")
            return db.changesCount
        }
    }

    /// Stores a new API key.
    ///
    /// - Throws: ``ConnectionStoreError`` when its id or hash is already stored.
    public func insertAPIKey(_ key: APIKey) async throws {
        try await write("store an API key") { db in
            do {
                try db.execute(
                    literal: """
                        INSERT INTO api_keys (id, name, scope, key_hash, created_at, revoked_at) VALUES (
                            \(key.id), \(key.name), \(key.scope.rawValue), \(key.keyHash),
                            \(SQLiteColumns.seconds(key.createdAt)), \(SQLiteColumns.seconds(key.revokedAt)))
                        """)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw ConnectionStoreError("An API key with this id or secret already exists")
            }
        }
    }

    /// The key with this hash.
    public func apiKey(hash: String) async throws -> APIKey? {
        try await read("read an API key") { db in
            try Row.fetchOne(
                try db.cachedStatement(sql: "SELECT * FROM api_keys WHERE key_hash = ?"), arguments: [hash]
            )
            .map { try APIKey(reading: RowReader(row: $0, table: "api_keys")) }
        }
    }

    /// Every key, oldest first.
    public func apiKeys() async throws -> [APIKey] {
        try await read("list API keys") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM api_keys ORDER BY created_at, id").map {
                try APIKey(reading: RowReader(row: $0, table: "api_keys"))
            }
        }
    }

    /// Marks a key revoked.
    public func revokeAPIKey(id: String, at date: Date) async throws -> Bool {
        let date = SQLiteColumns.seconds(date)
        return try await write("revoke an API key") { db in
            try db.execute(literal: "UPDATE api_keys SET revoked_at = \(date) WHERE id = \(id) AND revoked_at IS NULL")
            return db.changesCount == 1
        }
    }
}

extension SQLiteConnectionStore {
    /// Stores a new proxy token.
    ///
    /// - Throws: ``ConnectionStoreError`` when its id or hash is already stored.
    public func insertProxyToken(_ token: ProxyToken) async throws {
        let paths = try token.allowedPaths.map { try SQLiteColumns.json($0) }
        try await write("store a proxy token") { db in
            do {
                try db.execute(
                    literal: """
                        INSERT INTO proxy_tokens (
                            id, connection_id, token_hash, allowed_paths, created_at, expires_at, revoked_at, created_by
                        ) VALUES (
                            \(token.id), \(token.connectionID), \(token.tokenHash), \(paths),
                            \(SQLiteColumns.seconds(token.createdAt)), \(SQLiteColumns.seconds(token.expiresAt)),
                            \(SQLiteColumns.seconds(token.revokedAt)), \(token.createdBy))
                        """)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw ConnectionStoreError("A proxy token with this id or secret already exists")
            }
        }
    }

    /// The proxy token with this hash.
    public func proxyToken(hash: String) async throws -> ProxyToken? {
        try await read("read a proxy token") { db in
            try Row.fetchOne(
                try db.cachedStatement(sql: "SELECT * FROM proxy_tokens WHERE token_hash = ?"), arguments: [hash]
            ).map { try ProxyToken(reading: RowReader(row: $0, table: "proxy_tokens")) }
        }
    }

    /// The proxy token with this id.
    public func proxyToken(id: String) async throws -> ProxyToken? {
        try await read("read a proxy token") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM proxy_tokens WHERE id = ?", arguments: [id])
                .map { try ProxyToken(reading: RowReader(row: $0, table: "proxy_tokens")) }
        }
    }

    /// A connection's proxy tokens, newest first.
    public func proxyTokens(connectionID: String) async throws -> [ProxyToken] {
        try await read("list proxy tokens") { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM proxy_tokens WHERE connection_id = ? ORDER BY created_at DESC, id",
                arguments: [connectionID]
            ).map { try ProxyToken(reading: RowReader(row: $0, table: "proxy_tokens")) }
        }
    }

    /// Marks a proxy token revoked.
    public func revokeProxyToken(id: String, at date: Date) async throws -> Bool {
        let date = SQLiteColumns.seconds(date)
        return try await write("revoke a proxy token") { db in
            try db.execute(
                literal: "UPDATE proxy_tokens SET revoked_at = \(date) WHERE id = \(id) AND revoked_at IS NULL")
            return db.changesCount == 1
        }
    }
}
