import Foundation
import TikTokBusiness

extension ConnectionManager {
    /// How the vault behaves. Every field has a documented default.
    public struct Configuration: Sendable {
        /// The redirect URI per kind; the service uses `{public}/oauth/callback/{kind}`. Required.
        public var redirectURIs: [ConnectionKind: String]
        /// Scopes requested for `tiktok_account`. Default `user.info.basic,user.info.stats,video.list`.
        public var accountScopes: [String]
        /// Scopes requested for `creator`. Default: the account scopes.
        public var creatorScopes: [String]
        /// Lifetime of a shareable authorization link's state. Default 7 days.
        public var linkLifetime: TimeInterval
        /// A token is refreshed when it expires within this margin, but never more than half of the lifetime TikTok
        /// gave it. Default 10 minutes.
        public var refreshMargin: TimeInterval
        /// `accessToken(for:)` refreshes first when the token expires within this skew. Default 60 s.
        public var accessTokenSkew: TimeInterval
        /// Days before the refresh token lapses at which `refresh_token_expiring` is sent. Default `[30, 7]`.
        public var refreshTokenWarningDays: [Int]
        /// How often non-expiring tokens are checked with TikTok. Default daily.
        public var livenessInterval: TimeInterval
        /// The first backoff after a transient failure in the background; it doubles per failure. Default 30 s.
        public var failureBackoff: TimeInterval
        /// The largest backoff after transient failures. Default 15 minutes.
        public var maximumFailureBackoff: TimeInterval
        /// How long a refresh claim (lease) holds before another instance may take it over. It must be longer than a
        /// refresh call with its retries can take (see ``minimumLeaseDuration(retry:requestTimeout:)``): a lease that
        /// lapses mid-call lets another instance spend the same refresh token. It is also how long the connections a
        /// crashed instance had claimed wait before another instance picks them up. Default 120 s.
        public var leaseDuration: TimeInterval
        /// How long a decrypted access token is served from memory before the store is read again. Default 30 s.
        public var tokenCacheTTL: TimeInterval
        /// After TikTok refuses a current access token as expired or invalid (a proxied call answered 40102/40105),
        /// the connection is refreshed only if its last refresh is older than this: a token refused right after it
        /// was issued is not expired (an endpoint that answers 40105 about a token in the request body, say), and
        /// refreshing again would let any caller force refreshes. Default 60 s.
        public var refusalRefreshInterval: TimeInterval = 60
        /// Extra TikTok codes that mean a refresh token is definitively unusable, besides 40102, 40104, 40105 and
        /// 40110. TikTok does not document the refresh failure codes; add any your app observes. Default empty.
        public var additionalDefinitiveRefreshCodes: Set<Int>
        /// No longer limits anything: a failed store write of freshly refreshed tokens is retried until it is
        /// stored (see ``storeRetryCap``). Kept for source compatibility.
        public var storeWriteAttempts: Int
        /// The longest pause between retries of a failed store write of freshly refreshed tokens, seconds. Such a
        /// write is retried until the database takes it: with rotation, the pair in memory is the only valid one.
        /// Default 5 s.
        public var storeRetryCap: TimeInterval = 5
        /// This instance's name in leases. Default a random id.
        public var instanceID: String
        /// A connection whose refreshes or liveness checks have been failing transiently for this long is
        /// ``ConnectionHealth/degraded`` (shown on the overview, `?health=degraded`); its next success records
        /// `connection.recovered`. Default 1 hour.
        public var degradedAfter: TimeInterval = 3600
        /// Refresh tokens lapsing within this window count as needing attention. Default 30 days.
        public var lapseAttentionWindow: TimeInterval = 30 * 86_400

        /// Creates a configuration.
        public init(
            redirectURIs: [ConnectionKind: String],
            accountScopes: [String] = ["user.info.basic", "user.info.stats", "video.list"],
            creatorScopes: [String]? = nil,
            linkLifetime: TimeInterval = 7 * 86_400,
            refreshMargin: TimeInterval = 600,
            accessTokenSkew: TimeInterval = 60,
            refreshTokenWarningDays: [Int] = [30, 7],
            livenessInterval: TimeInterval = 86_400,
            failureBackoff: TimeInterval = 30,
            maximumFailureBackoff: TimeInterval = 900,
            leaseDuration: TimeInterval = 120,
            tokenCacheTTL: TimeInterval = 30,
            additionalDefinitiveRefreshCodes: Set<Int> = [],
            storeWriteAttempts: Int = 5,
            instanceID: String = "instance-" + RandomID.hex(bytes: 6)
        ) {
            self.redirectURIs = redirectURIs
            self.accountScopes = accountScopes
            self.creatorScopes = creatorScopes ?? accountScopes
            self.linkLifetime = linkLifetime
            self.refreshMargin = refreshMargin
            self.accessTokenSkew = accessTokenSkew
            self.refreshTokenWarningDays = refreshTokenWarningDays.sorted(by: >)
            self.livenessInterval = livenessInterval
            self.failureBackoff = failureBackoff
            self.maximumFailureBackoff = maximumFailureBackoff
            self.leaseDuration = leaseDuration
            self.tokenCacheTTL = tokenCacheTTL
            self.additionalDefinitiveRefreshCodes = additionalDefinitiveRefreshCodes
            self.storeWriteAttempts = max(1, storeWriteAttempts)
            self.instanceID = instanceID
        }

        /// Time allowed, beyond the TikTok call itself, for storing a refresh's answer once the database answers again.
        public static let leaseStoreAllowance: TimeInterval = 10

        /// The longest one refresh call can take with all its retries: every attempt may run for `requestTimeout`,
        /// with the largest backoff between attempts, but no retry starts once `retry.maximumElapsed` has passed.
        /// (Waiting for the app's QPS governor comes on top; keep its rate well above the refresh rate.)
        public static func longestRefreshCall(retry: RetryPolicy, requestTimeout: Duration) -> TimeInterval {
            func seconds(_ duration: Duration) -> Double {
                let (whole, attoseconds) = duration.components
                return Double(whole) + Double(attoseconds) / 1e18
            }
            let timeout = seconds(requestTimeout)
            var backoffs = 0.0
            for retryNumber in 1..<max(1, retry.maxAttempts) {
                backoffs += min(
                    seconds(retry.maximumBackoff),
                    seconds(retry.initialBackoff) * pow(retry.multiplier, Double(retryNumber - 1)))
            }
            let byAttempts = Double(retry.maxAttempts) * timeout + backoffs
            let byElapsed = retry.maxAttempts > 1 ? seconds(retry.maximumElapsed) + timeout : timeout
            return min(byAttempts, byElapsed)
        }

        /// The shortest safe ``leaseDuration`` for a client with this retry policy and request timeout: the longest
        /// refresh call plus ``leaseStoreAllowance``. With the SDK's defaults (4 attempts, 30 s per attempt, no retry
        /// after 30 s) it is 70 s.
        public static func minimumLeaseDuration(retry: RetryPolicy, requestTimeout: Duration) -> TimeInterval {
            longestRefreshCall(retry: retry, requestTimeout: requestTimeout) + leaseStoreAllowance
        }

        /// Redirect URIs of the form `{publicURL}/oauth/callback/{kind}` for every kind.
        public static func redirectURIs(publicURL: String) -> [ConnectionKind: String] {
            let base = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
            return Dictionary(
                uniqueKeysWithValues: ConnectionKind.allCases.map { ($0, "\(base)/oauth/callback/\($0)") })
        }
    }
}
