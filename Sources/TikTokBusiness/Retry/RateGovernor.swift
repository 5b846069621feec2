import Synchronization

/// An app-wide limit on requests per second, shared by every call made through one ``TikTokClient`` (and its copies).
///
/// TikTok limits calls per app, across all the advertisers and accounts the app serves, and answers 40100 past the
/// limit; the governor keeps the app under it. It is a token bucket (implemented as GCRA): `burst` calls may go at
/// once, then one every `1 / requestsPerSecond` seconds. Callers wait their turn in arrival order.
public final class RateGovernor: Sendable {
    /// The sustained rate.
    public let requestsPerSecond: Double
    /// How many calls may go at once after an idle period.
    public let burst: Int

    private let interval: Duration
    private let clock = ContinuousClock()
    /// The theoretical arrival time of the next call.
    private let nextArrival: Mutex<ContinuousClock.Instant>

    /// Creates a governor. `requestsPerSecond` must be positive; `burst` is at least 1.
    public init(requestsPerSecond: Double, burst: Int? = nil) {
        precondition(requestsPerSecond > 0, "requestsPerSecond must be positive")
        self.requestsPerSecond = requestsPerSecond
        // Bounded so that any positive rate fits: an infinite one is a burst of 2^31 and no interval, a tiny one an
        // interval of about 285 years.
        self.burst = max(1, burst ?? Int(min(requestsPerSecond.rounded(.up), Double(Int32.max))))
        self.interval = .nanoseconds(Int64(min(1e9 / requestsPerSecond, 9e18)))
        self.nextArrival = Mutex(ContinuousClock().now)
    }

    /// Waits until this call may go. Throws `CancellationError` if the task is cancelled while waiting.
    public func acquire() async throws {
        let now = clock.now
        let tolerance = interval * (burst - 1)
        let goAt: ContinuousClock.Instant = nextArrival.withLock { next in
            let theoretical = max(next, now)
            next = theoretical + interval
            return max(theoretical - tolerance, now)
        }
        if goAt > now {
            try await Task.sleep(until: goAt, clock: clock)
        }
    }
}
