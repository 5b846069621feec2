public import Hummingbird
public import Logging
import NIOCore
public import ServiceLifecycle

/// A faithful local TikTok Business API v1.3: consent screens, the token endpoints of both authorization flows, a
/// seeded set of Marketing, Accounts and Creator Marketplace read endpoints, and a test-control API.
///
/// ```swift
/// let emulator = TikTokEmulator(configuration: .init(autoConsent: true))
/// try await emulator.withRunningServer { baseURL in
///     // point a TikTok client at "\(baseURL)/open_api/v1.3/" and the consent URLs at baseURL
/// }
/// ```
///
/// Routes:
/// - consent: `GET /portal/auth` (and `/marketing_api/auth`), `GET /v2/auth/authorize/`, with their form posts;
/// - API: `/open_api/v1.3/…` (envelopes `{"code","message","request_id","data"}`);
/// - control: `/_emulator/…` (clock, scripted consent, direct grants, revocation, faults, settings, counters), also
///   available in-process through ``control``.
public final class TikTokEmulator: Sendable {
    /// The configuration the emulator started with (run-time changes live in ``EmulatorControl/settings``).
    public let configuration: TikTokEmulatorConfiguration
    /// In-process control: the same operations as the `/_emulator` HTTP API.
    public let control: EmulatorControl

    let state: EmulatorState
    private let logger: Logger

    /// Creates an emulator that keeps its state in memory only. Nothing runs until ``makeRouter()`` is served, or
    /// ``withRunningServer(host:port:_:)``, ``run(host:port:onServerRunning:)`` or
    /// ``makeService(host:port:onServerRunning:)`` is called.
    ///
    /// - Precondition: `configuration.stateFile` is `nil`; an emulator with a state file is made by
    ///   ``load(configuration:logger:)``, which reads the file.
    /// - Parameters:
    ///   - configuration: apps, token lifetimes, consent behaviour, QPS limit and seed.
    ///   - logger: receives fixed messages with `tiktok.*` metadata; tokens, codes and secrets are never logged.
    public convenience init(
        configuration: TikTokEmulatorConfiguration = .init(),
        logger: Logger = Logger(label: "tiktok-emulator")
    ) {
        precondition(
            configuration.stateFile == nil,
            "A TikTokEmulatorConfiguration with a stateFile needs TikTokEmulator.load(configuration:logger:)."
        )
        self.init(configuration: configuration, logger: logger, stateFile: nil)
    }

    private init(configuration: TikTokEmulatorConfiguration, logger: Logger, stateFile: StateFile?) {
        self.configuration = configuration
        self.logger = logger
        self.state = EmulatorState(configuration: configuration, logger: logger, stateFile: stateFile)
        self.control = EmulatorControl(state: self.state)
    }

    /// Creates an emulator whose durable state survives restarts: it starts from the state saved in
    /// `configuration.stateFile` (creating the file when there is none) and saves every later change there (see
    /// ``TikTokEmulatorConfiguration/stateFile``). Without a state file, the same as
    /// ``init(configuration:logger:)``.
    ///
    /// ```swift
    /// let emulator = try TikTokEmulator.load(configuration: .init(stateFile: ".tiktok-business/emulator.json"))
    /// ```
    /// - Throws: ``EmulatorStateFileError`` when the file exists but cannot be read, is not a valid emulator state or
    ///   has a newer format version (the file is left untouched), or when it cannot be created.
    public static func load(
        configuration: TikTokEmulatorConfiguration,
        logger: Logger = Logger(label: "tiktok-emulator")
    ) throws(EmulatorStateFileError) -> TikTokEmulator {
        try self.load(configuration: configuration, logger: logger, writeDelay: StateFile.defaultWriteDelay)
    }

    /// ``load(configuration:logger:)`` with a chosen delay between a change and its background write (for tests).
    static func load(
        configuration: TikTokEmulatorConfiguration,
        logger: Logger,
        writeDelay: Duration
    ) throws(EmulatorStateFileError) -> TikTokEmulator {
        guard let path = configuration.stateFile else {
            return TikTokEmulator(configuration: configuration, logger: logger, stateFile: nil)
        }
        let saved = try StateFile.read(path)
        let stateFile = StateFile(path: path, writeDelay: writeDelay, logger: logger)
        let emulator = TikTokEmulator(configuration: configuration, logger: logger, stateFile: stateFile)
        if let saved {
            do {
                try emulator.state.restore(saved)
            } catch {
                throw EmulatorStateFileError(.corrupt, path: path, reason: error.reason)
            }
            logger.info(
                "emulator state restored",
                metadata: [
                    "tiktok.state_file": "\(path)", "tiktok.grants": "\(saved.authorizations.grants.count)",
                ]
            )
        } else {
            // Create the file at once, so that an unusable path fails now rather than at the first change.
            try stateFile.writeNow()
            logger.info("emulator state file created", metadata: ["tiktok.state_file": "\(path)"])
        }
        return emulator
    }

    /// Writes the durable state to the state file now if it changed since the last write (changes are otherwise
    /// written a quarter of a second after a burst). Does nothing for an emulator without a state file.
    ///
    /// A host that serves ``makeRouter()`` itself calls this when it stops; ``run(host:port:onServerRunning:)``,
    /// ``makeService(host:port:onServerRunning:)`` and ``withRunningServer(host:port:_:)`` do it on their own.
    /// - Throws: ``EmulatorStateFileError/Kind/writeFailed`` when the file cannot be written.
    public func flush() async throws(EmulatorStateFileError) {
        try self.state.stateFile?.flush()
    }

