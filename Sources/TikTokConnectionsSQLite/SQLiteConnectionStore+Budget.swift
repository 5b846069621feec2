public import Foundation
internal import GRDB
public import TikTokConnections

extension SQLiteConnectionStore {
    /// Joins or renews an instance's place in the shared QPS budget. One SQLite file lives on one machine, so its
    /// clock is the database's.
    public func renewBudgetMembership(instanceID: String, share: Double, ttl: TimeInterval) async throws
        -> [BudgetMember]
    {
        try await write("renew a QPS budget membership") { db in
            let now = Date().timeIntervalSince1970
            // A place that lapsed is taken again as the newest; places lapsed for a minute are cleared.
            try db.execute(
                literal: """
                    INSERT INTO qps_budget (instance_id, share, joined_at, expires_at)
                    VALUES (\(instanceID), \(share), \(now), \(now + ttl))
                    ON CONFLICT (instance_id) DO UPDATE SET
                        share = excluded.share, expires_at = excluded.expires_at,
                        joined_at = CASE WHEN qps_budget.expires_at < \(now) THEN excluded.joined_at
                                         ELSE qps_budget.joined_at END
                    """)
            try db.execute(literal: "DELETE FROM qps_budget WHERE expires_at < \(now - 60)")
            return try Row.fetchAll(
                db,
                SQLRequest(
                    literal: """
                        SELECT instance_id, share, joined_at FROM qps_budget WHERE expires_at >= \(now)
                        ORDER BY joined_at, instance_id
                        """)
            ).map { row in
                BudgetMember(
                    id: row["instance_id"], share: row["share"],
                    joinedAt: Date(timeIntervalSince1970: row["joined_at"]))
            }
        }
    }

    /// Gives up an instance's place in the shared QPS budget.
    public func leaveBudget(instanceID: String) async throws {
        try await write("leave the QPS budget") { db in
            try db.execute(literal: "DELETE FROM qps_budget WHERE instance_id = \(instanceID)")
        }
    }
}
