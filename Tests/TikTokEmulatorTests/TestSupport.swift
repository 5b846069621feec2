import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import TikTokTestSupport

@testable import TikTokEmulator

/// The default app and its redirect URIs.
enum Fixture {
    static let appID = "emulator-app"
    static let secret = "emulator-secret"
    static let advertiserRedirect = "http://127.0.0.1:8080/oauth/callback/advertiser"
    static let accountRedirect = "http://127.0.0.1:8080/oauth/callback/tiktok_account"
    static let api = EmulatorEndpoints.apiPath

    static var quietLogger: Logger {
        var logger = Logger(label: "tiktok-emulator-tests")
        logger.logLevel = .error
        return logger
    }

    static func emulator(_ configuration: TikTokEmulatorConfiguration = .init()) -> TikTokEmulator {
        TikTokEmulator(configuration: configuration, logger: self.quietLogger)
    }
}

/// Runs `body` against an in-process router of a fresh emulator.
func withEmulator<T: Sendable>(
    _ configuration: TikTokEmulatorConfiguration = .init(),
    _ body: @Sendable (TikTokEmulator, any TestClientProtocol) async throws -> T
) async throws -> T {
    let emulator = Fixture.emulator(configuration)
    let app = Application(router: emulator.makeRouter(), logger: Fixture.quietLogger)
    return try await app.test(.router) { client in try await body(emulator, client) }
}

/// A decoded TikTok envelope.
struct Envelope: Sendable {
    let status: HTTPResponse.Status
    let code: Int
    let message: String
    let requestID: String
    let data: JSONValue

    init(_ response: TestResponse) throws {
        self.status = response.status
        let json = try #require(
            JSONValue.parse(response.body.readableBytesView), "not JSON: \(String(buffer: response.body))")
        self.code = try #require(json["code"]?.intValue)
        self.message = try #require(json["message"]?.stringValue)
        self.requestID = try #require(json["request_id"]?.stringValue)
        self.data = try #require(json["data"])
    }

    /// `data[key]` or a test failure.
    subscript(key: String) -> JSONValue {
        get throws { try #require(self.data[key], "no \(key) in \(self.data.serialized)") }
    }
}

extension TestClientProtocol {
    /// A GET API call with query parameters (JSON-encoded where TikTok expects it) and an optional token.
    func apiGet(
        _ path: String,
        _ query: [(String, String?)] = [],
        token: String? = nil
    ) async throws -> Envelope {
        var headers = HTTPFields()
        if let token { headers[.accessToken] = token }
        let queryString = FormEncoding.encode(query)
        let uri = Fixture.api + path + (queryString.isEmpty ? "" : "?" + queryString)
        return try await self.execute(uri: uri, method: .get, headers: headers) { try Envelope($0) }
    }

    /// A POST API call with a JSON body.
    func apiPost(_ path: String, _ body: JSONValue, token: String? = nil) async throws -> Envelope {
        try await self.apiPost(path, raw: body.serialized, token: token)
    }

