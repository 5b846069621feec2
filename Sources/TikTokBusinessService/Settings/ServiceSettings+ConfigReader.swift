import Configuration
import Foundation
import SystemPackage
import TikTokBusiness
import TikTokConnections
import TikTokConnectionsServer

extension ServiceSettings {
    /// Reads the environment, then the file if one is given.
    public static func load(configFile: String?) async throws -> ServiceSettings {
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
        return try ServiceSettings(reader: ConfigReader(providers: providers))
    }

    /// Reads every setting from `config`, checking each; the first bad one throws a ``SettingsError``.
    public init(reader config: ConfigReader) throws {
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
        // The port above the service's, when there is one; else sandbox mode asks for one.
        sandboxPort = try integer(
            "TIKTOK_BUSINESS_SANDBOX_PORT", default: port == 0 || port == 65_535 ? 0 : port + 1, range: 0...65_535)
        // Sandbox mode keeps to its own database unless told otherwise, so it never opens a real vault by accident
        // (and refuses one it is pointed at: see VaultEnvironment's identity check).
        databaseURL =
            text("TIKTOK_BUSINESS_DATABASE_URL")
            ?? (appID == nil ? Self.defaultSandboxDatabaseURL : Self.defaultDatabaseURL)
        keys = text("TIKTOK_BUSINESS_KEYS")
        keyFile = text("TIKTOK_BUSINESS_KEY_FILE")
        keyReloadInterval =
            try seconds("TIKTOK_BUSINESS_KEY_RELOAD_SECONDS", range: 1...3_600) ?? Self.defaultKeyReloadInterval
        apiKey = text("TIKTOK_BUSINESS_API_KEY")
        webhookURL = text("TIKTOK_BUSINESS_WEBHOOK_URL")
        webhookSecret = text("TIKTOK_BUSINESS_WEBHOOK_SECRET")
        logLevel = text("LOG_LEVEL") ?? "info"
        allowedRedirectOrigins = (text("TIKTOK_BUSINESS_ALLOWED_REDIRECT_ORIGINS") ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let rate = text("TIKTOK_RATE_LIMIT_QPS") ?? "10"
        guard let qps = Double(rate), qps > 0 else {
            throw SettingsError("TIKTOK_RATE_LIMIT_QPS must be a positive number.")
        }
        rateLimit = qps
        rateLimitHeadroom = Double(try integer("TIKTOK_RATE_LIMIT_HEADROOM_PERCENT", default: 10, range: 0...50)) / 100
        rateLimitMaximumWait = try seconds("TIKTOK_RATE_LIMIT_MAX_WAIT_SECONDS", range: 0.1...600) ?? 5
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

        let defaults = PublicRateLimits()
        let perMinute = try integer(
            "TIKTOK_BUSINESS_RATE_LIMIT_PER_MINUTE", default: Int(defaults.connect.perMinute), range: 0...1_000_000)
        let burst = try integer(
            "TIKTOK_BUSINESS_RATE_LIMIT_BURST", default: defaults.connect.burst, range: 1...1_000_000)
        let signIn = try integer(
            "TIKTOK_BUSINESS_SIGN_IN_LIMIT_PER_MINUTE", default: Int(defaults.signIn.perMinute), range: 0...1_000)
        rateLimits = PublicRateLimits(
            connect: .init(perMinute: Double(perMinute), burst: burst),
            callback: .init(perMinute: Double(perMinute), burst: burst),
            signIn: .init(perMinute: Double(signIn), burst: max(1, min(signIn, defaults.signIn.burst))),
            trustedProxyHops: try integer("TIKTOK_BUSINESS_TRUSTED_PROXY_HOPS", default: 0, range: 0...16))
        let retentionDays = try integer(
            "TIKTOK_BUSINESS_EVENT_RETENTION_DAYS", default: Int(RetentionPolicy.defaultEventRetention / 86_400),
            range: 0...36_500)
        eventRetention = retentionDays == 0 ? nil : Double(retentionDays) * 86_400
        switch text("TIKTOK_BUSINESS_METRICS_PUBLIC")?.lowercased() {
        case nil, "0", "false", "no": metricsPublic = false
        case "1", "true", "yes": metricsPublic = true
        default: throw SettingsError("TIKTOK_BUSINESS_METRICS_PUBLIC must be 1 or 0.")
        }
        httpIdleTimeout = try seconds("TIKTOK_BUSINESS_HTTP_IDLE_TIMEOUT_SECONDS", range: 1...3_600) ?? 60
        httpHeaderTimeout = try seconds("TIKTOK_BUSINESS_HTTP_HEADER_TIMEOUT_SECONDS", range: 1...600) ?? 10

        refreshMargin =
            try seconds("TIKTOK_BUSINESS_REFRESH_MARGIN_SECONDS", range: 1...(30 * 86_400)) ?? Self.defaultRefreshMargin
        degradedAfter = try seconds("TIKTOK_BUSINESS_DEGRADED_AFTER_SECONDS", range: 1...(30 * 86_400)) ?? 3600
        if text("TIKTOK_BUSINESS_DROP_IN_PORT") != nil {
            dropInPort = try integer("TIKTOK_BUSINESS_DROP_IN_PORT", default: 0, range: 0...65_535)
        }
        // A lease that can lapse while its holder still waits for TikTok lets another instance spend the same
        // refresh token: it must outlast the longest refresh call the client can make.
        let leaseFloor = ConnectionManager.Configuration.minimumLeaseDuration(
            retry: RetryPolicy(), requestTimeout: .milliseconds(Int64(requestTimeout * 1000)))
        refreshLease =
            try seconds("TIKTOK_BUSINESS_REFRESH_LEASE_SECONDS", range: 1...86_400) ?? Self.defaultRefreshLease
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
        for (name, url) in [
            ("TIKTOK_API_BASE_URL", apiBaseURL), ("TIKTOK_ADVERTISER_AUTH_URL", advertiserAuthURL),
            ("TIKTOK_ACCOUNT_AUTH_URL", accountAuthURL),
        ] {
            guard let scheme = URLComponents(string: url)?.scheme, ["http", "https"].contains(scheme) else {
                throw SettingsError("\(name) must be an absolute http(s) URL.")
            }
        }
    }
}
