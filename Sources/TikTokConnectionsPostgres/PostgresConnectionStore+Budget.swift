public import Foundation
internal import PostgresNIO
public import TikTokConnections

extension PostgresConnectionStore {
    /// Joins or renews an instance's place in the shared QPS budget in one statement, judged by the database's clock
    /// (`clock_timestamp()`), so that instances on machines whose clocks disagree still agree on who is a member.
    public func renewBudgetMembership(instanceID: String, share: Double, ttl: TimeInterval) async throws
        -> [BudgetMember]
    {
        // The outer SELECT reads the snapshot taken before the upsert, so this instance's row comes from RETURNING.
        try await rows(
            "renew a QPS budget membership",
            """
            WITH clock AS (SELECT EXTRACT(EPOCH FROM clock_timestamp())::double precision AS now),
            mine AS (
                INSERT INTO tiktok_business_qps_budget (instance_id, share, joined_at, expires_at)
                SELECT \(instanceID), \(share), clock.now, clock.now + \(ttl) FROM clock
                ON CONFLICT (instance_id) DO UPDATE SET
                    share = excluded.share, expires_at = excluded.expires_at,
                    joined_at = CASE WHEN tiktok_business_qps_budget.expires_at < excluded.joined_at
                                     THEN excluded.joined_at ELSE tiktok_business_qps_budget.joined_at END
                RETURNING instance_id, share, joined_at
            ),
            cleared AS (
                DELETE FROM tiktok_business_qps_budget
                WHERE expires_at < (SELECT now FROM clock) - 60 AND instance_id <> \(instanceID)
            )
            SELECT b.instance_id, b.share, b.joined_at FROM tiktok_business_qps_budget b, clock
            WHERE b.expires_at >= clock.now AND b.instance_id <> \(instanceID)
            UNION ALL SELECT instance_id, share, joined_at FROM mine
            ORDER BY joined_at, instance_id
            """
        ).map { row in
            let reader = RowReader(row, table: "tiktok_business_qps_budget")
            return BudgetMember(
                id: try reader.value("instance_id"), share: try reader.value("share"),
                joinedAt: Date(timeIntervalSince1970: try reader.value("joined_at")))
        }
    }

    /// Gives up an instance's place in the shared QPS budget.
    public func leaveBudget(instanceID: String) async throws {
        _ = try await rows(
            "leave the QPS budget", "DELETE FROM tiktok_business_qps_budget WHERE instance_id = \(instanceID)")
    }
}
