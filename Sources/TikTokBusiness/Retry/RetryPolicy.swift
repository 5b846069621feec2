/// How the client retries rate-limited and transient failures: exponential backoff with full jitter, bounded in
/// attempts and in total time.
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included. `1` disables retries. Default `4`.
    public var maxAttempts: Int
    /// The backoff before the first retry, before jitter. Default 200 ms.
    public var initialBackoff: Duration
    /// The largest backoff between two attempts. Default 5 s.
    public var maximumBackoff: Duration
    /// The factor by which the backoff grows after each attempt. Default `2`.
    public var multiplier: Double
    /// No retry starts once this much time has passed since the first attempt. Default 30 s.
    public var maximumElapsed: Duration

    /// Creates a policy; every parameter has the documented default.
    public init(
        maxAttempts: Int = 4,
        initialBackoff: Duration = .milliseconds(200),
        maximumBackoff: Duration = .seconds(5),
        multiplier: Double = 2,
        maximumElapsed: Duration = .seconds(30)
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        self.multiplier = multiplier
        self.maximumElapsed = maximumElapsed
    }

    /// No retries at all.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// The backoff before retry number `retry` (1 for the first retry), with full jitter: a uniformly random duration
    /// between zero and the exponential bound.
    public func backoff(beforeRetry retry: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let exponent = Double(max(0, retry - 1))
        let bound = min(
            Double(maximumBackoff.nanoseconds), Double(initialBackoff.nanoseconds) * pow(multiplier, exponent))
        let jittered = Double.random(in: 0...max(bound, 1), using: &generator)
        return .nanoseconds(Int64(jittered))
    }
}

/// Which failures a particular request may be retried on.
public struct RetryMode: Hashable, Sendable {
    private enum Base: Hashable, Sendable { case idempotent, rateLimitOnly }
    private let base: Base

    /// Retry on rate limits and on transient failures: the request can safely be sent twice.
    public static let idempotent = RetryMode(base: .idempotent)
    /// Retry only when TikTok said it rejected the request unprocessed (40100). Used for single-use authorization code
    /// exchanges, which must never be re-sent blindly.
    public static let rateLimitOnly = RetryMode(base: .rateLimitOnly)

    func allowsRetry(of error: TikTokError) -> Bool {
        switch base {
        case .idempotent: error.category.isRetryable
        case .rateLimitOnly: error.category == .rateLimited
        }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    var seconds: Double { Double(nanoseconds) / 1e9 }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif
