import Foundation

/// What the people running thousands of connections look at first: what needs a person, and how things trend.
public struct ConnectionOverview: Sendable, Hashable {
    /// Connections by kind and status.
    public var counts: [ConnectionCount]
    /// Connections that need re-authorization.
    public var reauthorizationRequired: Int
    /// Active connections failing transiently for longer than ``ConnectionManager/Configuration/degradedAfter``.
    public var degraded: Int
    /// Active connections whose refresh token lapses within ``ConnectionManager/Configuration/lapseAttentionWindow``.
    public var lapsingSoon: Int
    /// When it was computed.
    public var at: Date

    /// Creates an overview.
    public init(counts: [ConnectionCount], reauthorizationRequired: Int, degraded: Int, lapsingSoon: Int, at: Date) {
        self.counts = counts
        self.reauthorizationRequired = reauthorizationRequired
        self.degraded = degraded
        self.lapsingSoon = lapsingSoon
        self.at = at
    }

    /// All connections.
    public var total: Int { counts.reduce(0) { $0 + $1.count } }
}

/// The overview's charts: refreshes and failures per hour, connections by status over time, lapses by week.
public struct ConnectionCharts: Sendable, Hashable {
    /// `token.refreshed` and `refresh.failed` events per hour (series: the event type).
    public var refreshesPerHour: [BucketCount]
    /// Connections by status per hour, from the recorded history (series: the status, all kinds summed).
    public var statusHistory: [BucketCount]
    /// Active connections whose refresh token lapses, per week from now (series: the kind).
    public var lapsesPerWeek: [BucketCount]
    /// The start of the charts' past window.
    public var since: Date
    /// Now.
    public var at: Date
}

extension ConnectionManager {
    /// A connection's health now (``Configuration/degradedAfter``).
    public func health(of connection: Connection) -> ConnectionHealth {
        connection.health(now: now(), degradedAfter: configuration.degradedAfter)
    }

    /// The filter for degraded connections at this instant.
    public func degradedFilter(_ base: ConnectionFilter = .init()) -> ConnectionFilter {
        var filter = base
        filter.failingSinceBefore = now().addingTimeInterval(-configuration.degradedAfter)
        return filter
    }

    /// The filter for connections that need a person at this instant: re-authorization required, degraded, or a
    /// refresh token lapsing within ``Configuration/lapseAttentionWindow``.
    public func needsAttentionFilter(_ base: ConnectionFilter = .init()) -> ConnectionFilter {
        var filter = base
        let time = now()
        filter.needsAttention = .init(
            degradedBefore: time.addingTimeInterval(-configuration.degradedAfter),
            lapsingBefore: time.addingTimeInterval(configuration.lapseAttentionWindow))
        return filter
    }

    /// The filter for active connections whose refresh token lapses within the attention window.
    public func lapsingFilter(_ base: ConnectionFilter = .init()) -> ConnectionFilter {
        var filter = base
        filter.status = .active
        filter.refreshTokenExpiresBefore = now().addingTimeInterval(configuration.lapseAttentionWindow)
        return filter
    }

    /// How many connections match `filter`.
    public func count(_ filter: ConnectionFilter) async throws -> Int {
        try await storeCall { try await self.store.count(filter) }
    }

    /// Counts by kind and status, and how many connections need a person and why.
    public func overview() async throws -> ConnectionOverview {
        let time = now()
        let counts = try await storeCall { try await self.store.counts() }
        let degraded = try await count(degradedFilter())
        let lapsing = try await count(lapsingFilter())
        let reauthorization = counts.filter { $0.status == .reauthorizationRequired }.reduce(0) { $0 + $1.count }
        return ConnectionOverview(
            counts: counts, reauthorizationRequired: reauthorization, degraded: degraded, lapsingSoon: lapsing, at: time
        )
    }

    /// The data of the overview's charts: the last `days` days by hour, and the next `weeks` weeks of lapses.
    public func charts(days: Int = 7, weeks: Int = 12) async throws -> ConnectionCharts {
        let time = now()
        let since = Self.hourStart(time.addingTimeInterval(-Double(days) * 86_400))
        let refreshes = try await storeCall {
            try await self.store.eventCounts(
                types: [.tokenRefreshed, .refreshFailed], since: since, bucketSeconds: 3600)
        }
        var byStatus: [Date: [String: Int]] = [:]
        for row in try await storeCall({ try await self.store.statusHistory(since: since) }) {
            let status = String(row.series.split(separator: "/").last ?? "")
            byStatus[row.start, default: [:]][status, default: 0] += row.count
        }
        let history = byStatus.keys.sorted().flatMap { start in
            byStatus[start]!.sorted { $0.key < $1.key }.map {
                BucketCount(start: start, series: $0.key, count: $0.value)
            }
        }
        let lapses = try await storeCall {
            try await self.store.refreshTokenLapseCounts(
                from: time, to: time.addingTimeInterval(Double(weeks) * 7 * 86_400), bucketSeconds: 7 * 86_400)
        }
        return ConnectionCharts(
            refreshesPerHour: refreshes, statusHistory: history, lapsesPerWeek: lapses, since: since, at: time)
    }

    /// Records the current counts by kind and status as this hour's point of the status history (the sweeper's
    /// housekeeping does it every round; the last round of an hour wins).
    public func recordStatusSnapshot() async throws {
        let time = now()
        let counts = try await storeCall { try await self.store.counts() }
        try await storeCall { try await self.store.recordStatusSnapshot(start: Self.hourStart(time), counts: counts) }
    }

    static func hourStart(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 3600).rounded(.down) * 3600)
    }
}
