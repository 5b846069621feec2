import Foundation
import Logging

/// A client for TikTok's Business API v1.3: authorization, token management and read endpoints.
///
/// ```swift
/// let client = TikTokClient(configuration: .init(appID: "…", secret: "…"))
/// let url = client.advertiserAuthorizationURL(state: state, redirectURI: "https://example.com/cb")
/// // … the advertiser consents and TikTok redirects back with ?auth_code=…
/// let grant = try await client.exchangeAdvertiserAuthCode(code)
/// for try await campaign in client.campaigns(advertiserID: grant.advertiserIDs[0], accessToken: grant.accessToken) {
///     print(campaign.name ?? campaign.id)
/// }
/// ```
///
/// Every call checks TikTok's envelope and throws ``TikTokError`` for a non-zero `code`, retries rate-limited and
/// transient failures per ``Configuration/retry`` and waits its turn at the app-wide ``RateGovernor``.
public struct TikTokClient: Sendable {
    /// The configuration.
    public let configuration: Configuration
    /// The transport that carries requests.
    public let transport: any TikTokTransport
    /// The logger: request paths, codes and request ids only, never tokens, secrets or queries.
    public let logger: Logger

    /// Creates a client. The default transport is ``AsyncHTTPClientTransport`` over the shared `HTTPClient`.
    public init(
        configuration: Configuration,
        transport: any TikTokTransport = AsyncHTTPClientTransport(),
        logger: Logger = Logger(label: "tiktok-business")
    ) {
        self.configuration = configuration
        self.transport = transport
        self.logger = logger
    }
}
