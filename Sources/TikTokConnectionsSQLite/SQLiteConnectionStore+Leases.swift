public import Foundation
internal import GRDB
public import TikTokConnections

extension SQLiteConnectionStore {
    /// Leases up to `limit` due connections (`nextActionAt <= now`, lease free or expired before `now`) to `owner`
    /// until `leaseUntil`, earliest `nextActionAt` first.
    ///
    /// The selection and the lease happen in one write transaction, and SQLite runs one writer at a time, so two
    /// claimers (in this process or another) never get the same connection while a lease holds.
    public func claimDue(now: Date, limit: Int, owner: String, leaseUntil: Date) async throws -> [ConnectionRecord] {
        guard limit > 0 else { return [] }
        let now = SQLiteColumns.seconds(now)
        let leaseUntil = SQLiteColumns.seconds(leaseUntil)
        return try await write("claim due connections") { db in
            let records = try Self.fetchRecords(
                db,
                """
                SELECT * FROM connections
                WHERE next_action_at <= \(now) AND (lease_until IS NULL OR lease_until < \(now))
                ORDER BY next_action_at, id LIMIT \(limit)
                """)
            if !records.isEmpty {
                try db.execute(
                    literal: """
                        UPDATE connections SET lease_owner = \(owner), lease_until = \(leaseUntil)
                        WHERE id IN \(records.map(\.id))
                        """)
            }
            return records
        }
    }

    /// Leases one connection to `owner` until `leaseUntil` if its lease is free, expired before `now`, or already
    /// `owner`'s (then it is extended).
    ///
    /// - Returns: The record when the lease was taken; `nil` when another owner holds it or the connection is gone.
    public func claim(id: String, now: Date, owner: String, leaseUntil: Date) async throws -> ConnectionRecord? {
        let now = SQLiteColumns.seconds(now)
        let leaseUntil = SQLiteColumns.seconds(leaseUntil)
        return try await write("claim a connection") { db in
            try db.cachedStatement(
                sql: """
                    UPDATE connections SET lease_owner = ?, lease_until = ?
                    WHERE id = ? AND (lease_until IS NULL OR lease_until < ? OR lease_owner = ?)
                    """
            ).execute(arguments: [owner, leaseUntil, id, now, owner])
            guard db.changesCount == 1 else { return nil }
            return try Self.fetchRecord(db, id: id)
        }
    }

    /// Releases `owner`'s lease on a connection; does nothing when another owner holds it or none does.
    public func releaseLease(id: String, owner: String) async throws {
        try await write("release a lease") { db in
            try db.execute(
                literal: """
                    UPDATE connections SET lease_owner = NULL, lease_until = NULL
                    WHERE id = \(id) AND lease_owner = \(owner)
                    """)
        }
    }

    /// The earliest `nextActionAt` among all connections (leased or not), or `nil` when none has one.
    public func nextActionDate() async throws -> Date? {
        try await read("read the next action date") { db in
            try Double.fetchOne(db, sql: "SELECT MIN(next_action_at) FROM connections").map(SQLiteColumns.date)
        }
    }

    /// Up to `limit` connections, ordered by id, that hold a token sealed with a key other than `keyID`.
    public func records(notSealedWith keyID: String, limit: Int) async throws -> [ConnectionRecord] {
        guard limit > 0 else { return [] }
        return try await read("list connections to re-seal") { db in
            try Self.fetchRecords(
                db,
                """
                SELECT * FROM connections WHERE key_id <> \(keyID) OR refresh_key_id <> \(keyID)
                ORDER BY id LIMIT \(limit)
                """)
        }
    }
}
