import Foundation
import Logging
import TikTokBusiness
import TikTokConnections
import TikTokConnectionsPostgres
import TikTokConnectionsSQLite

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What every command that touches connections needs: the store, the key ring, the TikTok client and the vault,
/// all from ``Settings``.
struct VaultEnvironment: Sendable {
    let settings: Settings
    let store: any ConnectionStore
    let cipher: TokenCipher
    let client: TikTokClient
    let manager: ConnectionManager
    /// The folder beside the SQLite database that holds generated secrets; `nil` for other stores.
    let dataDirectory: String?
    /// Where the generated key ring lives, when keys come from a file.
    let keyFile: String?

    /// The sandbox app's credentials (the built-in emulator's).
    static let sandboxAppID = "sandbox-app"
    static let sandboxSecret = "sandbox-secret"

    /// Opens the store (running its pool while `body` runs, and migrating it), loads or creates the key ring, builds
    /// the vault, and runs `body` with it.
    /// - Parameter sandboxBaseURL: the emulator's base URL in sandbox mode.
    static func with<T>(
        settings: Settings, sandboxBaseURL: String? = nil, logger: Logger,
        _ body: (VaultEnvironment) async throws -> T
    ) async throws -> T {
        let (store, directory, postgres) = try openStore(settings.databaseURL, settings: settings, logger: logger)
        guard let postgres else {
            return try await body(try await make(settings, store, directory, sandboxBaseURL, logger))
        }
        return try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
            group.addTask { await postgres.run() }
            defer { group.cancelAll() }
            return try await body(try await make(settings, store, directory, sandboxBaseURL, logger))
        }
    }

    private static func make(
        _ settings: Settings, _ store: any ConnectionStore, _ directory: String?, _ sandboxBaseURL: String?,
        _ logger: Logger
    ) async throws -> VaultEnvironment {
        do {
            try await store.migrate()
        } catch {
            throw SettingsError("The database could not be migrated: \(error)")
        }
        let (cipher, keyFile) = try loadKeys(settings: settings, directory: directory, logger: logger)
        return VaultEnvironment(
            settings: settings, store: store, cipher: cipher,
            client: makeClient(settings: settings, sandboxBaseURL: sandboxBaseURL, logger: logger),
            dataDirectory: directory, keyFile: keyFile)
    }

    init(
        settings: Settings, store: any ConnectionStore, cipher: TokenCipher, client: TikTokClient,
        dataDirectory: String?, keyFile: String?
    ) {
        var configuration = ConnectionManager.Configuration(
            redirectURIs: ConnectionManager.Configuration.redirectURIs(publicURL: settings.publicURL),
            accountScopes: settings.accountScopes)
        configuration.refreshMargin = settings.refreshMargin
        configuration.leaseDuration = settings.refreshLease
        configuration.instanceID = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
        self.settings = settings
        self.store = store
        self.cipher = cipher
        self.client = client
        self.manager = ConnectionManager(
            client: client, store: store, cipher: cipher, configuration: configuration,
            logger: Logger(label: "tiktok-business.connections"))
        self.dataDirectory = dataDirectory
        self.keyFile = keyFile
    }

    /// The same environment with another key ring.
    func with(cipher: TokenCipher) -> VaultEnvironment {
        VaultEnvironment(
            settings: settings, store: store, cipher: cipher, client: client, dataDirectory: dataDirectory,
            keyFile: keyFile)
    }

    static func makeClient(settings: Settings, sandboxBaseURL: String?, logger: Logger) -> TikTokClient {
        let governor = RateGovernor(requestsPerSecond: settings.rateLimit)
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

    /// Opens the store named by a database URL: the store, the folder for generated secrets (SQLite only), and the
    /// PostgreSQL store whose pool must run (sized and timed by the `TIKTOK_BUSINESS_DATABASE_…` settings).
    static func openStore(_ url: String, settings: Settings, logger: Logger) throws -> (
        any ConnectionStore, String?, PostgresConnectionStore?
    ) {
        if url.hasPrefix("sqlite://") {
            let path = String(url.dropFirst("sqlite://".count))
            guard !path.isEmpty else { throw SettingsError("TIKTOK_BUSINESS_DATABASE_URL names no SQLite file.") }
            let directory = (path as NSString).deletingLastPathComponent
            do {
                return (
                    try SQLiteConnectionStore(path: path, logger: Logger(label: "tiktok-business.sqlite")),
                    directory.isEmpty ? "." : directory, nil
                )
            } catch {
                throw SettingsError("The SQLite database \(path) could not be opened: \(error)")
            }
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            do {
                var configuration = try PostgresConnectionStore.Configuration(url: url)
                if let maximum = settings.databaseMaximumConnections { configuration.maximumConnections = maximum }
                if let timeout = settings.databaseConnectTimeout { configuration.connectTimeout = .seconds(timeout) }
                if let timeout = settings.databaseWaitTimeout { configuration.connectionWaitTimeout = .seconds(timeout) }
                let store = PostgresConnectionStore(
                    configuration: configuration, logger: Logger(label: "tiktok-business.postgres"))
                return (store, nil, store)
            } catch {
                throw SettingsError("TIKTOK_BUSINESS_DATABASE_URL is not a valid PostgreSQL URL: \(error)")
            }
        }
        throw SettingsError("TIKTOK_BUSINESS_DATABASE_URL must start with sqlite:// or postgres://.")
    }

    /// The key ring: `TIKTOK_BUSINESS_KEYS`, else a key file beside the database (generated, 0600).
    static func loadKeys(settings: Settings, directory: String?, logger: Logger) throws -> (TokenCipher, String?) {
        if let keys = settings.keys {
            do {
                return (try TokenCipher(keyRing: keys), nil)
            } catch {
                throw SettingsError("TIKTOK_BUSINESS_KEYS is not a valid key ring: \(error)")
            }
        }
        guard let directory else {
            throw SettingsError("TIKTOK_BUSINESS_KEYS is required with a database that has no local folder.")
        }
        let path = directory + "/keys"
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            do {
                return (try TokenCipher(keyRing: text.trimmingCharacters(in: .whitespacesAndNewlines)), path)
            } catch {
                throw SettingsError("The key file \(path) is not a valid key ring: \(error)")
            }
        }
        let key = try TokenCipher.Key.generate(id: "k" + String(Int(Date().timeIntervalSince1970)))
        try SecretFile.write(key.exported + "\n", to: path)
        logger.notice("Generated a new token encryption key", metadata: ["path": "\(path)"])
        return (try TokenCipher(keys: [key]), path)
    }
}

/// Files that hold secrets: created with 0600 in a 0700 folder.
enum SecretFile {
    static func write(_ text: String, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let temporary = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        guard
            FileManager.default.createFile(
                atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        else {
            throw SettingsError("Could not write \(path).")
        }
        // rename(2) replaces the old file atomically: a crash leaves either the old or the new file, never neither.
        guard rename(temporary, path) == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw SettingsError("Could not replace \(path) (errno \(errno)).")
        }
    }
}
