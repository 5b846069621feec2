import Foundation

/// How the app's QPS budget is split between the instances that share it: a pure decision, tested without I/O (the
/// ``QPSBudgetService`` does the I/O).
///
/// - The instances aim at `requestsPerSecond × (1 − headroom)` together (the headroom absorbs network jitter, which
///   can bunch calls sent evenly into one of TikTok's one-second windows).
/// - Each member's **target** is an equal part. While the usable budget is at least one call per second per member,
///   the parts are whole numbers (the remainder goes to the earliest members): a member paced at a whole number `k` of
///   calls per second never puts more than `k` calls into any one-second window, so the parts add up within any
///   window, however TikTok aligns its windows.
/// - A member never takes more than the others leave: its **share** is its target capped by the usable budget minus
///   the shares the others last published. A newcomer therefore starts at what is free (often nothing) and grows as
///   the others shrink to their new targets at their next renewal; a member that leaves frees its share at once.
public struct QPSBudget: Sendable, Hashable {
    /// The app's budget: TikTok's limit for the app, in calls per second (`TIKTOK_RATE_LIMIT_QPS`).
    public var requestsPerSecond: Double
    /// The part of the budget left unused, between 0 and 0.5. Default 0.1.
    public var headroom: Double

    /// Creates a budget.
    public init(requestsPerSecond: Double, headroom: Double = 0.1) {
        self.requestsPerSecond = max(0, requestsPerSecond)
        self.headroom = min(0.5, max(0, headroom))
    }

    /// What all members may use together.
    public var usable: Double { requestsPerSecond * (1 - headroom) }

    /// The part `id` aims at among `members` (ranked; `id` counts as the newest if it is not among them).
    public func target(for id: String, members: [BudgetMember]) -> Double {
        var ranked = members.map(\.id)
        if !ranked.contains(id) { ranked.append(id) }
        let count = ranked.count
        let rank = ranked.firstIndex(of: id)!
        let whole = Int((usable + 1e-9).rounded(.down))
        guard whole >= count else { return usable / Double(count) }
        return Double(whole / count + (rank < whole % count ? 1 : 0))
    }

    /// The calls per second `id` may use now: its target, capped by what the others' published shares leave.
    public func share(for id: String, members: [BudgetMember]) -> Double {
        let others = members.filter { $0.id != id }.reduce(0) { $0 + $1.share }
        return max(0, min(target(for: id, members: members), usable - others))
    }

    /// The share to fall back to when the database has been unreachable for longer than a member's place lasts:
    /// the others may have dropped this member and taken its part, so it keeps at most half an equal part among the
    /// members it last saw.
    public func fallbackShare(current: Double, lastMemberCount: Int) -> Double {
        let half = usable / Double(2 * max(1, lastMemberCount))
        return current > 0 ? min(current, half) : half
    }
}
