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

/// The service's composition root: from settings to a running `ServiceGroup` (HTTP server, refresh sweeper, key
/// ring follower, webhooks, and the emulator in sandbox mode), after every start check of ``VaultEnvironment``.
/// The CLI's `serve` is a thin wrapper; tests run it in-process.
public enum ServiceRunner {
    /// Runs the service until SIGTERM/SIGINT (or `gracefulShutdownSignals`), then shuts down gracefully.
    /// - Parameters:
    ///   - output: receives the lines a person must see (the sandbox banner, a generated API key once, the address).
    ///   - onListening: called with the bound HTTP port once the server listens.
    public static func run(
        settings: ServiceSettings,
        gracefulShutdownSignals: [UnixSignal] = [.sigterm, .sigint],
        output: @escaping @Sendable (String) -> Void,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let logger = Logger(label: "tiktok-business")
        let webhooks = try webhookConfiguration(settings)
        let processEnvironment = ProcessInfo.processInfo.environment
        let tracing = try TracingSettings.resolve(environment: processEnvironment)
        var services: [any Service] = []
        var sandboxBaseURL: String?
        if settings.sandbox {
            guard settings.sandboxPort != 0 else {
                throw SettingsError("Sandbox mode needs a fixed TIKTOK_BUSINESS_SANDBOX_PORT.")
            }
            // The sandbox emulator keeps its grants and tokens beside the sandbox database, so sandbox connections
            // keep working, refreshing and revoking across restarts.
            let emulator: TikTokEmulator
            do {
                emulator = try TikTokEmulator.load(
                    configuration: .init(
                        apps: [
                            .init(
                                appID: VaultEnvironment.sandboxAppID, secret: VaultEnvironment.sandboxSecret,
                                redirectURIs: ConnectionKind.allCases.map {
                                    "\(settings.publicURL)/oauth/callback/\($0)"
                                })
                        ],
                        stateFile: try sandboxStateFile(settings)),
                    logger: Logger(label: "tiktok-business.sandbox"))
            } catch let error as EmulatorStateFileError {
                throw SettingsError("The sandbox emulator's state could not be loaded: \(error)")
            }
            // The host's service group alone decides when the emulator stops (it installs no signal handlers).
            services.append(emulator.makeService(host: settings.host, port: settings.sandboxPort))
            sandboxBaseURL = settings.sandboxBaseURL()
        }
        try await VaultEnvironment.with(settings: settings, sandboxBaseURL: sandboxBaseURL, logger: logger) {
            environment in
            if let sandboxBaseURL { output(Banner.sandbox(emulatorURL: sandboxBaseURL)) }
            let (apiKey, generatedAt) = try APIKeyFile.load(settings: settings, directory: environment.dataDirectory)
            if let generatedAt {
                output(
                    """
                    Generated a management API key (stored in \(generatedAt), shown only this once):
                        \(apiKey)
                    """)
            }
            let server = TikTokBusinessServer(
                manager: environment.manager,
                configuration: .init(
                    publicURL: settings.publicURL, apiKey: apiKey,
                    tikTokAPIBaseURL: environment.client.configuration.apiBaseURL, sandbox: settings.sandbox,
                    allowedRedirectOrigins: settings.allowedRedirectOrigins,
                    webhookDestination: webhooks?.loggableDestination, rateLimits: settings.rateLimits,
                    metricsPublic: settings.metricsPublic,
                    idleTimeout: .milliseconds(Int64(settings.httpIdleTimeout * 1000)),
                    headerTimeout: .milliseconds(Int64(settings.httpHeaderTimeout * 1000))),
                logger: Logger(label: "tiktok-business.http"))
            let publicURL = settings.publicURL
            let app = server.makeApplication(host: settings.host, port: settings.port) { port in
                output("tiktok-business listening on \(settings.host):\(port) — open \(publicURL)/")
                await onListening(port)
            }
            var services = services
            if let tracing,
                let exporter = try TracingBootstrap.start(tracing, environment: processEnvironment, logger: logger)
            {
                // First in the group, so it stops last: the spans of everything else are flushed on shutdown.
                services.insert(exporter, at: 0)
            }
            services.append(
                KeyRingService(
                    manager: environment.manager, store: environment.store, keyFile: environment.keyFile,
                    interval: .milliseconds(Int64(settings.keyReloadInterval * 1000)),
                    logger: Logger(label: "tiktok-business.keys")))
            if let governor = environment.client.configuration.rateGovernor {
                services.append(
                    QPSBudgetService(
                        store: environment.store, governor: governor,
                        instanceID: environment.manager.configuration.instanceID,
                        configuration: .init(
                            budget: QPSBudget(
                                requestsPerSecond: settings.rateLimit, headroom: settings.rateLimitHeadroom)),
                        logger: Logger(label: "tiktok-business.qps-budget")))
            }
            // Before the application, so that it stops after it (a service group stops in reverse order) and its
            // last flush counts the calls that were finishing.
            services.append(server.proxyUsage)
            services.append(app)
            if let dropInPort = settings.dropInPort {
                services.append(
                    server.makeDropInApplication(host: settings.host, port: dropInPort) { port in
                        output("tiktok-business drop-in endpoint on \(settings.host):\(port) (/open_api/v1.3/…)")
                    })
            }
            services.append(
                RefreshService(manager: environment.manager, logger: Logger(label: "tiktok-business.refresh")))
            services.append(
                RetentionService(
                    manager: environment.manager,
                    configuration: .init(policy: .init(eventRetention: settings.eventRetention)),
                    logger: Logger(label: "tiktok-business.retention")))
            var webhookClient: HTTPClient?
            if let webhooks {
                let client = webhookHTTPClient(webhooks)
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
                    services: services.map { .init(service: $0) }, gracefulShutdownSignals: gracefulShutdownSignals,
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
    /// redirects are not followed (the signed message goes to the configured URL only). It makes no spans of its own
    /// (they would hold the webhook URL's query); the delivery span is `tiktok_business.webhook_delivery`.
    static func webhookHTTPClient(_ webhooks: WebhookConfiguration) -> HTTPClient {
        var configuration = AsyncHTTPClientTransport.untracedConfiguration
        configuration.timeout = .init(connect: .seconds(5))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Where the sandbox emulator keeps its state: `sandbox-emulator.json` beside the SQLite database (created with
    /// its folder); sandbox mode on PostgreSQL keeps it in the working directory's `.tiktok-business/`.
    static func sandboxStateFile(_ settings: ServiceSettings) throws -> String {
        var directory = ".tiktok-business"
        if settings.databaseURL.hasPrefix("sqlite://") {
            let path = String(settings.databaseURL.dropFirst("sqlite://".count))
            let folder = (path as NSString).deletingLastPathComponent
            directory = folder.isEmpty ? "." : folder
        }
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw SettingsError("The folder \(directory) for the sandbox emulator's state could not be created.")
        }
        return directory + "/sandbox-emulator.json"
    }

    /// The webhook settings, or `nil` when webhooks are off; a URL without a secret (or the reverse) is an error.
    public static func webhookConfiguration(_ settings: ServiceSettings) throws -> WebhookConfiguration? {
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

enum Banner {
    static func sandbox(emulatorURL: String) -> String {
        """
        ================================================================================
         SANDBOX MODE: TIKTOK_APP_ID is not set, so TikTok is the built-in emulator at
         \(emulatorURL). No real TikTok account is involved.
        ================================================================================
        """
    }
}
