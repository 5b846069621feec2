import Configuration
import Foundation
import SystemPackage
import TikTokBusiness
import TikTokConnections

/// The service's settings: the environment variables of DESIGN.md, or the same keys in a JSON file (`--config`).
/// The environment wins over the file.
struct Settings: Sendable {
    static let defaultAPIBaseURL = "https://business-api.tiktok.com/open_api/v1.3/"
    static let defaultAdvertiserAuthURL = "https://business-api.tiktok.com/portal/auth"
    static let defaultAccountAuthURL = "https://www.tiktok.com/v2/auth/authorize/"
    static let defaultScopes = "user.info.basic,user.info.stats,video.list"
    static let defaultDatabaseURL = "sqlite://./.tiktok-business/connections.sqlite"

    var appID: String?
    var appSecret: String?
    var apiBaseURL: String
    var advertiserAuthURL: String
    var accountAuthURL: String
    var accountScopes: [String]
    var publicURL: String
    var databaseURL: String
    var keys: String?
    var apiKey: String?
    var host: String
    var port: Int
    var sandboxPort: Int
    var webhookURL: String?
    var webhookSecret: String?
    var logLevel: String
    var allowedRedirectOrigins: [String]
    var rateLimit: Double
    /// How long one TikTok call may take (`TIKTOK_REQUEST_TIMEOUT_SECONDS`), seconds.
    var requestTimeout: Double
    /// PostgreSQL pool settings; `nil` keeps the store's default.
    var databaseMaximumConnections: Int?
    var databaseConnectTimeout: Double?
    var databaseWaitTimeout: Double?
    /// `ConnectionManager.Configuration.refreshMargin`, seconds.
    var refreshMargin: Double
    /// `ConnectionManager.Configuration.leaseDuration`, seconds.
    var refreshLease: Double

    static let defaultRequestTimeout: Double = 30
    static let defaultRefreshMargin: Double = 600
    static let defaultRefreshLease: Double = 120

    /// Sandbox mode: no app credentials, so TikTok is the built-in emulator.
    var sandbox: Bool { appID == nil }

    /// Reads the environment, then the file if one is given.
    static func load(configFile: String?) async throws -> Settings {
        var providers: [any ConfigProvider] = [EnvironmentVariablesProvider()]
        if let configFile {
            guard FileManager.default.fileExists(atPath: configFile) else {
                throw SettingsError("The configuration file \(configFile) does not exist.")
            }
            do {
                providers.append(try await FileProvider<JSONSnapshot>(filePath: FilePath(configFile)))
            } catch {
                throw SettingsError("The configuration file \(configFile) is not valid JSON: \(error)")
            }
        }
        return try Settings(reader: ConfigReader(providers: providers))
    }

