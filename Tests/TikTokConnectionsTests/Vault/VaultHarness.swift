import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import TikTokBusiness
import TikTokConnections
import TikTokConnectionsSQLite
import TikTokEmulator
import TikTokTestSupport

/// An emulator on loopback, a SQLite store in a temporary directory and a vault over both, on one moving clock.
struct VaultHarness: Sendable {
    let emulator: TikTokEmulator
    let baseURL: String
    let clock: TestClock
    let directory: String
    let store: SQLiteConnectionStore
    let manager: ConnectionManager
    let cipher: TokenCipher
    let logs: LogCapture
    let http: HTTPClient
    /// The vault's transport to the emulator: rules on it answer in TikTok's place.
    let transport: OverridingTransport

    static let publicURL = "http://127.0.0.1:8080"

    static func run(
        emulatorConfiguration: TikTokEmulatorConfiguration = TikTokEmulatorConfiguration(),
        configure: @Sendable (inout ConnectionManager.Configuration) -> Void = { _ in },
        storeWrapper: @Sendable (any ConnectionStore) -> any ConnectionStore = { $0 },
        rateGovernor: RateGovernor? = nil,
        _ body: @Sendable (VaultHarness) async throws -> Void
    ) async throws {
        let logs = LogCapture()
        let emulator = TikTokEmulator(configuration: emulatorConfiguration, logger: logs.logger("emulator"))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vault-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let http = HTTPClient(
            eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        do {
            try await emulator.withRunningServer { baseURL in
                let clock = TestClock()
                let transport = OverridingTransport()
                let store = try SQLiteConnectionStore(
                    path: directory + "/connections.sqlite", logger: logs.logger("store"))
                try await store.migrate()
                let cipher = try TokenCipher(keys: [.generate(id: "k1")])
                var configuration = ConnectionManager.Configuration(
                    redirectURIs: ConnectionManager.Configuration.redirectURIs(publicURL: publicURL))
                configuration.failureBackoff = 1
                configure(&configuration)
                let app = TikTokEmulatorConfiguration.App.default
                let client = TikTokClient(
                    configuration: EmulatorEndpoints(baseURL: baseURL).clientConfiguration(
                        appID: app.appID, secret: app.secret,
                        retry: RetryPolicy(initialBackoff: .milliseconds(2), maximumBackoff: .milliseconds(20)),
                        rateGovernor: rateGovernor, requestTimeout: .seconds(5), now: { clock.now() }),
                    transport: transport, logger: logs.logger("sdk"))
                let manager = ConnectionManager(
                    client: client, store: storeWrapper(store), cipher: cipher, configuration: configuration,
                    now: { clock.now() }, logger: logs.logger("vault"))
                let harness = VaultHarness(
                    emulator: emulator, baseURL: baseURL, clock: clock, directory: directory, store: store,
                    manager: manager, cipher: cipher, logs: logs, http: http, transport: transport)
                try await body(harness)
            }
            try await http.shutdown()
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    /// Moves the vault's and the emulator's clocks together.
    func advance(_ seconds: TimeInterval) throws {
        try emulator.control.advanceClock(bySeconds: seconds)
        clock.advance(seconds)
    }

    /// Issues a link, lets `user` consent at the emulator, and completes the callback.
    func connect(
        _ kind: ConnectionKind, user: String, options: AuthorizationLinkOptions = .init()
    ) async throws -> AuthorizationResult {
        let link = try await manager.authorizationLink(for: kind, options: options)
        emulator.control.scriptNextConsent(user: user, decision: .approve)
        let location = try await redirect(of: link.url)
        return try await manager.completeAuthorization(
            kind: kind, callback: try AuthorizationCallback(url: location), browserBinding: options.browserBinding)
    }

    /// The Location TikTok's (the emulator's) consent answers with.
    func redirect(of url: String) async throws -> String {
        let response = try await http.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 20)
        guard let location = response.headers.first(name: "location") else {
            throw HarnessError("no redirect from \(response.status)")
        }
        return location
    }

    /// Completes an authorization with a code minted directly at the emulator (fast, for bulk).
    func connectDirect(_ kind: ConnectionKind, user: String) async throws -> AuthorizationResult {
        let link = try await manager.authorizationLink(for: kind)
        let flow: AuthorizationFlow = kind.usesAdvertiserFlow ? .advertiser : .account
        let code = try emulator.control.mintAuthorizationCode(
            flow: flow, appID: TikTokEmulatorConfiguration.App.default.appID,
            redirectURI: manager.configuration.redirectURIs[kind]!, user: user)
        return try await manager.completeAuthorization(
            kind: kind, callback: AuthorizationCallback(state: link.state, outcome: .authorized(code: code, scopes: []))
        )
    }

    /// Opens the stored tokens of a connection (test-only peek).
    func storedTokens(_ id: String) async throws -> (access: String?, refresh: String?) {
        let record = try await store.record(id: id)!
        let access = try record.accessToken.map { try cipher.open($0, connectionID: id, field: .accessToken) }
        let refresh = try record.refreshToken.map { try cipher.open($0, connectionID: id, field: .refreshToken) }
        return (access, refresh)
    }

    /// Sweeps until nothing is due now.
    @discardableResult
    func sweepUntilIdle(concurrency: Int = 8) async throws -> SweepReport {
        var total = SweepReport()
        while true {
            let report = try await manager.sweep(limit: 500, concurrency: concurrency)
            total.claimed += report.claimed
            total.refreshed += report.refreshed
            total.checked += report.checked
            total.warned += report.warned
            total.reauthorizationRequired += report.reauthorizationRequired
            total.failed += report.failed
            if report.claimed == 0 { return total }
        }
    }
}
