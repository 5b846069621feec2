public import Foundation
public import TikTokBusiness

/// Where the emulator serves TikTok's API and its two consent pages, below its base URL (`http://127.0.0.1:PORT`).
public struct EmulatorEndpoints: Sendable {
    /// The API's path prefix, as at `business-api.tiktok.com`.
    public static let apiPath = "/open_api/v1.3"
    /// The advertiser flow's consent page (Marketing API and TTCM accounts).
    public static let advertiserAuthorizationPath = "/portal/auth"
    /// The account holder's consent page (TikTok accounts and creators).
    public static let accountAuthorizationPath = "/v2/auth/authorize/"

    /// The emulator's base URL, without a trailing slash.
    public let baseURL: String

    public init(baseURL: String) {
        self.baseURL = baseURL
    }

    /// The SDK's API base URL (with the trailing slash).
    public var apiBaseURL: String { baseURL + Self.apiPath + "/" }
    /// The advertiser flow's consent URL.
    public var advertiserAuthorizationURL: String { baseURL + Self.advertiserAuthorizationPath }
    /// The account holder's consent URL.
    public var accountAuthorizationURL: String { baseURL + Self.accountAuthorizationPath }

    /// A client configuration with the emulator as TikTok.
    public func clientConfiguration(
        appID: String, secret: String, retry: RetryPolicy, rateGovernor: RateGovernor?,
        requestTimeout: Duration = .seconds(30), now: @escaping @Sendable () -> Date = { Date() }
    ) -> TikTokClient.Configuration {
        TikTokClient.Configuration(
            appID: appID, secret: secret, apiBaseURL: apiBaseURL,
            advertiserAuthorizationURL: advertiserAuthorizationURL,
            accountAuthorizationURL: accountAuthorizationURL, retry: retry, rateGovernor: rateGovernor,
            requestTimeout: requestTimeout, now: now)
    }

    /// The settings of the service (`serve`, the CLI) with the emulator as TikTok.
    public var serviceEnvironment: [String: String] {
        [
            "TIKTOK_API_BASE_URL": apiBaseURL, "TIKTOK_ADVERTISER_AUTH_URL": advertiserAuthorizationURL,
            "TIKTOK_ACCOUNT_AUTH_URL": accountAuthorizationURL,
        ]
    }
}
