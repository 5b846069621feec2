import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TikTokBusiness
import TikTokEmulator
import TikTokTestSupport

/// A live emulator on loopback and helpers to drive it through its control API.
struct EmulatorHarness: Sendable {
    static let appID = "test-app"
    static let secret = "test-secret-value"
    static let advertiserRedirect = "http://127.0.0.1:8080/oauth/callback/advertiser"
    static let accountRedirect = "http://127.0.0.1:8080/oauth/callback/tiktok_account"

    let baseURL: String

    static func configuration(autoConsent: Bool = true) -> TikTokEmulatorConfiguration {
        var configuration = TikTokEmulatorConfiguration()
        configuration.apps = [
            .init(appID: appID, secret: secret, redirectURIs: [advertiserRedirect, accountRedirect])
        ]
        configuration.autoConsent = autoConsent
        return configuration
    }

    static func run<T: Sendable>(
        _ configuration: TikTokEmulatorConfiguration = EmulatorHarness.configuration(),
        _ body: @Sendable (EmulatorHarness) async throws -> T
    ) async throws -> T {
        let emulator = TikTokEmulator(configuration: configuration)
        return try await emulator.withRunningServer { baseURL in
            try await body(EmulatorHarness(baseURL: baseURL))
        }
    }

    /// A client of the emulator; the default deadline is far from a loaded machine's stalls.
    func client(
        retry: RetryPolicy = RetryPolicy(initialBackoff: .milliseconds(5), maximumBackoff: .milliseconds(50)),
        governor: RateGovernor? = nil, timeout: Duration = .seconds(30), secret: String = EmulatorHarness.secret
    ) -> TikTokClient {
        TikTokClient(
            configuration: EmulatorEndpoints(baseURL: baseURL).clientConfiguration(
                appID: Self.appID, secret: secret, retry: retry, rateGovernor: governor, requestTimeout: timeout))
    }

    /// Calls the emulator's control API and returns its JSON answer.
    @discardableResult
    func control(_ method: String, _ path: String, _ body: JSONValue? = nil) async throws -> JSONValue {
        var request = HTTPClientRequest(url: baseURL + "/_emulator/" + path)
        request.method = .init(rawValue: method)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body.jsonText))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let buffer = try await response.body.collect(upTo: 16 * 1024 * 1024)
        guard (200..<300).contains(response.status.code) else {
            throw HarnessError("control \(path): HTTP \(response.status.code) \(String(buffer: buffer))")
        }
        if buffer.readableBytes == 0 { return .null }
        return try JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView))
    }

    /// Mints an authorization code for `user` directly.
    func grant(flow: String, user: String, scopes: String = "user.info.basic,video.list") async throws -> String {
        let redirect = flow == "advertiser" ? Self.advertiserRedirect : Self.accountRedirect
        let answer = try await control(
            "POST", "grants",
            [
                "flow": .string(flow), "app_id": .string(Self.appID), "redirect_uri": .string(redirect),
                "user": .string(user), "scopes": .string(scopes),
            ])
        guard let code = answer["code"]?.stringValue else { throw HarnessError("no code in \(answer)") }
        return code
    }

    /// Fetches `url` without following redirects and returns the status and the Location header.
    func fetchNoRedirect(_ url: String) async throws -> (status: Int, location: String?) {
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        do {
            let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
            _ = try await response.body.collect(upTo: 1024 * 1024)
            try await client.shutdown()
            return (Int(response.status.code), response.headers.first(name: "location"))
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    func counters() async throws -> JSONValue { try await control("GET", "counters") }
}
