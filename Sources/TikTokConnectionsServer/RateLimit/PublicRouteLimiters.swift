import Hummingbird

/// The rate limiters of the public routes, one per route group, shared by every router a server makes.
struct PublicRouteLimiters: Sendable {
    let limits: PublicRateLimits
    let connect: ClientRateLimiter
    let callback: ClientRateLimiter
    let signIn: ClientRateLimiter
    let metrics: ServerMetrics

    init(_ limits: PublicRateLimits, metrics: ServerMetrics) {
        self.limits = limits
        connect = ClientRateLimiter(limit: limits.connect, maximumClients: limits.maximumClients)
        callback = ClientRateLimiter(limit: limits.callback, maximumClients: limits.maximumClients)
        signIn = ClientRateLimiter(limit: limits.signIn, maximumClients: limits.maximumClients)
        self.metrics = metrics
    }

    /// The middleware that applies `limiter` (named `group` in metrics).
    func middleware<Context: RequestContext & RemoteAddressRequestContext>(
        _ limiter: ClientRateLimiter, group: String, pages: Pages, sandbox: Bool, context: Context.Type = Context.self
    ) -> RateLimitMiddleware<Context> {
        RateLimitMiddleware(
            limiter: limiter, trustedProxyHops: limits.trustedProxyHops, group: group, metrics: metrics, pages: pages,
            sandbox: sandbox)
    }
}
