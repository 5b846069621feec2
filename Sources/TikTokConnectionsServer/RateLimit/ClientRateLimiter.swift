import Synchronization

/// The buckets of every client for one route group, in memory (each instance limits on its own).
///
/// Memory is bounded: idle clients (whose bucket would be full again) are forgotten when the table reaches
/// `maximumClients`; if every tracked client is still active, the longest-idle ones go.
final class ClientRateLimiter: Sendable {
    let limit: RateLimit
    let maximumClients: Int
    private let clock: @Sendable () -> Double
    private let buckets = Mutex<[String: TokenBucket]>([:])

    /// - Parameter clock: seconds on a monotonic clock; injected by tests.
    init(limit: RateLimit, maximumClients: Int, clock: @escaping @Sendable () -> Double = ClientRateLimiter.uptime) {
        self.limit = limit
        self.maximumClients = max(1, maximumClients)
        self.clock = clock
    }

    /// Seconds since an arbitrary point, monotonic.
    static let uptime: @Sendable () -> Double = {
        let (seconds, attoseconds) = ContinuousClock.now.duration(to: origin).components
        return -(Double(seconds) + Double(attoseconds) * 1e-18)
    }
    private static let origin = ContinuousClock.now

    /// Takes a request of `client` from its bucket.
    func take(_ client: String) -> TokenBucket.Decision {
        guard limit.isOn else { return .allowed }
        let time = clock()
        let capacity = Double(limit.burst)
        let rate = limit.perMinute / 60
        return buckets.withLock { buckets in
            if buckets[client] == nil, buckets.count >= maximumClients {
                Self.evict(&buckets, at: time, capacity: capacity, rate: rate, keeping: maximumClients * 3 / 4)
            }
            var bucket = buckets[client] ?? TokenBucket(capacity: capacity, at: time)
            let decision = bucket.take(at: time, capacity: capacity, rate: rate)
            buckets[client] = bucket
            return decision
        }
    }

    /// How many clients are tracked.
    var trackedClients: Int { buckets.withLock { $0.count } }

    /// Forgets idle clients; when that is not enough, the least recently seen, down to `keeping`.
    private static func evict(
        _ buckets: inout [String: TokenBucket], at time: Double, capacity: Double, rate: Double, keeping: Int
    ) {
        buckets = buckets.filter { !$0.value.isFull(at: time, capacity: capacity, rate: rate) }
        guard buckets.count > keeping else { return }
        let newest = buckets.sorted { $0.value.updatedAt > $1.value.updatedAt }.prefix(keeping)
        buckets = Dictionary(uniqueKeysWithValues: newest.map { ($0.key, $0.value) })
    }
}
