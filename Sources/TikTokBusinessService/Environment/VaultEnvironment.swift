import Foundation
import Logging
import TikTokBusiness
import TikTokConnections
import TikTokConnectionsPostgres
import TikTokConnectionsSQLite

/// What every command that touches connections needs: the store, the key ring, the TikTok client and the vault,
/// all from ``ServiceSettings``, after the safety checks that keep a vault's tokens alive:
///
/// 1. the database's migrations;
/// 2. the app identity: the database serves one TikTok app (``VaultIdentity``); settings for another are refused
///    before anything is refreshed, checked or revoked;
/// 3. the key ring: a key file that exists is read or the start fails (it is never replaced), a new key is generated
///    only when there is no file and no sealed token, and every key the database uses must be in the ring.
public struct VaultEnvironment: Sendable {
    /// The settings it was made from.
    public let settings: ServiceSettings
    /// The open store.
    public let store: any ConnectionStore
    /// The TikTok client.
    public let client: TikTokClient
    /// The vault.
    public let manager: ConnectionManager
    /// The folder beside the SQLite database that holds generated secrets; `nil` for other stores.
    public let dataDirectory: String?
    /// Where the key ring lives, when keys come from a file (`nil` with `TIKTOK_BUSINESS_KEYS`).
    public let keyFile: String?

    /// The key ring in use.
    public var cipher: TokenCipher { manager.cipher }

    /// The sandbox app's credentials (the built-in emulator's).
    public static let sandboxAppID = "sandbox-app"
    public static let sandboxSecret = "sandbox-secret"

    /// What to check when opening the vault.
    public struct Checks: Sendable {
        /// Refuse a database recorded for another TikTok app (and record this one on first use).
        public var appIdentity = true

        /// Every check.
        public static let all = Checks()
        /// Everything but the app identity (for `tiktok-business app move`, which changes it).
        public static let exceptAppIdentity = Checks(appIdentity: false)
    }

    /// Opens the store (running its pool while `body` runs, and migrating it), checks the app identity, loads or
    /// creates the key ring, builds the vault, and runs `body` with it.
    /// - Parameter sandboxBaseURL: the emulator's base URL in sandbox mode.
    public static func with<T>(
        settings: ServiceSettings, sandboxBaseURL: String? = nil, checks: Checks = .all, logger: Logger,
        _ body: (VaultEnvironment) async throws -> T
    ) async throws -> T {
        let (store, directory, postgres) = try openStore(settings.databaseURL, settings: settings, logger: logger)
        let make = {
            try await Self.make(settings, store, directory, sandboxBaseURL, checks, logger)
        }
        guard let postgres else {
            return try await body(try await make())
        }
        return try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
            group.addTask { await postgres.run() }
            defer { group.cancelAll() }
            return try await body(try await make())
        }
    }

    private static func make(
        _ settings: ServiceSettings, _ store: any ConnectionStore, _ directory: String?, _ sandboxBaseURL: String?,
        _ checks: Checks, _ logger: Logger
    ) async throws -> VaultEnvironment {
        do {
            try await store.migrate()
        } catch {
            throw SettingsError("The database could not be migrated: \(error)")
        }
        if checks.appIdentity {
            try await AppIdentityCheck.verify(store: store, settings: settings)
        }
        let keyFile = KeyRingLoader.keyFilePath(settings: settings, directory: directory)
        let cipher = try await KeyRingLoader.load(settings: settings, keyFile: keyFile, store: store, logger: logger)
        return VaultEnvironment(
            settings: settings, store: store, cipher: cipher,
            client: makeClient(settings: settings, sandboxBaseURL: sandboxBaseURL, logger: logger),
            dataDirectory: directory, keyFile: settings.keys == nil ? keyFile : nil)
    }

    /// Builds the vault over an open, checked store.
    public init(
        settings: ServiceSettings, store: any ConnectionStore, cipher: TokenCipher, client: TikTokClient,
        dataDirectory: String?, keyFile: String?
    ) {
        var configuration = ConnectionManager.Configuration(
            redirectURIs: ConnectionManager.Configuration.redirectURIs(publicURL: settings.publicURL),
            accountScopes: settings.accountScopes)
        configuration.refreshMargin = settings.refreshMargin
        configuration.leaseDuration = settings.refreshLease
        configuration.degradedAfter = settings.degradedAfter
        configuration.instanceID = Self.instanceID()
        self.settings = settings
        self.store = store
        self.client = client
        self.manager = ConnectionManager(
            client: client, store: store, cipher: cipher, configuration: configuration,
            logger: Logger(label: "tiktok-business.connections"))
        self.dataDirectory = dataDirectory
        self.keyFile = keyFile
    }

    /// A unique id for this process: host name, process id and a random part (containers often share both).
    static func instanceID() -> String {
        "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(RandomID.hex(bytes: 4))"
    }

    /// The TikTok client for these settings: the app's credentials, or the built-in emulator's in sandbox mode.
    public static func makeClient(settings: ServiceSettings, sandboxBaseURL: String?, logger: Logger) -> TikTokClient {
        // Paced one call at a time (no burst): `serve` runs it at its share of the app's budget (QPSBudgetService),
        // and a burst from each of several instances could crowd one of TikTok's one-second windows.
        let governor = RateGovernor(
            requestsPerSecond: settings.rateLimit, burst: 1,
            maximumWait: .milliseconds(Int64(settings.rateLimitMaximumWait * 1000)))
        let timeout = Duration.milliseconds(Int64(settings.requestTimeout * 1000))
        if settings.sandbox {
            let base = sandboxBaseURL ?? settings.sandboxBaseURL()
            return TikTokClient(
                configuration: .init(
                    appID: sandboxAppID, secret: sandboxSecret, apiBaseURL: base + "/open_api/v1.3/",
                    advertiserAuthorizationURL: base + "/portal/auth",
                    accountAuthorizationURL: base + "/v2/auth/authorize/",
                    rateGovernor: governor, requestTimeout: timeout),
                logger: Logger(label: "tiktok-business.sdk"))
        }
        return TikTokClient(
            configuration: .init(
                appID: settings.appID!, secret: settings.appSecret!, apiBaseURL: settings.apiBaseURL,
                advertiserAuthorizationURL: settings.advertiserAuthURL,
                accountAuthorizationURL: settings.accountAuthURL,
                rateGovernor: governor, requestTimeout: timeout),
            logger: Logger(label: "tiktok-business.sdk"))
    }
}
