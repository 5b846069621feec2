/// The configuration of a ``TikTokEmulator``.
///
/// Every property has a documented default, so `TikTokEmulatorConfiguration()` is a working emulator with one app.
/// The token, consent and rate-limit settings can also be changed while the emulator runs, through
/// ``EmulatorControl/updateSettings(_:)`` or `POST /_emulator/config`.
public struct TikTokEmulatorConfiguration: Sendable {
    /// A registered TikTok app: its id (`app_id` / `client_key`), its secret and its registered redirect URIs.
    public struct App: Sendable, Hashable {
        /// The app id, sent as `app_id`, `client_key` or `client_id`.
        public var appID: String
        /// The app secret, sent as `secret` or `client_secret`.
        public var secret: String
        /// The redirect URIs the consent pages accept; a `redirect_uri` must equal one of them exactly.
        public var redirectURIs: [String]

        /// Creates an app.
        public init(appID: String, secret: String, redirectURIs: [String]) {
            self.appID = appID
            self.secret = secret
            self.redirectURIs = redirectURIs
        }

        /// The default app: `emulator-app` / `emulator-secret`, redirecting to
        /// `http://127.0.0.1:8080/oauth/callback/{advertiser,tiktok_account,tcm_account,creator}`.
        public static let `default` = App(
            appID: "emulator-app",
            secret: "emulator-secret",
            redirectURIs: ["advertiser", "tiktok_account", "tcm_account", "creator"].map {
                "http://127.0.0.1:8080/oauth/callback/\($0)"
            }
        )
    }

    /// The registered apps. Default: ``App/default``.
    public var apps: [App]
    /// When `true`, both consent URLs redirect back at once with an approval, showing no page. Default `false`.
    public var autoConsent: Bool
    /// Lifetime in seconds of account/creator access tokens (`expires_in`). Default 86 400 (24 h).
    public var accessTokenLifetime: Int
    /// Lifetime in seconds of account/creator refresh tokens, anchored to the original grant: refreshing never extends
    /// it. Default 31 536 000 (365 days).
    public var refreshTokenLifetime: Int
    /// When `true`, every refresh issues a new refresh token and invalidates the previous one. Default `false`
    /// (TikTok's rotation behaviour is undocumented, so both are available).
    public var rotateRefreshTokens: Bool
    /// Seconds for which a refresh token retired by a rotation is still accepted: using it within this period issues
    /// a new access token and answers with the current refresh token (without rotating again). Default 0: a retired
    /// token fails at once with 40110. TikTok does not document rotation; many OAuth servers allow such a grace, so
    /// that a client that lost a refresh answer (a crash before storing it) can still recover.
    public var refreshTokenGracePeriod: Int
    /// Lifetime in seconds of authorization codes, which are single use. Default 3 600.
    public var authCodeLifetime: Int
    /// Calls per app per second accepted on `/open_api`; beyond it the API answers code 40100
    /// "App reaches the QPS limit.". `nil` (the default) means unlimited.
    public var qpsLimit: Int?
    /// The seed of every generated identifier and data set. Default 1.
    public var seed: UInt64
    /// A JSON file that keeps the emulator's durable state across restarts, or `nil` (the default) to keep everything
    /// in memory only.
    ///
    /// The durable state is every grant with its access tokens (and their expiries) and refresh tokens (including a
    /// rotated-out token's grace-period bookkeeping), the grant id counter, the remembered account-flow approvals and
    /// the emulated clock's offset. Authorization codes, consent screens in progress, scripted consents, faults,
    /// counters and run-time settings are not kept.
    ///
    /// An emulator with a state file is made by ``TikTokEmulator/load(configuration:logger:)``, which reads the file
    /// if it exists (and refuses one it cannot read or parse, leaving it untouched) or creates it. Changes are then
    /// written atomically (a 0600 file in the same folder, renamed over the old one), coalesced into one write a
    /// quarter of a second after a burst (for a large state, at least four times as long as the last write took),
    /// and once more by ``TikTokEmulator/flush()`` and when a server started by
    /// ``TikTokEmulator/run(host:port:onServerRunning:)`` or ``TikTokEmulator/makeService(host:port:onServerRunning:)``
    /// stops. One emulator at a time may use a given file.
    public var stateFile: String?

    /// Creates a configuration; every parameter has the default documented on its property.
    public init(
        apps: [App] = [.default],
        autoConsent: Bool = false,
        accessTokenLifetime: Int = 86_400,
        refreshTokenLifetime: Int = 31_536_000,
        rotateRefreshTokens: Bool = false,
        refreshTokenGracePeriod: Int = 0,
        authCodeLifetime: Int = 3_600,
        qpsLimit: Int? = nil,
        seed: UInt64 = 1,
        stateFile: String? = nil
    ) {
        self.apps = apps
        self.autoConsent = autoConsent
        self.accessTokenLifetime = accessTokenLifetime
        self.refreshTokenLifetime = refreshTokenLifetime
        self.rotateRefreshTokens = rotateRefreshTokens
        self.refreshTokenGracePeriod = refreshTokenGracePeriod
        self.authCodeLifetime = authCodeLifetime
        self.qpsLimit = qpsLimit
        self.seed = seed
        self.stateFile = stateFile
    }
}
