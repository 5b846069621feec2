import Foundation
import Logging

/// What the vault keeps, and for how long: the rules ``ConnectionManager/prune(_:)`` applies.
public struct RetentionPolicy: Sendable, Hashable {
    /// How long an authorization state is kept after it expired, consumed or not: a callback that arrives within it
    /// is told the link expired (410) rather than that it is unknown (400). Default 1 day.
    public var stateGracePeriod: TimeInterval
    /// How long events are kept (counted from when they occurred) once their webhook deliveries are done; a
    /// delivered or failed delivery goes with its event. The audit trail, proxy use counts and the status history
    /// are kept as long. `nil` keeps every event. Default 90 days.
    public var eventRetention: TimeInterval?
    /// Rows deleted per batch: each batch is one short write. Default 500.
    public var batchSize: Int
    /// The most batches of each kind one round deletes; what is left waits for the next round. Default 200.
    public var maximumBatches: Int
    /// The pause between two batches, so that other writers (refreshes, callbacks) get the database in between.
    /// Default 20 ms.
    public var pauseBetweenBatches: Duration

    /// The default retention of events: 90 days.
    public static let defaultEventRetention: TimeInterval = 90 * 86_400

    /// Creates a policy with the documented defaults.
    public init(
        stateGracePeriod: TimeInterval = 86_400, eventRetention: TimeInterval? = Self.defaultEventRetention,
        batchSize: Int = 500, maximumBatches: Int = 200, pauseBetweenBatches: Duration = .milliseconds(20)
    ) {
        self.stateGracePeriod = max(0, stateGracePeriod)
        self.eventRetention = eventRetention.map { max(0, $0) }
        self.batchSize = max(1, batchSize)
        self.maximumBatches = max(1, maximumBatches)
        self.pauseBetweenBatches = pauseBetweenBatches
    }
}

/// What one pruning round deleted.
public struct PruneReport: Sendable, Hashable {
    /// Authorization states deleted.
    public var states: Int = 0
    /// Events deleted (with their finished webhook deliveries).
    public var events: Int = 0
    /// Audit entries deleted.
    public var audit: Int = 0
    /// Whether a kind hit ``RetentionPolicy/maximumBatches`` and has more to delete.
    public var more: Bool = false

    /// An empty report.
    public init() {}
}

extension ConnectionManager {
    /// Deletes what the vault no longer needs, in batches of ``RetentionPolicy/batchSize`` with a pause between
    /// batches: authorization states expired for longer than the grace period, and events past their retention whose
    /// deliveries are done. Safe to run on every instance at once.
    public func prune(_ policy: RetentionPolicy) async throws -> PruneReport {
        var report = PruneReport()
        let time = self.now()
        let statesBefore = time.addingTimeInterval(-policy.stateGracePeriod)
        let (states, moreStates) = try await deleteInBatches(policy) {
            try await self.store.deleteStates(expiredBefore: statesBefore, limit: $0)
        }
        report.states = states
        report.more = moreStates
        if let retention = policy.eventRetention {
            let eventsBefore = time.addingTimeInterval(-retention)
            let (events, moreEvents) = try await deleteInBatches(policy) {
                try await self.store.deleteEvents(occurredBefore: eventsBefore, limit: $0)
            }
            report.events = events
            report.more = report.more || moreEvents
            // The audit trail, proxy use and the status history are kept as long as events.
            let (audit, moreAudit) = try await deleteInBatches(policy) {
                try await self.store.deleteAudit(occurredBefore: eventsBefore, limit: $0)
            }
            report.audit = audit
            report.more = report.more || moreAudit
            _ = try await storeCall {
                try await self.store.deleteProxyUsage(beforeDay: ProxyUsage.day(of: eventsBefore))
            }
            _ = try await storeCall { try await self.store.deleteStatusHistory(before: eventsBefore) }
        }
        try await recordStatusSnapshot()
        return report
    }

    /// Runs `batch` until it deletes fewer than a full batch or the round's batches are spent; returns the total
    /// and whether more is left.
    private func deleteInBatches(_ policy: RetentionPolicy, _ batch: (Int) async throws -> Int) async throws
        -> (Int, Bool)
    {
        var total = 0
        for round in 0..<policy.maximumBatches {
            if round > 0 { try await Task.sleep(for: policy.pauseBetweenBatches) }
            let deleted = try await batch(policy.batchSize)
            total += deleted
            if deleted < policy.batchSize { return (total, false) }
        }
        return (total, true)
    }
}
