import Foundation

extension TikTokClient {
    /// Everything a ``TikTokClient`` needs to know about the app and TikTok's endpoints.
    public struct Configuration: Sendable {
        /// TikTok's production API base URL.
        public static let productionAPIBaseURL = "https://business-api.tiktok.com/open_api/v1.3/"
        /// TikTok's sandbox API base URL.
        public static let sandboxAPIBaseURL = "https://sandbox-ads.tiktok.com/open_api/v1.3/"
        /// The advertiser (Marketing API, TTCM account) authorization page.
        public static let productionAdvertiserAuthorizationURL = "https://business-api.tiktok.com/portal/auth"
        /// The TikTok account holder (Accounts API, creator) authorization page.
        public static let productionAccountAuthorizationURL = "https://www.tiktok.com/v2/auth/authorize/"

        /// The app id (`app_id`; `client_key`/`client_id` in the Accounts API flow).
        public var appID: String
        /// The app secret. Sent only in request bodies and the queries TikTok requires it in; never logged.
        public var secret: String
        /// The API base URL, ending in `/open_api/v1.3/`. Default ``productionAPIBaseURL``.
        public var apiBaseURL: String
        /// The advertiser authorization page. Default ``productionAdvertiserAuthorizationURL``.
        public var advertiserAuthorizationURL: String
        /// The account holder authorization page. Default ``productionAccountAuthorizationURL``.
        public var accountAuthorizationURL: String
        /// Retries of rate-limited and transient failures. Default
        /// ``RetryPolicy/init(maxAttempts:initialBackoff:maximumBackoff:multiplier:maximumElapsed:)``'s defaults.
        public var retry: RetryPolicy
        /// The app-wide QPS governor, shared by all copies of the client; `nil` for none. Default 10 requests per
        /// second, TikTok's Basic tier. Raise it to your app's tier.
        public var rateGovernor: RateGovernor?
        /// How long one attempt may take. Default 30 s.
        public var requestTimeout: Duration
        /// The wall clock, used to turn TikTok's `expires_in` into dates. Default `Date.init`.
        public var now: @Sendable () -> Date

        /// Creates a configuration; every parameter but the app id and secret has the documented default.
        public init(
            appID: String,
            secret: String,
            apiBaseURL: String = Configuration.productionAPIBaseURL,
            advertiserAuthorizationURL: String = Configuration.productionAdvertiserAuthorizationURL,
            accountAuthorizationURL: String = Configuration.productionAccountAuthorizationURL,
            retry: RetryPolicy = RetryPolicy(),
            rateGovernor: RateGovernor? = RateGovernor(requestsPerSecond: 10),
            requestTimeout: Duration = .seconds(30),
            now: @escaping @Sendable () -> Date = { Date() }
        ) {
            self.appID = appID
            self.secret = secret
            self.apiBaseURL = apiBaseURL.hasSuffix("/") ? apiBaseURL : apiBaseURL + "/"
            self.advertiserAuthorizationURL = advertiserAuthorizationURL
            self.accountAuthorizationURL = accountAuthorizationURL
            self.retry = retry
            self.rateGovernor = rateGovernor
            self.requestTimeout = requestTimeout
            self.now = now
        }
    }
}
