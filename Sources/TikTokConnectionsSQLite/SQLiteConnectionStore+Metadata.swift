public import Foundation
internal import GRDB
public import TikTokConnections

extension SQLiteConnectionStore {
    static let identityKey = "app_identity"

    /// The TikTok app this database serves, or `nil` when none is recorded yet.
    public func vaultIdentity() async throws -> VaultIdentity? {
        let text = try await read("read the app identity") { db in
            try String.fetchOne(
                db, SQLRequest(literal: "SELECT value FROM vault_metadata WHERE key = \(Self.identityKey)"))
        }
        return try text.map(VaultIdentity.init(storedText:))
    }

    /// Records `identity` if the stored one is still `expected`.
    public func recordVaultIdentity(_ identity: VaultIdentity, replacing expected: VaultIdentity?) async throws -> Bool
    {
        let text = identity.storedText
        return try await write("record the app identity") { db in
            let stored = try String.fetchOne(
                db, SQLRequest(literal: "SELECT value FROM vault_metadata WHERE key = \(Self.identityKey)"))
            guard try stored.map(VaultIdentity.init(storedText:)) == expected else { return false }
            try db.execute(
                literal: """
                    INSERT INTO vault_metadata (key, value) VALUES (\(Self.identityKey), \(text))
                    ON CONFLICT (key) DO UPDATE SET value = excluded.value
                    """)
            return true
        }
    }

    /// How many sealed tokens each key id seals.
    public func sealedTokenCounts() async throws -> [String: Int] {
        try await read("count sealed tokens by key") { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT key_id AS kid, COUNT(*) AS n FROM connections WHERE access_token IS NOT NULL GROUP BY key_id
                    UNION ALL
                    SELECT refresh_key_id AS kid, COUNT(*) AS n FROM connections
                    WHERE refresh_token IS NOT NULL GROUP BY refresh_key_id
                    """)
            var counts: [String: Int] = [:]
            for row in rows {
                let id: String? = row["kid"]
                let count: Int = row["n"]
                counts[id ?? "", default: 0] += count
            }
            return counts
        }
    }

    /// Whether any connection exists.
    public func hasConnections() async throws -> Bool {
        try await read("check for connections") { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM connections)") ?? false
        }
    }

    /// Records an instance's report.
    public func recordInstance(_ instance: VaultInstance) async throws {
        let keys = try SQLiteColumns.json(instance.keyIDs)
        let seen = SQLiteColumns.seconds(instance.seenAt)
        try await write("record an instance") { db in
            try db.execute(
                literal: """
                    INSERT INTO vault_instances (id, sealing_key_id, key_ids, seen_at)
                    VALUES (\(instance.id), \(instance.sealingKeyID), \(keys), \(seen))
                    ON CONFLICT (id) DO UPDATE SET
                        sealing_key_id = excluded.sealing_key_id, key_ids = excluded.key_ids, seen_at = excluded.seen_at
                    """)
        }
    }

    /// Instances that reported at or after `date`.
    public func instances(seenSince date: Date) async throws -> [VaultInstance] {
        let since = SQLiteColumns.seconds(date)
        return try await read("list instances") { db in
            try Row.fetchAll(
                db, SQLRequest(literal: "SELECT * FROM vault_instances WHERE seen_at >= \(since) ORDER BY id")
            ).map { row in
                let reader = RowReader(row: row, table: "vault_instances")
                return VaultInstance(
                    id: try reader.string("id"), sealingKeyID: try reader.string("sealing_key_id"),
                    keyIDs: StoredColumns.stringArray(try reader.string("key_ids")),
                    seenAt: Date(timeIntervalSince1970: try reader.double("seen_at")))
            }
        }
    }

    /// Removes the reports of instances not seen since `date`.
    public func removeInstances(seenBefore date: Date) async throws -> Int {
        let before = SQLiteColumns.seconds(date)
        return try await write("remove stale instances") { db in
            try db.execute(literal: "DELETE FROM vault_instances WHERE seen_at < \(before)")
            return db.changesCount
        }
    }

    /// Removes an instance's report.
    public func removeInstance(id: String) async throws {
        try await write("remove an instance") { db in
            try db.execute(literal: "DELETE FROM vault_instances WHERE id = \(id)")
        }
    }
}
