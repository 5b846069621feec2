public import Foundation
internal import PostgresNIO
public import TikTokConnections

extension PostgresConnectionStore {
    static let identityKey = "app_identity"

    /// The TikTok app this database serves, or `nil` when none is recorded yet.
    public func vaultIdentity() async throws -> VaultIdentity? {
        let rows = try await rows(
            "read the app identity", "SELECT value FROM tiktok_business_metadata WHERE key = \(Self.identityKey)")
        guard let row = rows.first else { return nil }
        let text: String = try RowReader(row, table: "tiktok_business_metadata").value("value")
        return try VaultIdentity(storedText: text)
    }

    /// Records `identity` if the stored one is still `expected` (checked and written under a row lock).
    public func recordVaultIdentity(_ identity: VaultIdentity, replacing expected: VaultIdentity?) async throws -> Bool
    {
        let text = identity.storedText
        let key = Self.identityKey
        return try await transaction("record the app identity") { connection, logger in
            // Serialize concurrent first starts: the advisory lock covers the case where no row exists yet.
            try await connection.query(
                "SELECT pg_advisory_xact_lock(\(Self.migrationLockKey))", logger: logger)
            let rows = try await connection.query(
                "SELECT value FROM tiktok_business_metadata WHERE key = \(key)", logger: logger
            ).collect()
            let stored = try rows.first.map {
                try VaultIdentity(storedText: try RowReader($0, table: "tiktok_business_metadata").value("value"))
            }
            guard stored == expected else { return false }
            try await connection.query(
                """
                INSERT INTO tiktok_business_metadata (key, value) VALUES (\(key), \(text))
                ON CONFLICT (key) DO UPDATE SET value = excluded.value
                """, logger: logger)
            return true
        }
    }

    /// How many sealed tokens each key id seals.
    public func sealedTokenCounts() async throws -> [String: Int] {
        let rows = try await rows(
            "count sealed tokens by key",
            """
            SELECT key_id AS kid, COUNT(*) AS n FROM tiktok_business_connections
            WHERE access_token IS NOT NULL GROUP BY key_id
            UNION ALL
            SELECT refresh_key_id AS kid, COUNT(*) AS n FROM tiktok_business_connections
            WHERE refresh_token IS NOT NULL GROUP BY refresh_key_id
            """)
        var counts: [String: Int] = [:]
        for row in rows {
            let reader = RowReader(row, table: "tiktok_business_connections")
            let id: String? = try reader.optional("kid")
            let count: Int64 = try reader.value("n")
            counts[id ?? "", default: 0] += Int(count)
        }
        return counts
    }

    /// Whether any connection exists.
    public func hasConnections() async throws -> Bool {
        try await !rows("check for connections", "SELECT 1 FROM tiktok_business_connections LIMIT 1").isEmpty
    }

    /// Records an instance's report.
    public func recordInstance(_ instance: VaultInstance) async throws {
        let keys = try StoredColumns.json(instance.keyIDs)
        _ = try await rows(
            "record an instance",
            """
            INSERT INTO tiktok_business_instances (id, sealing_key_id, key_ids, seen_at)
            VALUES (\(instance.id), \(instance.sealingKeyID), \(keys), \(PostgresColumns.seconds(instance.seenAt)))
            ON CONFLICT (id) DO UPDATE SET
                sealing_key_id = excluded.sealing_key_id, key_ids = excluded.key_ids, seen_at = excluded.seen_at
            """)
    }

    /// Instances that reported at or after `date`.
    public func instances(seenSince date: Date) async throws -> [VaultInstance] {
        try await rows(
            "list instances",
            """
            SELECT * FROM tiktok_business_instances WHERE seen_at >= \(PostgresColumns.seconds(date)) ORDER BY id
            """
        ).map { row in
            let reader = RowReader(row, table: "tiktok_business_instances")
            return VaultInstance(
                id: try reader.value("id"), sealingKeyID: try reader.value("sealing_key_id"),
                keyIDs: StoredColumns.stringArray(try reader.value("key_ids")),
                seenAt: Date(timeIntervalSince1970: try reader.value("seen_at")))
        }
    }

    /// Removes the reports of instances not seen since `date`.
    public func removeInstances(seenBefore date: Date) async throws -> Int {
        try await rows(
            "remove stale instances",
            """
            DELETE FROM tiktok_business_instances WHERE seen_at < \(PostgresColumns.seconds(date)) RETURNING id
            """
        ).count
    }

    /// Removes an instance's report.
    public func removeInstance(id: String) async throws {
        _ = try await rows("remove an instance", "DELETE FROM tiktok_business_instances WHERE id = \(id)")
    }
}
