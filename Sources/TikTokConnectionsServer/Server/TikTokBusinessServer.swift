import Foundation
import Hummingbird
import Logging
import NIOCore
import TikTokBusiness
import TikTokConnections

/// The HTTP service over a ``ConnectionManager``: the admin page, the browser connect flow, the `/v1` management API
/// and proxy,
/// the OpenAPI document, health and metrics.
///
/// ```swift
/// let configuration = ServerConfiguration(publicURL: …, apiKey: …, tikTokAPIBaseURL: …)
/// let server = TikTokBusinessServer(manager: manager, configuration: configuration)
/// let app = server.makeApplication(host: "127.0.0.1", port: 8080)
/// try await ServiceGroup(services: [app, RefreshService(manager: manager)], …).run()
/// ```
public struct TikTokBusinessServer: Sendable {
    /// The vault.
    public let manager: ConnectionManager
    /// The configuration.
    public let configuration: ServerConfiguration
    /// The metrics behind `/metrics`.
    public let metrics: ServerMetrics
    let logger: Logger
    let adminSessions: AdminSessions
    let limiters: PublicRouteLimiters
    let gauges: StoreGauges
    let keys: APIKeyCache
    /// Counts proxied calls per connection, caller and day for the audit trail: a `Service` to run beside the
    /// application (it writes the counts every few seconds and on shutdown).
    public let proxyUsage: ProxyUsageRecorder
    let proxyTokens: ProxyTokenCache

    /// Creates the service.
    public init(
        manager: ConnectionManager, configuration: ServerConfiguration,
        logger: Logger = Logger(label: "tiktok-business.server")
    ) {
        self.manager = manager
        self.configuration = configuration
        self.metrics = ServerMetrics()
        self.logger = logger
        self.adminSessions = AdminSessions()
        self.limiters = PublicRouteLimiters(configuration.rateLimits, metrics: metrics)
        self.gauges = StoreGauges(
            manager: manager, metrics: metrics, webhooks: configuration.webhookDestination != nil,
            interval: configuration.metricsCountInterval)
        self.keys = APIKeyCache(manager: manager)
        self.proxyUsage = ProxyUsageRecorder(manager: manager)
        self.proxyTokens = ProxyTokenCache(manager: manager)
        let metrics = self.metrics
        manager.addEventObserver { metrics.observe($0) }
    }

    /// Every route of the service.
    public func makeRouter() -> Router<ServerRequestContext> {
        let router = Router(context: ServerRequestContext.self)
        router.add(middleware: AccessLogMiddleware(metrics: metrics))
        let v1Routes = MethodNotAllowedMiddleware<ServerRequestContext>.RouteTable(prefix: "/v1/")
        router.add(middleware: MethodNotAllowedMiddleware(routes: v1Routes))
        let pages = Pages()
        HealthRoutes(manager: manager, metrics: metrics, gauges: gauges, configuration: configuration, keys: keys)
            .register(on: router)
        ConnectRoutes(manager: manager, configuration: configuration, pages: pages, limiters: limiters)
            .register(on: router)
        OpenAPIDocument.register(on: router)
        AdminRoutes(
            manager: manager, configuration: configuration, pages: pages, sessions: adminSessions, limiters: limiters,
            keys: keys, proxyTokens: proxyTokens
        ).register(on: router)
        let api = router.group("v1").add(middleware: BearerAuthMiddleware(apiKey: configuration.apiKey, keys: keys))
        ManagementRoutes(manager: manager, configuration: configuration, keys: keys).register(on: api)
        OperationsRoutes(manager: manager, configuration: configuration, keys: keys).register(on: api)
        ProxyRoutes(manager: manager, configuration: configuration, metrics: metrics, usage: proxyUsage).register(
            on: api)
        ProxyTokenRoutes(manager: manager, configuration: configuration, tokens: proxyTokens).register(on: api)
        dropInRoutes().register(on: router)
        v1Routes.load(router.routes)
        return router
    }

    /// The drop-in endpoint (`/open_api/v1.3/…`) on its own: a router for a separate listener.
    public func makeDropInRouter() -> Router<ServerRequestContext> {
        let router = Router(context: ServerRequestContext.self)
        router.add(middleware: AccessLogMiddleware(metrics: metrics))
        router.get("healthz") { _, _ in JSONResponse.make(["status": "ok"]) }
        dropInRoutes().register(on: router)
        return router
    }

    private func dropInRoutes() -> DropInRoutes<ServerRequestContext> {
        DropInRoutes(
            manager: manager,
            relayer: ProxyRelay(manager: manager, configuration: configuration, metrics: metrics, usage: proxyUsage),
            tokens: proxyTokens)
    }

    /// The Hummingbird application on `host:port`, a `Service` to run in a `ServiceGroup`. Connections are closed
    /// after ``ServerConfiguration/idleTimeout`` without a request part, and when their first request head does not
    /// arrive within ``ServerConfiguration/headerTimeout``.
    public func makeApplication(
        host: String, port: Int, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        makeApplication(router: makeRouter(), host: host, port: port, onServerRunning: onServerRunning)
    }

    /// The drop-in endpoint alone on `host:port` (``makeDropInRouter()``), for a listener of its own beside
    /// ``makeApplication(host:port:onServerRunning:)`` (which serves it too).
    public func makeDropInApplication(
        host: String, port: Int, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        makeApplication(router: makeDropInRouter(), host: host, port: port, onServerRunning: onServerRunning)
    }

    private func makeApplication(
        router: Router<ServerRequestContext>, host: String, port: Int,
        onServerRunning: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol {
        let headerTimeout = TimeAmount(configuration.headerTimeout)
        return Application(
            router: router,
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [FirstRequestHeadTimeoutHandler(timeout: headerTimeout)],
                    idleTimeout: TimeAmount(configuration.idleTimeout))),
            configuration: .init(address: .hostname(host, port: port), serverName: "tiktok-business"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }
}
