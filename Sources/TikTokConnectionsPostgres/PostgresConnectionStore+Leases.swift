public import Foundation
internal import PostgresNIO
public import TikTokConnections

extension PostgresConnectionStore {
    /// Leases up to `limit` due connections (`nextActionAt <= now`, lease free or expired before `now`) to `owner`
    /// until `leaseUntil`, earliest `nextActionAt` first.
    ///
    /// One transaction selects the rows `FOR UPDATE SKIP LOCKED` and sets their lease: concurrent claimers, in any
    /// number of instances, skip each other's rows instead of waiting, and never get the same connection while a
    /// lease holds.
    public func claimDue(now: Date, limit: Int, owner: String, leaseUntil: Date) async throws -> [ConnectionRecord] {
        guard limit > 0 else { return [] }
        let lease = leaseTimes(now: now, leaseUntil: leaseUntil)
        let now = PostgresColumns.seconds(now)
        return try await transaction("claim due connections") { connection, logger in
            var records: [ConnectionRecord] = []
            for try await row in try await connection.query(
                """
                SELECT * FROM tiktok_business_connections
                WHERE next_action_at <= \(now)
                AND (lease_until IS NULL OR lease_until < COALESCE(\(lease.now)::double precision, \(unescaped: Self.databaseNow)))
                ORDER BY next_action_at, id LIMIT \(limit)
                FOR UPDATE SKIP LOCKED
                """,
                logger: logger)
            {
                records.append(try ConnectionRecord(postgresRow: row))
            }
            if !records.isEmpty {
                try await connection.query(
                    """
                    UPDATE tiktok_business_connections SET lease_owner = \(owner),
                        lease_until = COALESCE(\(lease.now)::double precision, \(unescaped: Self.databaseNow)) + \(lease.duration)
                    WHERE id = ANY(\(records.map(\.id)))
                    """,
                    logger: logger)
            }
            return records
        }
    }

    /// Leases one connection to `owner` until `leaseUntil` if its lease is free, expired before `now`, or already
    /// `owner`'s (then it is extended).
    ///
    /// One statement, one round trip (a refresh takes it right before calling TikTok): the `UPDATE` locks the row,
    /// and a concurrent claimer waits for that lock, then re-checks the lease condition on the row as committed
    /// (PostgreSQL's read-committed update rule), so of concurrent claimers one wins.
    ///
    /// - Returns: The record when the lease was taken; `nil` when another owner holds it or the connection is gone.
    public func claim(id: String, now: Date, owner: String, leaseUntil: Date) async throws -> ConnectionRecord? {
        let lease = leaseTimes(now: now, leaseUntil: leaseUntil)
        return try await rows(
            "claim a connection",
            """
            UPDATE tiktok_business_connections SET lease_owner = \(owner),
                lease_until = COALESCE(\(lease.now)::double precision, \(unescaped: Self.databaseNow)) + \(lease.duration)
            WHERE id = \(id) AND (lease_until IS NULL OR lease_owner = \(owner)
                OR lease_until < COALESCE(\(lease.now)::double precision, \(unescaped: Self.databaseNow)))
            RETURNING *
            """
        ).map(ConnectionRecord.init(postgresRow:)).first
    }

    /// Releases `owner`'s lease on a connection; does nothing when another owner holds it or none does.
    public func releaseLease(id: String, owner: String) async throws {
        _ = try await rows(
            "release a lease",
            """
            UPDATE tiktok_business_connections SET lease_owner = NULL, lease_until = NULL
            WHERE id = \(id) AND lease_owner = \(owner)
            """)
    }

    /// The earliest `nextActionAt` among all connections (leased or not), or `nil` when none has one.
    public func nextActionDate() async throws -> Date? {
        let rows = try await rows(
            "read the next action date", "SELECT MIN(next_action_at) AS next FROM tiktok_business_connections")
        return try rows.first.flatMap { try RowReader($0, table: "tiktok_business_connections").optionalDate("next") }
    }

    /// Up to `limit` connections, ordered by id, that hold a token sealed with a key other than `keyID`.
    public func records(notSealedWith keyID: String, limit: Int) async throws -> [ConnectionRecord] {
        guard limit > 0 else { return [] }
        return try await rows(
            "list connections to re-seal",
            """
            SELECT * FROM tiktok_business_connections WHERE key_id <> \(keyID) OR refresh_key_id <> \(keyID)
            ORDER BY id LIMIT \(limit)
            """
        ).map(ConnectionRecord.init(postgresRow:))
    }

    /// The database's clock in the unit leases are stored in (seconds since 1970), for ``Configuration/LeaseClock``.
    static let databaseNow = "EXTRACT(EPOCH FROM now())::double precision"

    /// A lease's reference time and duration: the caller's `now` with ``Configuration/LeaseClock/caller``, `nil` (the
    /// database's `now()`) with ``Configuration/LeaseClock/database``; the duration is always the caller's.
    func leaseTimes(now: Date, leaseUntil: Date) -> (now: Double?, duration: Double) {
        let duration = leaseUntil.timeIntervalSince(now)
        switch configuration.leaseClock {
        case .database: return (nil, duration)
        case .caller: return (PostgresColumns.seconds(now), duration)
        }
    }
}
