import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import TikTokBusiness
import TikTokConnections
import TikTokConnectionsSQLite
import TikTokConnectionsServer
import TikTokEmulator
import TikTokTestSupport

/// An emulator on loopback and a server (router) over a fresh SQLite vault.
struct ServerHarness: Sendable {
    static let apiKey = "test-api-key-0123456789"
    static let publicURL = "http://127.0.0.1:8080"

    let emulator: TikTokEmulator
    let emulatorURL: String
    let manager: ConnectionManager
    let server: TikTokBusinessServer
    /// The vault's transport to the emulator: rules on it answer in TikTok's place.
    let transport: OverridingTransport

    /// Runs `body` with a fresh harness; `webhookDestination` turns on the webhook parts of the pages and API.
    static func run(
        webhookDestination: String? = nil,
        emulator emulatorConfiguration: TikTokEmulatorConfiguration = .init(autoConsent: true),
        configure: @Sendable (inout ConnectionManager.Configuration) -> Void = { _ in },
        configureServer: @Sendable (inout ServerConfiguration) -> Void = { _ in },
        rateGovernor: RateGovernor? = nil,
        _ body: @Sendable (ServerHarness) async throws -> Void
    ) async throws {
        let emulator = TikTokEmulator(configuration: emulatorConfiguration)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("server-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await emulator.withRunningServer { emulatorURL in
            let store = try SQLiteConnectionStore(path: directory + "/connections.sqlite")
            try await store.migrate()
            let app = TikTokEmulatorConfiguration.App.default
            let transport = OverridingTransport()
            let client = TikTokClient(
                configuration: EmulatorEndpoints(baseURL: emulatorURL).clientConfiguration(
                    appID: app.appID, secret: app.secret,
                    retry: RetryPolicy(initialBackoff: .milliseconds(2), maximumBackoff: .milliseconds(10)),
                    rateGovernor: rateGovernor),
                transport: transport)
            var configuration = ConnectionManager.Configuration(
                redirectURIs: ConnectionManager.Configuration.redirectURIs(publicURL: publicURL))
            configure(&configuration)
            let manager = ConnectionManager(
                client: client, store: store, cipher: try TokenCipher(keys: [.generate(id: "k1")]),
                configuration: configuration)
            // Rate limits are off unless a test turns them on: route tests make many requests from one "client".
            var serverConfiguration = ServerConfiguration(
                publicURL: publicURL, apiKey: apiKey, tikTokAPIBaseURL: client.configuration.apiBaseURL,
                sandbox: true, allowedRedirectOrigins: ["https://app.example"],
                webhookDestination: webhookDestination, rateLimits: .off)
            configureServer(&serverConfiguration)
            let server = TikTokBusinessServer(manager: manager, configuration: serverConfiguration)
            try await body(
                ServerHarness(
                    emulator: emulator, emulatorURL: emulatorURL, manager: manager, server: server, transport: transport
                ))
        }
    }

    /// Connects `user` for `kind` directly through the vault (minting a code at the emulator).
    func connect(_ kind: ConnectionKind, user: String) async throws -> Connection {
        let link = try await manager.authorizationLink(for: kind)
        let code = try emulator.control.mintAuthorizationCode(
            flow: kind.usesAdvertiserFlow ? .advertiser : .account,
            appID: TikTokEmulatorConfiguration.App.default.appID,
            redirectURI: manager.configuration.redirectURIs[kind]!, user: user)
        return try await manager.completeAuthorization(
            kind: kind, callback: .init(state: link.state, outcome: .authorized(code: code, scopes: []))
        ).connection
    }

    /// The service's routes in process, logging warnings only (the access log of 100,000 requests is not the test).
    var application: some ApplicationProtocol {
        var logger = Logger(label: "tiktok-business.test")
        logger.logLevel = .warning
        return Application(router: server.makeRouter(), logger: logger)
    }
}

extension TestClientProtocol {
    /// A request with the API key.
    func api(
        _ uri: String, method: HTTPRequest.Method = .get, body: String? = nil, key: String? = ServerHarness.apiKey
    ) async throws -> TestResponse {
        var headers = HTTPFields()
        if let key { headers[.authorization] = "Bearer \(key)" }
        if body != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }
}

extension TestResponse {
    var json: JSONValue {
        (try? JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView))) ?? .null
    }
    var text: String { String(buffer: body) }
}
