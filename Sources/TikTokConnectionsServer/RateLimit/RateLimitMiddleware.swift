import HTTPTypes
import Hummingbird

/// Answers 429 with `Retry-After` when the request's client is over its limit for the routes this guards;
/// otherwise passes the request on. The refusal is a small page (these routes are opened in browsers), rendered once,
/// and does no work: nothing is read from or written to the database.
struct RateLimitMiddleware<Context: RequestContext & RemoteAddressRequestContext>: RouterMiddleware {
    let limiter: ClientRateLimiter
    let trustedProxyHops: Int
    /// The route group, for the metric.
    let group: String
    let metrics: ServerMetrics
    let refusal: Response

    init(
        limiter: ClientRateLimiter, trustedProxyHops: Int, group: String, metrics: ServerMetrics, pages: Pages,
        sandbox: Bool
    ) {
        self.limiter = limiter
        self.trustedProxyHops = trustedProxyHops
        self.group = group
        self.metrics = metrics
        var refusal = pages.result(
            title: "Too many requests",
            message: "Too many requests from your address. Please wait a moment and try again.",
            success: false, details: [], sandbox: sandbox, status: .tooManyRequests)
        refusal.headers[.cacheControl] = "no-store"
        self.refusal = refusal
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let client = ClientAddress.key(
            peer: context.remoteAddress, forwardedFor: request.headers[.xForwardedFor],
            trustedProxyHops: trustedProxyHops)
        switch limiter.take(client) {
        case .allowed:
            return try await next(request, context)
        case .limited(let retryAfter):
            metrics.rateLimited(group: group)
            var response = refusal
            response.headers[.retryAfter] = String(retryAfter)
            return response
        }
    }
}

extension HTTPField.Name {
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}
