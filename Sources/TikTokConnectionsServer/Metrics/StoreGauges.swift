import TikTokConnections

/// The `/metrics` gauges that need a count in the database (connections by kind and status, webhook deliveries by
/// state), counted at most once per interval: scrapes in between are answered from the last count, and concurrent
/// scrapes share one count. A scrape thus costs the database nothing most of the time, whatever its size.
actor StoreGauges {
    let manager: ConnectionManager
    let metrics: ServerMetrics
    let webhooks: Bool
    let interval: Duration
    private var countedAt: ContinuousClock.Instant?
    private var counting: Task<Void, Never>?

    init(manager: ConnectionManager, metrics: ServerMetrics, webhooks: Bool, interval: Duration) {
        self.manager = manager
        self.metrics = metrics
        self.webhooks = webhooks
        self.interval = interval
    }

    /// Counts again if the last count is older than the interval (or waits for the count in progress).
    func refreshIfStale() async {
        if let countedAt, ContinuousClock.now - countedAt < interval { return }
        if let counting {
            await counting.value
            return
        }
        // The count shows the database as of its start: the interval runs from there.
        let started = ContinuousClock.now
        let task = Task { [manager, metrics, webhooks] in
            if let counts = try? await manager.store.counts() {
                metrics.connections(counts)
            }
            var degraded: [ConnectionKind: Int] = [:]
            var lapsing: [ConnectionKind: Int] = [:]
            for kind in ConnectionKind.allCases {
                degraded[kind] = try? await manager.count(manager.degradedFilter(.init(kind: kind)))
                if kind.hasExpiringTokens {
                    lapsing[kind] = try? await manager.count(manager.lapsingFilter(.init(kind: kind)))
                }
            }
            metrics.attention(degraded: degraded, lapsing: lapsing)
            if webhooks, let counts = try? await manager.webhookDeliveryCounts() {
                metrics.webhookDeliveries(counts)
            }
        }
        counting = task
        await task.value
        counting = nil
        countedAt = started
    }
}
