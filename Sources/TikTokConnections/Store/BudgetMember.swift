import Foundation

/// One instance's place in the app's shared QPS budget, as the store holds it (see ``QPSBudgetService``).
public struct BudgetMember: Sendable, Hashable {
    /// The instance id (`ConnectionManager.Configuration.instanceID`).
    public var id: String
    /// The calls per second it last said it uses.
    public var share: Double
    /// When it joined, by the database's clock: members are ranked by it (then by id).
    public var joinedAt: Date

    /// Creates a member.
    public init(id: String, share: Double, joinedAt: Date) {
        self.id = id
        self.share = share
        self.joinedAt = joinedAt
    }
}