    /// A router with every route of the emulator (consent pages, `/open_api/v1.3`, `/_emulator`).
    public func makeRouter() -> Router<EmulatorRequestContext> {
        let router = Router(context: EmulatorRequestContext.self)
        // Router middleware must be added before the routes it wraps.
        router.add(middleware: OpenAPIMiddleware(state: self.state))
        ConsentRoutes(state: self.state).register(on: router)
        let api = router.group(RouterPath(OpenAPIMiddleware.prefix))
        OAuthRoutes(state: self.state).register(on: api)
        MarketingRoutes(state: self.state).register(on: api)
        ReportRoutes(state: self.state).register(on: api)
        BusinessRoutes(state: self.state).register(on: api)
        CreatorMarketplaceRoutes(state: self.state).register(on: api)
        ControlRoutes(control: self.control).register(on: router)
        return router
    }

    /// Runs the emulator on `host:port` (port 0 picks a free port), calls `body` with the base URL
    /// (`http://127.0.0.1:PORT`), and shuts the server down when `body` returns or throws (writing the state file, if
    /// any).
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws, or the server's error if it cannot start (e.g. the port is taken).
    public func withRunningServer<T: Sendable>(
        host: String = "127.0.0.1",
        port: Int = 0,
        _ body: @Sendable (String) async throws -> T
    ) async throws -> T {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let service = self.makeService(host: host, port: port) { boundPort in
            continuation.yield(boundPort)
            continuation.finish()
        }
        let serviceGroup = ServiceGroup(
            configuration: .init(services: [service], gracefulShutdownSignals: [], logger: self.logger)
        )
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { continuation.finish() }
                try await serviceGroup.run()
            }
            var iterator = ports.makeAsyncIterator()
            guard let boundPort = await iterator.next() else {
                // The server stopped before listening: surface its error.
                try await group.next()
                throw ServerStartError()
            }
            let outcome: Result<T, any Error>
            do {
                outcome = .success(try await body("http://\(Self.urlHost(host)):\(boundPort)"))
            } catch {
                outcome = .failure(error)
            }
            // Shut down gracefully (in-flight requests finish), but never wait longer than the grace period.
            await serviceGroup.triggerGracefulShutdown()
            group.addTask { try? await Task.sleep(for: Self.shutdownGracePeriod) }
            _ = try? await group.next()
            group.cancelAll()
            return try outcome.get()
        }
    }

    /// How long ``withRunningServer(host:port:_:)`` lets in-flight requests finish before cancelling them.
    static let shutdownGracePeriod = Duration.seconds(5)

    /// Runs the emulator until the task is cancelled or the process gets SIGINT/SIGTERM (for the CLI), then writes the
    /// state file (if any). Inside a host's `ServiceGroup`, use ``makeService(host:port:onServerRunning:)`` instead.
    /// - Parameters:
    ///   - onServerRunning: called once listening, with the bound port.
    /// - Throws: the server's error (e.g. the port is taken), or ``EmulatorStateFileError`` when the final write fails.
    public func run(
        host: String,
        port: Int,
        onServerRunning: @Sendable @escaping (Int) async -> Void = { _ in }
    ) async throws {
        let app = self.makeApplication(host: host, port: port, onServerRunning: onServerRunning)
        do {
            try await app.runService()
        } catch {
            await self.flushAfterServerError()
            throw error
        }
        try await self.flush()
    }

    /// Saves what can be saved once the server has failed: the server's error is the one to report, a write error is
    /// only logged.
    func flushAfterServerError() async {
        do {
            try await self.flush()
        } catch {
            self.logger.error(
                "cannot write the emulator state file",
                metadata: ["tiktok.state_file": "\(error.path)", "tiktok.error": "\(error.reason)"]
            )
        }
    }

    /// The emulator's server as a swift-service-lifecycle `Service` that installs no signal handlers: the host's
    /// `ServiceGroup` alone decides when it stops. Its `run()` serves until the group's graceful shutdown (in-flight
    /// requests finish) or cancellation, then writes the state file (if any), and returns.
    ///
    /// ```swift
    /// let group = ServiceGroup(configuration: .init(
    ///     services: [emulator.makeService(host: "127.0.0.1", port: 9000), otherService],
    ///     gracefulShutdownSignals: [.sigterm], logger: logger))
    /// try await group.run()
    /// ```
    /// - Parameters:
    ///   - host: the address to listen on.
    ///   - port: the port; 0 picks a free one, reported to `onServerRunning`.
    ///   - onServerRunning: called once listening, with the bound port.
    /// - Returns: a service whose `run()` throws the server's error (e.g. the port is taken), or
    ///   ``EmulatorStateFileError`` when the final write of the state file fails.
    public func makeService(
        host: String,
        port: Int,
        onServerRunning: @Sendable @escaping (Int) async -> Void = { _ in }
    ) -> some Service {
        EmulatorServerService(
            application: self.makeApplication(host: host, port: port, onServerRunning: onServerRunning),
            emulator: self
        )
    }

    private func makeApplication(
        host: String,
        port: Int,
        onServerRunning: @Sendable @escaping (Int) async -> Void
    ) -> some ApplicationProtocol {
        Application(
            router: self.makeRouter(),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                await onServerRunning(channel.localAddress?.port ?? port)
            },
            logger: self.logger
        )
    }

    /// The host to put in a URL: loopback for wildcard addresses, brackets for IPv6.
    private static func urlHost(_ host: String) -> String {
        switch host {
        case "0.0.0.0", "": return "127.0.0.1"
        case "::", "[::]": return "[::1]"
        default: return host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        }
    }
}

/// The server stopped before it started listening, without reporting an error.
struct ServerStartError: Error, CustomStringConvertible {
    var description: String { "The TikTok emulator server stopped before it started listening." }
}
