/// One client's allowance: a token bucket that holds up to `capacity` requests and refills at `rate` per second.
/// A pure value: the caller passes the time (seconds on a monotonic clock), so it is tested without waiting.
struct TokenBucket: Sendable, Hashable {
    /// What a request may do.
    enum Decision: Sendable, Hashable {
        /// Go ahead (a token was taken).
        case allowed
        /// Wait this many seconds before the next token (always at least 1, whole seconds, for `Retry-After`).
        case limited(retryAfter: Int)
    }

    private(set) var tokens: Double
    private(set) var updatedAt: Double

    /// A full bucket at `time`.
    init(capacity: Double, at time: Double) {
        tokens = capacity
        updatedAt = time
    }

    /// Refills for the time since the last call, then takes a token if there is one.
    mutating func take(at time: Double, capacity: Double, rate: Double) -> Decision {
        refill(at: time, capacity: capacity, rate: rate)
        if tokens >= 1 {
            tokens -= 1
            return .allowed
        }
        let wait = (1 - tokens) / rate
        return .limited(retryAfter: max(1, Int(wait.rounded(.up))))
    }

    /// Whether the bucket would be full at `time` (an idle client: forgetting it changes nothing).
    func isFull(at time: Double, capacity: Double, rate: Double) -> Bool {
        tokens + max(0, time - updatedAt) * rate >= capacity
    }

    private mutating func refill(at time: Double, capacity: Double, rate: Double) {
        let elapsed = max(0, time - updatedAt)
        tokens = min(capacity, tokens + elapsed * rate)
        updatedAt = max(updatedAt, time)
    }
}