    /// A POST API call with a raw body.
    func apiPost(_ path: String, raw: String, token: String? = nil) async throws -> Envelope {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[.accessToken] = token }
        return try await self.execute(
            uri: Fixture.api + path,
            method: .post,
            headers: headers,
            body: ByteBuffer(string: raw)
        ) { try Envelope($0) }
    }

    /// A control-API call returning the status and JSON body.
    func control(
        _ method: HTTPRequest.Method,
        _ path: String,
        _ body: JSONValue? = nil
    ) async throws -> (status: HTTPResponse.Status, json: JSONValue) {
        try await self.execute(
            uri: "/_emulator" + path,
            method: method,
            headers: [.contentType: "application/json"],
            body: body.map { ByteBuffer(string: $0.serialized) }
        ) { response in
            (response.status, try #require(JSONValue.parse(response.body.readableBytesView)))
        }
    }

    /// A GET of a browser page, with the emulator user cookie when given.
    func page(_ uri: String, user: String? = nil) async throws -> TestResponse {
        var headers = HTTPFields()
        if let user { headers[.cookie] = "\(ConsentRoutes.userCookie)=\(FormEncoding.encodeComponent(user))" }
        return try await self.execute(uri: uri, method: .get, headers: headers)
    }

    /// A form POST, as a browser submits it.
    func form(_ uri: String, _ fields: [(String, String?)]) async throws -> TestResponse {
        try await self.execute(
            uri: uri,
            method: .post,
            headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: FormEncoding.encode(fields))
        )
    }

    /// Mints a code through the control API and exchanges it: the advertiser-flow access token of `user`.
    func advertiserToken(_ emulator: TikTokEmulator, user: String) async throws -> String {
        let code = try emulator.control.mintAuthorizationCode(
            flow: .advertiser,
            appID: Fixture.appID,
            redirectURI: Fixture.advertiserRedirect,
            user: user
        )
        let envelope = try await self.apiPost(
            "/oauth2/access_token/",
            ["app_id": .string(Fixture.appID), "secret": .string(Fixture.secret), "auth_code": .string(code)]
        )
        #expect(envelope.code == 0)
        return try #require(try envelope["access_token"].stringValue)
    }

    /// Mints a code and exchanges it: the account-flow token response of `user`.
    func accountTokens(
        _ emulator: TikTokEmulator,
        user: String,
        scopes: [String] = ["user.info.basic", "video.list"]
    ) async throws -> Envelope {
        let code = try emulator.control.mintAuthorizationCode(
            flow: .account,
            appID: Fixture.appID,
            redirectURI: Fixture.accountRedirect,
            user: user,
            scopes: scopes
        )
        let envelope = try await self.apiPost(
            "/tt_user/oauth2/token/",
            [
                "client_id": .string(Fixture.appID), "client_secret": .string(Fixture.secret),
                "grant_type": "authorization_code", "auth_code": .string(code),
                "redirect_uri": .string(Fixture.accountRedirect),
            ]
        )
        #expect(envelope.code == 0, "\(envelope.message)")
        return envelope
    }

    /// Refreshes with `refreshToken`.
    func refresh(_ refreshToken: String) async throws -> Envelope {
        try await self.apiPost(
            "/tt_user/oauth2/refresh_token/",
            [
                "client_id": .string(Fixture.appID), "client_secret": .string(Fixture.secret),
                "grant_type": "refresh_token", "refresh_token": .string(refreshToken),
            ]
        )
    }
}

extension TestResponse {
    var text: String { String(buffer: self.body) }

    /// The query parameters of the `Location` header.
    var redirectQuery: [String: String] {
        get throws {
            let location = try #require(self.headers[.location])
            let query = try #require(location.split(separator: "?", maxSplits: 1).last)
            return try FormEncoding.decode(String(query))
        }
    }

    /// The `tt_emulator_user` cookie set by the response, decoded.
    var userCookie: String? {
        for value in self.headers[values: .setCookie] where value.hasPrefix(ConsentRoutes.userCookie + "=") {
            let raw = value.dropFirst(ConsentRoutes.userCookie.count + 1).prefix { $0 != ";" }
            return FormEncoding.decodeComponent(raw)
        }
        return nil
    }
}

/// The value of `<… name="NAME" value="VALUE">` in an HTML page.
func hiddenField(_ name: String, in html: String) throws -> String {
    let marker = "name=\"\(name)\" value=\""
    let start = try #require(html.range(of: marker), "no \(name) field")
    return String(html[start.upperBound...].prefix { $0 != "\"" })
}

/// The text of the element with `id` in an HTML page.
func element(_ id: String, in html: String) throws -> String {
    let marker = "id=\"\(id)\">"
    let start = try #require(html.range(of: marker), "no #\(id)")
    return String(html[start.upperBound...].prefix { $0 != "<" })
}

/// An advertiser consent URL.
func advertiserAuthURL(
    path: String = EmulatorEndpoints.advertiserAuthorizationPath,
    appID: String = Fixture.appID,
    redirectURI: String? = Fixture.advertiserRedirect,
    state: String = "state-123"
) -> String {
    path + "?" + FormEncoding.encode([("app_id", appID), ("state", state), ("redirect_uri", redirectURI)])
}

/// An account-holder consent URL.
func accountAuthURL(
    clientKey: String = Fixture.appID,
    scope: String = "user.info.basic,video.list",
    responseType: String = "code",
    redirectURI: String = Fixture.accountRedirect,
    state: String = "state-456",
    disableAutoAuth: Bool = false
) -> String {
    EmulatorEndpoints.accountAuthorizationPath + "?"
        + FormEncoding.encode([
            ("client_key", clientKey), ("scope", scope), ("response_type", responseType),
            ("redirect_uri", redirectURI), ("state", state), ("disable_auto_auth", disableAutoAuth ? "1" : nil),
        ])
}
