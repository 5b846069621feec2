import Foundation

/// How the HTTP service behaves. Every field but the API key and public URL has a documented default.
public struct ServerConfiguration: Sendable {
    /// The URL browsers and TikTok reach the service at; redirect URIs are `{publicURL}/oauth/callback/{kind}`.
    public var publicURL: String
    /// The management API's bearer key.
    public var apiKey: String
    /// The TikTok API base URL the proxy forwards to (the emulator's in sandbox mode).
    public var tikTokAPIBaseURL: String
    /// Whether the service runs against the built-in emulator (shown on every page).
    public var sandbox: Bool
    /// Origins (`scheme://host[:port]`) that `redirect_after` may point to. The public URL's origin is always allowed.
    public var allowedRedirectOrigins: [String]
    /// Lifetime of a browser-started authorization (`/connect/{kind}`). Default 10 minutes.
    public var browserFlowLifetime: TimeInterval
    /// The largest request body the proxy relays. Default 10 MiB.
    public var proxyBodyLimit: Int
    /// The largest JSON body the management API reads. Default 64 KiB.
    public var jsonBodyLimit: Int
    /// Where webhooks go (scheme, host and port only; shown on the admin page), or `nil` when webhooks are off.
    /// When set, `/v1/events` and the connection page show each event's delivery state. Default `nil`.
    public var webhookDestination: String?
    /// Per-client rate limits of the public routes (`/connect`, `/oauth/callback`, the admin sign-in). On by
    /// default; see ``PublicRateLimits``.
    public var rateLimits: PublicRateLimits
    /// Whether `/metrics` answers without the API key. Default `false`: scrapers send `Authorization: Bearer <key>`.
    public var metricsPublic: Bool
    /// How often `/metrics` counts connections and webhook deliveries in the database; scrapes in between are
    /// answered from the last count. Default 10 s.
    public var metricsCountInterval: Duration
    /// A connection that sends nothing for this long (no request part while idle or reading a request; a request
    /// head trickled in slower than this counts) is closed. Default 60 s.
    public var idleTimeout: Duration
    /// A new connection must send its first request head within this long, however it trickles bytes in; it is
    /// closed otherwise. Default 10 s.
    public var headerTimeout: Duration

    /// Creates a configuration.
    public init(
        publicURL: String, apiKey: String, tikTokAPIBaseURL: String, sandbox: Bool = false,
        allowedRedirectOrigins: [String] = [], browserFlowLifetime: TimeInterval = 600,
        proxyBodyLimit: Int = 10 * 1024 * 1024, jsonBodyLimit: Int = 64 * 1024, webhookDestination: String? = nil,
        rateLimits: PublicRateLimits = .init(), metricsPublic: Bool = false,
        metricsCountInterval: Duration = .seconds(10),
        idleTimeout: Duration = .seconds(60), headerTimeout: Duration = .seconds(10)
    ) {
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        self.apiKey = apiKey
        self.tikTokAPIBaseURL = tikTokAPIBaseURL
        self.sandbox = sandbox
        self.allowedRedirectOrigins = allowedRedirectOrigins
        self.browserFlowLifetime = browserFlowLifetime
        self.proxyBodyLimit = proxyBodyLimit
        self.jsonBodyLimit = jsonBodyLimit
        self.webhookDestination = webhookDestination
        self.rateLimits = rateLimits
        self.metricsPublic = metricsPublic
        self.metricsCountInterval = metricsCountInterval
        self.idleTimeout = idleTimeout
        self.headerTimeout = headerTimeout
    }

    /// Whether cookies must carry `Secure` (the public URL is https).
    var secureCookies: Bool { publicURL.lowercased().hasPrefix("https://") }

    /// The origin of a URL, `scheme://host[:port]`, lowercased; `nil` when it is not an absolute http(s) URL.
    static func origin(of url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host?.lowercased(), !host.isEmpty
        else { return nil }
        return "\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? "")
    }

    /// Whether `url` may be used as `redirect_after`.
    func allowsRedirect(to url: String) -> Bool {
        guard let origin = Self.origin(of: url) else { return false }
        let allowed = [Self.origin(of: publicURL)].compactMap { $0 } + allowedRedirectOrigins.compactMap(Self.origin)
        return allowed.contains(origin)
    }
}
