import ArgumentParser
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TikTokBusiness
import TikTokConnections
import TikTokConnectionsServer
import TikTokEmulator
import UnixSignals

/// `tiktok-business serve`: the service, with the refresh sweeper inside; in sandbox mode the emulator too.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the service: connect pages, management API, proxy and the refresh sweeper.",
        discussion: """
            Configured by environment variables (TIKTOK_APP_ID, TIKTOK_APP_SECRET, TIKTOK_BUSINESS_DATABASE_URL, …; \
            see the README) or the same keys in a JSON file given with --config. Without TIKTOK_APP_ID it runs in \
            sandbox mode against the built-in TikTok emulator.
            """)

    @OptionGroup var options: CommonOptions

    func run() async throws {
        let settings = try await options.settings()
        let logger = Logger(label: "tiktok-business")
        let webhooks = try Self.webhookConfiguration(settings)
        var services: [any Service] = []
        var sandboxBaseURL: String?
        if settings.sandbox {
            guard settings.sandboxPort != 0 else {
                throw SettingsError("Sandbox mode needs a fixed TIKTOK_BUSINESS_SANDBOX_PORT.")
            }
            let emulator = TikTokEmulator(
                configuration: .init(
                    apps: [
                        .init(
                            appID: VaultEnvironment.sandboxAppID, secret: VaultEnvironment.sandboxSecret,
                            redirectURIs: ConnectionKind.allCases.map { "\(settings.publicURL)/oauth/callback/\($0)" })
                    ]),
                logger: Logger(label: "tiktok-business.sandbox"))
            services.append(EmulatorService(emulator: emulator, host: settings.host, port: settings.sandboxPort))
            sandboxBaseURL = settings.sandboxBaseURL()
            Banner.sandbox(emulatorURL: sandboxBaseURL!)
        }
        try await VaultEnvironment.with(settings: settings, sandboxBaseURL: sandboxBaseURL, logger: logger) {
            environment in
            let apiKey = try APIKey.load(settings: settings, directory: environment.dataDirectory)
            let server = TikTokBusinessServer(
                manager: environment.manager,
                configuration: .init(
                    publicURL: settings.publicURL, apiKey: apiKey,
                    tikTokAPIBaseURL: environment.client.configuration.apiBaseURL, sandbox: settings.sandbox,
                    allowedRedirectOrigins: settings.allowedRedirectOrigins,
                    webhookDestination: webhooks?.loggableDestination),
                logger: Logger(label: "tiktok-business.http"))
            let publicURL = settings.publicURL
            let app = server.makeApplication(host: settings.host, port: settings.port) { port in
                Console.line("tiktok-business listening on \(settings.host):\(port) — open \(publicURL)/")
            }
            var services = services
            services.append(app)
            services.append(
                RefreshService(manager: environment.manager, logger: Logger(label: "tiktok-business.refresh")))
            var webhookClient: HTTPClient?
            if let webhooks {
                let client = Self.webhookHTTPClient(webhooks)
                webhookClient = client
                let webhookService = WebhookService(
                    manager: environment.manager, configuration: webhooks,
                    transport: AsyncHTTPClientTransport(client: client, maximumResponseSize: 64 * 1024),
                    logger: Logger(label: "tiktok-business.webhooks"))
                // Start the outbox before the first request, so every event from now on goes out.
                try await webhookService.prepare()
                services.append(webhookService)
            }
            let group = ServiceGroup(
                configuration: .init(
                    services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint],
                    logger: logger))
            do {
                try await group.run()
            } catch {
                try? await webhookClient?.shutdown()
                throw error
            }
            try await webhookClient?.shutdown()
        }
    }

    /// The HTTP client webhooks go out on: a receiver that refuses connections fails the attempt at once (to be
    /// retried on the outbox's schedule) instead of being retried inside the client until its connect timeout, and
    /// redirects are not followed (the signed message goes to the configured URL only).
    static func webhookHTTPClient(_ webhooks: WebhookConfiguration) -> HTTPClient {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(5)))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}

extension ServeCommand {
    /// The webhook settings, or `nil` when webhooks are off; a URL without a secret (or the reverse) is an error.
    static func webhookConfiguration(_ settings: Settings) throws -> WebhookConfiguration? {
        switch (settings.webhookURL, settings.webhookSecret) {
        case (nil, nil):
            return nil
        case (.some, nil):
            throw SettingsError(
                "TIKTOK_BUSINESS_WEBHOOK_SECRET is required with TIKTOK_BUSINESS_WEBHOOK_URL "
                    + "(a Standard Webhooks secret; `tiktok-business webhooks new-secret` makes one).")
        case (nil, .some):
            throw SettingsError("TIKTOK_BUSINESS_WEBHOOK_SECRET is set but TIKTOK_BUSINESS_WEBHOOK_URL is not.")
        case (.some(let url), .some(let secret)):
            do {
                return try WebhookConfiguration(url: url, secret: secret)
            } catch {
                throw SettingsError("TIKTOK_BUSINESS_WEBHOOK_URL / _SECRET: \(error.message)")
            }
        }
    }
}

/// The emulator as a `Service`, for sandbox mode.
struct EmulatorService: Service {
    let emulator: TikTokEmulator
    let host: String
    let port: Int

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await emulator.run(host: host, port: port)
        }
    }
}

/// The management API key: `TIKTOK_BUSINESS_API_KEY`, else generated once into a 0600 file and printed once.
enum APIKey {
    static func load(settings: Settings, directory: String?) throws -> String {
        if let key = settings.apiKey {
            guard key.count >= 16 else {
                throw SettingsError("TIKTOK_BUSINESS_API_KEY must be at least 16 characters.")
            }
            return key
        }
        guard let directory else {
            throw SettingsError("TIKTOK_BUSINESS_API_KEY is required with a database that has no local folder.")
        }
        let path = directory + "/api-key"
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            let key = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !key.isEmpty { return key }
        }
        let key = "tbk_" + RandomID.urlSafe(bytes: 32)
        try SecretFile.write(key + "\n", to: path)
        Console.line(
            """
            Generated a management API key (stored in \(path), shown only this once):
                \(key)
            """)
        return key
    }
}

enum Banner {
    static func sandbox(emulatorURL: String) {
        Console.line(
            """
            ================================================================================
             SANDBOX MODE: TIKTOK_APP_ID is not set, so TikTok is the built-in emulator at
             \(emulatorURL). No real TikTok account is involved.
            ================================================================================
            """)
    }
}
