import ArgumentParser
import Foundation
import Logging
import TikTokEmulator

/// `tiktok-business emulator`: serves the TikTok side (consent pages, `/open_api/v1.3/…`, `/_emulator/…`) locally.
struct EmulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulator",
        abstract: "Run a local TikTok Business API emulator",
        discussion: """
            Serves the consent pages (/portal/auth, /v2/auth/authorize/), the API under /open_api/v1.3/ and the \
            test-control API under /_emulator/. Point TIKTOK_API_BASE_URL at http://HOST:PORT/open_api/v1.3/ and the \
            authorization URLs at http://HOST:PORT/portal/auth and http://HOST:PORT/v2/auth/authorize/.
            """
    )

    /// The redirect URIs registered when none is given.
    static let defaultRedirectURIs = ["advertiser", "tiktok_account", "tcm_account", "creator"].map {
        "http://127.0.0.1:8080/oauth/callback/\($0)"
    }

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0 picks a free port).")
    var port = 9000

    @Flag(help: "Approve every authorization at once, without showing consent pages.")
    var autoConsent = false

    @Option(name: .customLong("app-id"), help: "The emulated app's id (app_id / client_key).")
    var appID = "emulator-app"

    @Option(help: "The emulated app's secret.")
    var secret = "emulator-secret"

    @Option(
        name: .customLong("redirect-uri"),
        help: ArgumentHelp(
            "A registered redirect URI (repeatable, at most 10).",
            discussion: "Default: \(Self.defaultRedirectURIs.joined(separator: ", "))."
        )
    )
    var redirectURIs: [String] = []

    @Option(help: "Lifetime in seconds of account/creator access tokens.")
    var accessTokenLifetime = 86_400

    @Option(help: "Lifetime in seconds of refresh tokens, from the original grant.")
    var refreshTokenLifetime = 31_536_000

    @Flag(help: "Issue a new refresh token on every refresh and invalidate the previous one.")
    var rotateRefreshTokens = false

    @Option(
        name: .customLong("refresh-token-grace"),
        help: ArgumentHelp(
            "Seconds a refresh token retired by rotation is still accepted (0: strict).",
            valueName: "seconds"))
    var refreshTokenGrace = 0

    @Option(help: "Calls per second accepted per app on /open_api (unlimited when omitted).")
    var qpsLimit: Int?

    @Option(help: "The seed of the generated identifiers and data.")
    var seed: UInt64 = 1

    @Option(help: "The log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    @Option(
        name: .customLong("state-file"),
        help: "Keep grants and tokens in this JSON file (0600) across restarts (in memory when omitted).")
    var stateFile: String?

    /// The redirect URIs to register: the ones given, else the defaults.
    var effectiveRedirectURIs: [String] {
        self.redirectURIs.isEmpty ? Self.defaultRedirectURIs : self.redirectURIs
    }

    func validate() throws {
        guard (0...65_535).contains(self.port) else {
            throw ValidationError("--port must be between 0 and 65535.")
        }
        guard !self.appID.isEmpty, !self.secret.isEmpty else {
            throw ValidationError("--app-id and --secret must not be empty.")
        }
        guard self.redirectURIs.count <= 10 else {
            throw ValidationError(
                "At most 10 redirect URIs can be registered per app (got \(self.redirectURIs.count)).")
        }
        for uri in self.redirectURIs {
            guard let components = URLComponents(string: uri), let scheme = components.scheme?.lowercased(),
                scheme == "http" || scheme == "https", components.host?.isEmpty == false
            else {
                throw ValidationError("--redirect-uri \(uri) is not an absolute http(s) URL.")
            }
        }
        guard self.accessTokenLifetime > 0 else {
            throw ValidationError("--access-token-lifetime must be greater than 0.")
        }
        guard self.refreshTokenLifetime > 0 else {
            throw ValidationError("--refresh-token-lifetime must be greater than 0.")
        }
        guard self.refreshTokenGrace >= 0 else {
            throw ValidationError("--refresh-token-grace must not be negative.")
        }
        if let qpsLimit = self.qpsLimit, qpsLimit <= 0 {
            throw ValidationError("--qps-limit must be greater than 0.")
        }
        guard Logger.Level(rawValue: self.logLevel.lowercased()) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical.")
        }
    }

    /// The emulator configuration these options describe.
    var emulatorConfiguration: TikTokEmulatorConfiguration {
        TikTokEmulatorConfiguration(
            apps: [.init(appID: self.appID, secret: self.secret, redirectURIs: self.effectiveRedirectURIs)],
            autoConsent: self.autoConsent,
            accessTokenLifetime: self.accessTokenLifetime,
            refreshTokenLifetime: self.refreshTokenLifetime,
            rotateRefreshTokens: self.rotateRefreshTokens,
            refreshTokenGracePeriod: self.refreshTokenGrace,
            qpsLimit: self.qpsLimit,
            seed: self.seed,
            stateFile: self.stateFile
        )
    }

    func run() async throws {
        var logger = Logger(label: "tiktok-business.emulator")
        logger.logLevel = Logger.Level(rawValue: self.logLevel.lowercased()) ?? .info
        let emulator: TikTokEmulator
        do {
            emulator = try TikTokEmulator.load(configuration: self.emulatorConfiguration, logger: logger)
        } catch {
            throw ValidationError("\(error)")
        }
        let displayHost = self.host == "0.0.0.0" || self.host == "::" ? "127.0.0.1" : self.host
        let appID = self.appID
        let autoConsent = self.autoConsent
        try await emulator.run(host: self.host, port: self.port) { boundPort in
            let mode = autoConsent ? ", auto-consent" : ""
            let line =
                "TikTok Business API emulator listening on http://\(displayHost):\(boundPort) (app_id \(appID)\(mode))\n"
            FileHandle.standardOutput.write(Data(line.utf8))
        }
    }
}