    init(reader config: ConfigReader) throws {
        func text(_ key: String) -> String? {
            let value = config.string(forKey: ConfigKey(key))?.trimmingCharacters(in: .whitespacesAndNewlines)
            return value?.isEmpty == false ? value : nil
        }
        func integer(_ key: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
            guard let raw = text(key) else { return value }
            guard let parsed = Int(raw), range.contains(parsed) else {
                throw SettingsError("\(key) must be an integer from \(range.lowerBound) to \(range.upperBound).")
            }
            return parsed
        }
        func seconds(_ key: String, range: ClosedRange<Double>) throws -> Double? {
            guard let raw = text(key) else { return nil }
            guard let parsed = Double(raw), parsed.isFinite, range.contains(parsed) else {
                throw SettingsError(
                    "\(key) must be a number of seconds from \(Self.format(range.lowerBound)) to "
                        + "\(Self.format(range.upperBound)).")
            }
            return parsed
        }
        appID = text("TIKTOK_APP_ID")
        appSecret = text("TIKTOK_APP_SECRET")
        if appID != nil, appSecret == nil {
            throw SettingsError("TIKTOK_APP_SECRET is required when TIKTOK_APP_ID is set.")
        }
        apiBaseURL = text("TIKTOK_API_BASE_URL") ?? Self.defaultAPIBaseURL
        advertiserAuthURL = text("TIKTOK_ADVERTISER_AUTH_URL") ?? Self.defaultAdvertiserAuthURL
        accountAuthURL = text("TIKTOK_ACCOUNT_AUTH_URL") ?? Self.defaultAccountAuthURL
        accountScopes = (text("TIKTOK_ACCOUNT_SCOPES") ?? Self.defaultScopes).split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        host = text("TIKTOK_BUSINESS_HOST") ?? "127.0.0.1"
        port = try integer("TIKTOK_BUSINESS_PORT", default: 8080, range: 0...65_535)
        publicURL = text("TIKTOK_BUSINESS_PUBLIC_URL") ?? "http://127.0.0.1:\(port == 0 ? 8080 : port)"
        sandboxPort = try integer(
            "TIKTOK_BUSINESS_SANDBOX_PORT", default: port == 0 ? 0 : port + 1, range: 0...65_535)
        databaseURL = text("TIKTOK_BUSINESS_DATABASE_URL") ?? Self.defaultDatabaseURL
        keys = text("TIKTOK_BUSINESS_KEYS")
        apiKey = text("TIKTOK_BUSINESS_API_KEY")
        webhookURL = text("TIKTOK_BUSINESS_WEBHOOK_URL")
        webhookSecret = text("TIKTOK_BUSINESS_WEBHOOK_SECRET")
        logLevel = text("LOG_LEVEL") ?? "info"
        allowedRedirectOrigins = (text("TIKTOK_BUSINESS_ALLOWED_REDIRECT_ORIGINS") ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let rate = text("TIKTOK_RATE_LIMIT_QPS") ?? "10"
        guard let qps = Double(rate), qps > 0 else { throw SettingsError("TIKTOK_RATE_LIMIT_QPS must be a positive number.") }
        rateLimit = qps
        requestTimeout = try seconds("TIKTOK_REQUEST_TIMEOUT_SECONDS", range: 1...600) ?? Self.defaultRequestTimeout

        databaseMaximumConnections = try text("TIKTOK_BUSINESS_DATABASE_MAX_CONNECTIONS").map { _ in
            try integer("TIKTOK_BUSINESS_DATABASE_MAX_CONNECTIONS", default: 20, range: 1...1_000)
        }
        databaseConnectTimeout = try seconds("TIKTOK_BUSINESS_DATABASE_CONNECT_TIMEOUT_SECONDS", range: 0.1...600)
        databaseWaitTimeout = try seconds("TIKTOK_BUSINESS_DATABASE_WAIT_TIMEOUT_SECONDS", range: 0.1...600)
        let isPostgres = databaseURL.hasPrefix("postgres://") || databaseURL.hasPrefix("postgresql://")
        if !isPostgres {
            for (name, value) in [
                ("TIKTOK_BUSINESS_DATABASE_MAX_CONNECTIONS", databaseMaximumConnections.map(Double.init)),
                ("TIKTOK_BUSINESS_DATABASE_CONNECT_TIMEOUT_SECONDS", databaseConnectTimeout),
                ("TIKTOK_BUSINESS_DATABASE_WAIT_TIMEOUT_SECONDS", databaseWaitTimeout),
            ] where value != nil {
                throw SettingsError("\(name) applies only to a PostgreSQL TIKTOK_BUSINESS_DATABASE_URL.")
            }
        }

        refreshMargin =
            try seconds("TIKTOK_BUSINESS_REFRESH_MARGIN_SECONDS", range: 1...(30 * 86_400)) ?? Self.defaultRefreshMargin
        // A lease that can lapse while its holder still waits for TikTok lets another instance spend the same
        // refresh token: it must outlast the longest refresh call the client can make.
        let leaseFloor = ConnectionManager.Configuration.minimumLeaseDuration(
            retry: RetryPolicy(), requestTimeout: .milliseconds(Int64(requestTimeout * 1000)))
        refreshLease = try seconds("TIKTOK_BUSINESS_REFRESH_LEASE_SECONDS", range: 1...86_400) ?? Self.defaultRefreshLease
        guard refreshLease >= leaseFloor else {
            throw SettingsError(
                "TIKTOK_BUSINESS_REFRESH_LEASE_SECONDS must be at least \(Self.format(leaseFloor.rounded(.up))): "
                    + "longer than one refresh call with all its retries can take with a "
                    + "\(Self.format(requestTimeout)) s TIKTOK_REQUEST_TIMEOUT_SECONDS, plus "
                    + "\(Self.format(ConnectionManager.Configuration.leaseStoreAllowance)) s to store the answer.")
        }
        guard URLComponents(string: publicURL)?.host != nil else {
            throw SettingsError("TIKTOK_BUSINESS_PUBLIC_URL must be an absolute http(s) URL.")
        }
        for (name, url) in [("TIKTOK_API_BASE_URL", apiBaseURL), ("TIKTOK_ADVERTISER_AUTH_URL", advertiserAuthURL),
                            ("TIKTOK_ACCOUNT_AUTH_URL", accountAuthURL)] {
            guard let scheme = URLComponents(string: url)?.scheme, ["http", "https"].contains(scheme) else {
                throw SettingsError("\(name) must be an absolute http(s) URL.")
            }
        }
    }

    /// A number of seconds without a needless `.0`.
    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// The emulator's base URL in sandbox mode: the public URL's scheme and host, on the sandbox port.
    func sandboxBaseURL(port actualPort: Int? = nil) -> String {
        let components = URLComponents(string: publicURL)
        let host = components?.host ?? "127.0.0.1"
        return "http://\(host):\(actualPort ?? sandboxPort)"
    }
}

/// A configuration problem, reported clearly at start.
struct SettingsError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
