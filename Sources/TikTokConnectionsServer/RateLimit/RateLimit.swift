/// A per-client request rate: a steady rate with room for a burst.
public struct RateLimit: Sendable, Hashable {
    /// Requests per minute a client may make, on average. `0` turns the limit off.
    public var perMinute: Double
    /// Requests a client may make at once after being idle (the bucket's size). At least 1.
    public var burst: Int

    /// Creates a limit of `perMinute` on average with bursts of `burst`.
    public init(perMinute: Double, burst: Int) {
        self.perMinute = max(0, perMinute)
        self.burst = max(1, burst)
    }

    /// No limit.
    public static let off = RateLimit(perMinute: 0, burst: 1)

    /// Whether the limit applies.
    public var isOn: Bool { perMinute > 0 }
}

/// The per-client rate limits of the public routes (the ones a stranger can call without the API key).
///
/// Each client (its address, see ``trustedProxyHops``) has a token bucket per route group; a request over the limit is
/// answered 429 with `Retry-After` and does no work (nothing is stored). On by default.
public struct PublicRateLimits: Sendable, Hashable {
    /// `GET /connect/{kind}` (each request stores an authorization state). Default 30 per minute, bursts of 10.
    public var connect: RateLimit
    /// `GET /oauth/callback/{kind}`. Default 30 per minute, bursts of 10.
    public var callback: RateLimit
    /// `POST /admin/sign-in` (guesses of the API key). Default 5 per minute, bursts of 5.
    public var signIn: RateLimit
    /// How many proxies in front of the service append to `X-Forwarded-For`. `0` (the default) uses the peer's
    /// address and ignores the header, which any client can set; `N` takes the `N`-th address from the right of
    /// the header (the one the outermost trusted proxy saw). Set it only when such proxies are really there.
    public var trustedProxyHops: Int
    /// The most clients tracked at once; idle ones are forgotten first. Default 100,000 (a few MB).
    public var maximumClients: Int

    /// Creates limits with the documented defaults.
    public init(
        connect: RateLimit = .init(perMinute: 30, burst: 10), callback: RateLimit = .init(perMinute: 30, burst: 10),
        signIn: RateLimit = .init(perMinute: 5, burst: 5), trustedProxyHops: Int = 0, maximumClients: Int = 100_000
    ) {
        self.connect = connect
        self.callback = callback
        self.signIn = signIn
        self.trustedProxyHops = max(0, trustedProxyHops)
        self.maximumClients = max(1, maximumClients)
    }

    /// No limits (tests and load scripts that drive thousands of authorizations from one address).
    public static let off = PublicRateLimits(connect: .off, callback: .off, signIn: .off)
}
