import Foundation
import TikTokBusiness
import TikTokConnections
import TikTokConnectionsServer

/// The service's settings: the environment variables of DESIGN.md, or the same keys in a JSON file (`--config`).
/// The environment wins over the file. Read them with ``load(configFile:)`` or ``init(reader:)``
/// (`ServiceSettings+ConfigReader.swift`); every bad value is a ``SettingsError`` naming the variable.
public struct ServiceSettings: Sendable {
    public static let defaultAPIBaseURL = "https://business-api.tiktok.com/open_api/v1.3/"
    public static let defaultAdvertiserAuthURL = "https://business-api.tiktok.com/portal/auth"
    public static let defaultAccountAuthURL = "https://www.tiktok.com/v2/auth/authorize/"
    public static let defaultScopes = "user.info.basic,user.info.stats,video.list"
    public static let defaultDatabaseURL = "sqlite://./.tiktok-business/connections.sqlite"
    /// Sandbox mode's own database: it never opens a real one by default.
    public static let defaultSandboxDatabaseURL = "sqlite://./.tiktok-business/sandbox.sqlite"

    public var appID: String?
    public var appSecret: String?
    public var apiBaseURL: String
    public var advertiserAuthURL: String
    public var accountAuthURL: String
    public var accountScopes: [String]
    public var publicURL: String
    public var databaseURL: String
    public var keys: String?
    /// The key ring file (`TIKTOK_BUSINESS_KEY_FILE`); `nil`: `keys` beside a SQLite database. Ignored when
    /// ``keys`` is set.
    public var keyFile: String?
    /// How often a running instance re-reads its key file and reports its sealing key
    /// (`TIKTOK_BUSINESS_KEY_RELOAD_SECONDS`, default 10 s); SIGHUP re-reads at once.
    public var keyReloadInterval: Double
    public var apiKey: String?
    public var host: String
    public var port: Int
    public var sandboxPort: Int
    public var webhookURL: String?
    public var webhookSecret: String?
    public var logLevel: String
    public var allowedRedirectOrigins: [String]
    /// The app's QPS budget at TikTok, shared by every instance on the database (`TIKTOK_RATE_LIMIT_QPS`, default 10).
    public var rateLimit: Double
    /// The part of the budget left unused to absorb network jitter (`TIKTOK_RATE_LIMIT_HEADROOM_PERCENT`, default 10),
    /// as a fraction.
    public var rateLimitHeadroom: Double
    /// How long a proxied or SDK data call may wait for a slot of the budget before it is refused with 429 and
    /// `Retry-After` (`TIKTOK_RATE_LIMIT_MAX_WAIT_SECONDS`, default 5). Authorization calls always wait.
    public var rateLimitMaximumWait: Double
    /// How long one TikTok call may take (`TIKTOK_REQUEST_TIMEOUT_SECONDS`), seconds.
    public var requestTimeout: Double
    /// PostgreSQL pool settings; `nil` keeps the store's default.
    public var databaseMaximumConnections: Int?
    public var databaseConnectTimeout: Double?
    public var databaseWaitTimeout: Double?
    /// `ConnectionManager.Configuration.refreshMargin`, seconds.
    public var refreshMargin: Double
    /// `ConnectionManager.Configuration.leaseDuration`, seconds.
    public var refreshLease: Double
    /// `ConnectionManager.Configuration.degradedAfter`, seconds (`TIKTOK_BUSINESS_DEGRADED_AFTER_SECONDS`, default
    /// 3600): a connection failing transiently for this long is `degraded`.
    public var degradedAfter: Double = 3600
    /// A port for a listener that serves only the drop-in endpoint (`/open_api/v1.3/…`)
    /// (`TIKTOK_BUSINESS_DROP_IN_PORT`); `nil`: only the service's own port serves it. Default `nil`.
    public var dropInPort: Int?

    /// Per-client rate limits of the public routes (`TIKTOK_BUSINESS_RATE_LIMIT_PER_MINUTE`, `…_BURST`,
    /// `TIKTOK_BUSINESS_SIGN_IN_LIMIT_PER_MINUTE`, `TIKTOK_BUSINESS_TRUSTED_PROXY_HOPS`).
    public var rateLimits: PublicRateLimits
    /// How long events are kept once delivered (`TIKTOK_BUSINESS_EVENT_RETENTION_DAYS`, default 90; `0` keeps every
    /// event): `nil` keeps them all.
    public var eventRetention: TimeInterval?
    /// Whether `/metrics` answers without the API key (`TIKTOK_BUSINESS_METRICS_PUBLIC=1`). Default `false`.
    public var metricsPublic: Bool
    /// `TIKTOK_BUSINESS_HTTP_IDLE_TIMEOUT_SECONDS` (default 60) and `TIKTOK_BUSINESS_HTTP_HEADER_TIMEOUT_SECONDS`
    /// (default 10).
    public var httpIdleTimeout: Double
    public var httpHeaderTimeout: Double

    public static let defaultRequestTimeout: Double = 30
    public static let defaultRefreshMargin: Double = 600
    public static let defaultRefreshLease: Double = 120
    public static let defaultKeyReloadInterval: Double = 10

    /// Sandbox mode: no app credentials, so TikTok is the built-in emulator.
    public var sandbox: Bool { appID == nil }

    /// The TikTok these settings serve, as recorded in the database.
    public var identity: VaultIdentity {
        sandbox
            ? VaultIdentity(appID: VaultEnvironment.sandboxAppID, apiBaseURL: "", sandbox: true)
            : VaultIdentity(appID: appID!, apiBaseURL: apiBaseURL, sandbox: false)
    }

    /// A number of seconds without a needless `.0`.
    public static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// The emulator's base URL in sandbox mode: the public URL's scheme and host, on the sandbox port.
    public func sandboxBaseURL(port actualPort: Int? = nil) -> String {
        let components = URLComponents(string: publicURL)
        let host = components?.host ?? "127.0.0.1"
        return "http://\(host):\(actualPort ?? sandboxPort)"
    }
}

/// A configuration problem, reported clearly at start. Never contains a secret.
public struct SettingsError: Error, CustomStringConvertible {
    /// What is wrong and, where there is one, the way out.
    public var description: String
    /// Creates an error.
    public init(_ description: String) { self.description = description }
}
