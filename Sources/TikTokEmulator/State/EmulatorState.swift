import Logging
import Synchronization

/// Everything a running emulator knows, shared by its routes and its ``EmulatorControl``.
final class EmulatorState: Sendable {
    let apps: [String: TikTokEmulatorConfiguration.App]
    let seed: UInt64
    let logger: Logger
    /// Where the durable state is saved, or `nil` for an in-memory emulator.
    let stateFile: StateFile?
    let clock: EmulatorClock
    let authorizations: AuthorizationStore
    let consents: ConsentStore
    let faults: FaultInjector
    let rateLimiter = RateLimiter()
    let counters = CounterStore()
    let users: UserDirectory
    let marketing: MarketingCatalog
    /// The marketing listings, encoded once per advertiser.
    let listings: EncodedCatalog
    let reports: ReportGenerator
    let business: BusinessCatalog
    private let _settings: Mutex<EmulatorSettings>

    /// Creates the state; with a `stateFile`, every durable change schedules a write of ``persistedState()`` to it.
    init(configuration: TikTokEmulatorConfiguration, logger: Logger, stateFile: StateFile? = nil) {
        self.apps = Dictionary(configuration.apps.map { ($0.appID, $0) }, uniquingKeysWith: { first, _ in first })
        self.seed = configuration.seed
        self.logger = logger
        self.stateFile = stateFile
        let changed: @Sendable () -> Void
        if let stateFile {
            changed = { stateFile.changed() }
        } else {
            changed = {}
        }
        self.clock = EmulatorClock(onChange: changed)
        self.authorizations = AuthorizationStore(onChange: changed)
        self.consents = ConsentStore(onChange: changed)
        self.faults = FaultInjector(seed: configuration.seed)
        self.users = UserDirectory(seed: configuration.seed)
        self.marketing = MarketingCatalog(seed: configuration.seed)
        self.listings = EncodedCatalog(catalog: self.marketing)
        self.reports = ReportGenerator(catalog: self.marketing)
        self.business = BusinessCatalog(seed: configuration.seed)
        self._settings = Mutex(EmulatorSettings(configuration: configuration))
        stateFile?.attach { [weak self] in self?.persistedState() }
    }

    /// The durable state: grants and tokens, remembered approvals and the clock offset.
    func persistedState() -> PersistedEmulatorState {
        PersistedEmulatorState(
            clockOffsetMilliseconds: self.clock.offsetMilliseconds,
            authorizations: self.authorizations.snapshot(),
            approvals: self.consents.approvalsSnapshot()
        )
    }

    /// Replaces the durable state with `persisted` (before the emulator serves).
    /// - Throws: ``InvalidPersistedState`` when `persisted` is inconsistent; nothing is changed then.
    func restore(_ persisted: PersistedEmulatorState) throws(InvalidPersistedState) {
        try self.authorizations.restore(persisted.authorizations)
        self.consents.restore(persisted.approvals)
        self.clock.restore(offsetMilliseconds: persisted.clockOffsetMilliseconds)
    }

    /// The current run-time settings.
    var settings: EmulatorSettings { self._settings.withLock { $0 } }

    /// Changes the settings atomically, keeping the old ones when `update` throws or the result is invalid.
    func updateSettings(_ update: (inout EmulatorSettings) throws -> Void) throws {
        try self._settings.withLock { settings in
            var updated = settings
            try update(&updated)
            try updated.validate()
            settings = updated
        }
    }

    /// The emulated clock, in seconds since 1970.
    func now() -> Double { self.clock.now() }

    /// The app with this id and secret, or 40101.
    func app(id appID: String, secret: String) throws(APIError) -> TikTokEmulatorConfiguration.App {
        guard let app = self.apps[appID], app.secret == secret else { throw APIError.invalidApp }
        return app
    }

    /// Counts one call against `appID`'s QPS budget, or throws 40100.
    func admit(appID: String) throws(APIError) {
        let limit = self.settings.qpsLimit
        guard limit != nil else { return }
        guard self.rateLimiter.admit(appID: appID, limit: limit, now: self.now()) else {
            self.counters.recordRateLimited()
            throw APIError.rateLimited
        }
    }

    /// A fresh user name for a browser that has none, like `advertiser-483920`.
    func generatedUserName(for flow: AuthorizationFlow) -> String {
        var generator = SystemRandomNumberGenerator()
        let number = Int.random(in: 100_000...999_999, using: &generator)
        return flow == .advertiser ? "advertiser-\(number)" : "tiktok-user-\(number)"
    }

    /// Mints an authorization code for `user` after validating the app and redirect URI.
    func mintCode(
        flow: AuthorizationFlow,
        appID: String,
        redirectURI: String,
        user: String,
        scopes: [String]
    ) throws(EmulatorControlError) -> String {
        guard let app = self.apps[appID] else { throw .unknownApp(appID) }
        guard app.redirectURIs.contains(redirectURI) else { throw .unregisteredRedirectURI(redirectURI) }
        let scopeIDs: [Int]
        if flow == .advertiser {
            let parsed = scopes.compactMap { Int($0) }
            scopeIDs = parsed.isEmpty ? Permissions.defaultAdvertiserScopeIDs : parsed
        } else {
            scopeIDs = []
        }
        let code = self.authorizations.mintCode(
            flow: flow,
            appID: appID,
            redirectURI: redirectURI,
            user: self.users.user(named: user),
            scopes: flow == .account ? scopes : [],
            scopeIDs: scopeIDs,
            now: self.now(),
            lifetime: self.settings.authCodeLifetime
        )
        self.logger.debug(
            "authorization code minted",
            metadata: ["tiktok.flow": "\(flow)", "tiktok.app_id": "\(appID)"]
        )
        return code
    }
}
