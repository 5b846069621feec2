import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TikTokBusiness
import TikTokConnections
import TikTokEmulator
import TikTokTestSupport

@testable import TikTokConnectionsServer

/// The drop-in endpoint: TikTok's own paths with a connection-scoped proxy token as `Access-Token`.
@Suite("Drop-in endpoint (/open_api/v1.3)")
struct DropInRouteTests {
    /// Issues a proxy token through the API; returns its id and secret.
    static func issue(
        _ client: some TestClientProtocol, for connectionID: String, body: String = "{}",
        key: String = ServerHarness.apiKey
    ) async throws -> (id: String, token: String) {
        let response = try await client.api(
            "/v1/connections/\(connectionID)/proxy-tokens", method: .post, body: body, key: key)
        try #require(response.status == .created, "\(response.text)")
        return (try #require(response.json["id"]?.stringValue), try #require(response.json["token"]?.stringValue))
    }

    /// A drop-in call with `Access-Token: token`.
    static func call(
        _ client: some TestClientProtocol, _ uri: String, token: String?, method: HTTPRequest.Method = .get,
        body: String? = nil
    ) async throws -> TestResponse {
        var headers = HTTPFields()
        if let token { headers[.init("Access-Token")!] = token }
        if body != nil { headers[.contentType] = "application/json" }
        return try await client.execute(
            uri: "/open_api/v1.3" + uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    @Test func existingClientsCallTikTokWithAProxyTokenAndNeverSeeTheRealTokenOrSecret() async throws {
        try await ServerHarness.run { harness in
            let advertiser = try await harness.connect(.advertiser, user: "dropin-advertiser")
            let realToken = try await harness.manager.accessToken(for: advertiser.id)
            let secret = TikTokEmulatorConfiguration.App.default.secret
            try await harness.application.test(.router) { client in
                let (tokenID, token) = try await Self.issue(client, for: advertiser.id)
                #expect(token.hasPrefix("tbp_") && token != realToken)
                var seen: [TestResponse] = []

                let ids = advertiser.advertiserIDs.map { "\"\($0)\"" }.joined(separator: ",")
                let query = "advertiser_ids=%5B\(ids.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)%5D"
                let info = try await Self.call(client, "/advertiser/info/?\(query)", token: token)
                seen.append(info)
                #expect(info.status == .ok && info.json["code"]?.intValue == 0)
                let direct = try await client.api("/v1/proxy/\(advertiser.id)/advertiser/info/?\(query)")
                #expect(info.json["data"] == direct.json["data"])

                // The app's credentials in the query: any placeholder works, the vault fills in the real ones.
                let listed = try await Self.call(
                    client, "/oauth2/advertiser/get/?app_id=placeholder&secret=placeholder", token: token)
                seen.append(listed)
                #expect(listed.json["code"]?.intValue == 0, "\(listed.text)")
                let listedIDs = listed.json["data"]?["list"]?.arrayValue?.compactMap {
                    $0["advertiser_id"]?.stringValue
                }
                #expect(Set(listedIDs ?? []) == Set(advertiser.advertiserIDs))

                let campaigns = try await Self.call(
                    client, "/campaign/get/?advertiser_id=\(advertiser.advertiserIDs[0])&page_size=2&page=2",
                    token: token)
                seen.append(campaigns)
                #expect(campaigns.json["code"]?.intValue == 0)
                #expect(campaigns.json["data"]?["page_info"]?["page"]?.intValue == 2)

                for response in seen {
                    let headers = response.headers.map { "\($0.name)=\($0.value)" }.joined()
                    #expect(!response.text.contains(realToken) && !headers.contains(realToken))
                    #expect(!response.text.contains(secret) && !headers.contains(secret))
                }

                // Counted per proxy token and day in the audit trail.
                await harness.server.proxyUsage.flush()
                let audit = try await client.api("/v1/audit?connection_id=\(advertiser.id)").json
                let usage = (audit["proxy_usage"]?.arrayValue ?? []).first {
                    $0["actor"]?.stringValue == "proxy_token:\(tokenID)"
                }
                #expect(usage?["calls"]?.intValue == 3)
                #expect(
                    (audit["entries"]?.arrayValue ?? []).contains { $0["action"]?.stringValue == "proxy_token.created" }
                )
            }
        }
    }

    @Test func refusalsAreInTikToksShape() async throws {
        try await ServerHarness.run { harness in
            let account = try await harness.connect(.tiktokAccount, user: "dropin-refusals")
            let business = "/business/get/?business_id=\(account.openID!)"
            try await harness.application.test(.router) { client in
                func code(_ response: TestResponse) -> Int? { response.json["code"]?.intValue }
                let missing = try await Self.call(client, business, token: nil)
                #expect(missing.status == .ok && code(missing) == 40104)
                #expect(
                    missing.json["request_id"]?.stringValue?.isEmpty == false && missing.json["data"] == .object([:]))
                #expect(code(try await Self.call(client, business, token: "tbp_not-a-token")) == 40105)
                #expect(code(try await Self.call(client, business, token: ServerHarness.apiKey)) == 40105)
                let realToken = try await harness.manager.accessToken(for: account.id)
                #expect(code(try await Self.call(client, business, token: realToken)) == 40105)

                // An allow-list.
                let (_, limited) = try await Self.issue(
                    client, for: account.id, body: #"{"allowed_paths":["/business/get/"],"expires_in":3600}"#)
                #expect(code(try await Self.call(client, business, token: limited)) == 0)
                let outside = try await Self.call(client, "/business/video/list/?business_id=x", token: limited)
                #expect(code(outside) == 40001)
                #expect(outside.json["message"]?.stringValue?.contains("/business/video/list/") == true)

                // Authorization endpoints belong to the connect flow.
                let (_, token) = try await Self.issue(client, for: account.id)
                for path in [
                    "/oauth2/access_token/", "/tt_user/oauth2/token/", "/tt_user/oauth2/refresh_token/",
                    "/OAuth2/Access_Token/", "/oauth2/access_token",
                ] {
                    let refused = try await Self.call(client, path, token: token, method: .post, body: "{}")
                    #expect(code(refused) == 40001, "\(path)")
                    #expect(refused.json["message"]?.stringValue?.contains("connect") == true)
                }
                #expect(code(try await Self.call(client, "/../v1/connections", token: token)) != 0)

                // Revoked: refused at the next call.
                let (id, revokedToken) = try await Self.issue(client, for: account.id)
                #expect(code(try await Self.call(client, business, token: revokedToken)) == 0)
                let revoke = try await client.api("/v1/proxy-tokens/\(id)", method: .delete)
                #expect(revoke.status == .ok && revoke.json["revoked_at"]?.stringValue != nil)
                let refused = try await Self.call(client, business, token: revokedToken)
                #expect(code(refused) == 40105 && refused.json["message"]?.stringValue?.contains("revoked") == true)
                #expect(code(try await Self.call(client, business, token: token)) == 0)

                // The connection revoked: every proxy token stops at once.
                _ = try await harness.manager.revoke(id: account.id)
                #expect(code(try await Self.call(client, business, token: token)) == 40105)
            }
        }
    }

    @Test func aProxyTokenSurvivesRefreshesAndReconnects() async throws {
        try await ServerHarness.run { harness in
            let account = try await harness.connect(.tiktokAccount, user: "dropin-refresh")
            let business = "/business/get/?business_id=\(account.openID!)"
            try await harness.application.test(.router) { client in
                let (_, token) = try await Self.issue(client, for: account.id)
                #expect(try await Self.call(client, business, token: token).json["code"]?.intValue == 0)
                _ = try await harness.manager.refresh(id: account.id)
                #expect(try await Self.call(client, business, token: token).json["code"]?.intValue == 0)
                // Reconnected through its reconnect link: the same connection, a new grant.
                let link = try await harness.manager.authorizationLink(
                    for: .tiktokAccount, options: .init(reconnectConnectionID: account.id, forceConsent: true))
                let code = try harness.emulator.control.mintAuthorizationCode(
                    flow: .account, appID: TikTokEmulatorConfiguration.App.default.appID,
                    redirectURI: harness.manager.configuration.redirectURIs[.tiktokAccount]!, user: "dropin-refresh")
                let result = try await harness.manager.completeAuthorization(
                    kind: .tiktokAccount,
                    callback: .init(state: link.state, outcome: .authorized(code: code, scopes: [])))
                #expect(result.connection.id == account.id)
                #expect(try await Self.call(client, business, token: token).json["code"]?.intValue == 0)
            }
        }
    }

    @Test func proxyTokenRoutesCheckTheirInput() async throws {
        try await ServerHarness.run { harness in
            let account = try await harness.connect(.tiktokAccount, user: "dropin-input")
            try await harness.application.test(.router) { client in
                let base = "/v1/connections/\(account.id)/proxy-tokens"
                let cases: [(String, HTTPRequest.Method, String?, HTTPResponse.Status)] = [
                    (base, .post, #"{"expires_in":5}"#, .badRequest),
                    (base, .post, #"{"expires_in":"soon"}"#, .badRequest),
                    (base, .post, #"{"allowed_paths":"/advertiser/info/"}"#, .badRequest),
                    (base, .post, #"{"allowed_paths":[]}"#, .badRequest),
                    (base, .post, #"{"allowed_paths":["advertiser"]}"#, .badRequest),
                    (base, .post, #"{"allowed_paths":[1]}"#, .badRequest),
                    (base, .post, "not json", .badRequest),
                    ("/v1/connections/conn_missing/proxy-tokens", .post, "{}", .notFound),
                    ("/v1/connections/conn_missing/proxy-tokens", .get, nil, .notFound),
                    ("/v1/proxy-tokens/ptk_0000000000000000", .delete, nil, .notFound),
                    ("/v1/proxy-tokens/not-a-token", .delete, nil, .badRequest),
                ]
                for (uri, method, body, status) in cases {
                    let response = try await client.api(uri, method: method, body: body)
                    #expect(response.status == status, "\(method) \(uri) \(body ?? "")")
                    #expect(response.json["error"]?["message"]?.stringValue?.isEmpty == false)
                }
                let (_, secret) = try await Self.issue(client, for: account.id, body: #"{"expires_in":120}"#)
                let listed = try await client.api(base)
                #expect(listed.json["proxy_tokens"]?.arrayValue?.count == 1)
                #expect(
                    !listed.text.contains(secret)
                        && listed.json["proxy_tokens"]?.arrayValue?.first?["expires_at"] != .null)
                // Scopes: a read key lists but cannot issue.
                let created = try await client.api("/v1/api-keys", method: .post, body: #"{"name":"r","scope":"read"}"#)
                let reader = try #require(created.json["key"]?.stringValue)
                #expect(try await client.api(base, key: reader).status == .ok)
                #expect(try await client.api(base, method: .post, body: "{}", key: reader).status == .forbidden)
                // A revoked connection gets no new proxy token.
                _ = try await harness.manager.revoke(id: account.id)
                #expect(try await client.api(base, method: .post, body: "{}").status == .conflict)
            }
        }
    }

    @Test func theAdminPageIssuesListsAndRevokesProxyTokens() async throws {
        try await ServerHarness.run { harness in
            let account = try await harness.connect(.tiktokAccount, user: "dropin-admin")
            let business = "/business/get/?business_id=\(account.openID!)"
            try await harness.application.test(.router) { client in
                let jar = try await client.signIn()
                let page = try await client.page("/admin/connections/\(account.id)", cookies: jar)
                let csrf = try #require(page.field("csrf"))
                #expect(page.text.contains(#"id="issue-proxy-token""#))
                let issued = try await client.page(
                    "/admin/connections/\(account.id)/proxy-tokens", cookies: jar,
                    form: ["csrf": csrf, "allowed_paths": "/business/get/ /business/video/*", "expires_days": "30"])
                #expect(issued.status == .ok)
                let token = try #require(issued.textarea("proxy-token"))
                #expect(token.hasPrefix("tbp_"))
                #expect(try await Self.call(client, business, token: token).json["code"]?.intValue == 0)
                let listed = try await client.page("/admin/connections/\(account.id)", cookies: jar)
                #expect(!listed.text.contains(token) && listed.text.contains("/business/video/*"))
                let id = try #require(try await harness.manager.proxyTokens(connectionID: account.id).first?.id)
                let revoked = try await client.page(
                    "/admin/proxy-tokens/\(id)/revoke", cookies: jar, form: ["csrf": csrf])
                #expect(revoked.status == .seeOther)
                #expect(try await Self.call(client, business, token: token).json["code"]?.intValue == 40105)
                let entries = try await harness.manager.auditEntries(connectionID: account.id)
                #expect(entries.prefix(2).map(\.action) == [.proxyTokenRevoked, .proxyTokenCreated])
                #expect(entries.first?.actor == "admin:primary")
                // Without the session's CSRF token nothing is issued.
                let forged = try await client.page(
                    "/admin/connections/\(account.id)/proxy-tokens", cookies: jar, form: ["csrf": "forged"])
                #expect(forged.status == .forbidden)
            }
        }
    }

    @Test func appCredentialsInTheQueryAreReplaced() {
        let rewritten = DropInRoutes<ServerRequestContext>.withAppCredentials(
            "app_id=x&secret=placeholder&page=1&secretive=keep&sec%72et=y", appID: "app 1", secret: "s&cret=")
        #expect(rewritten == "app_id=app%201&secret=s%26cret%3D&page=1&secretive=keep&sec%72et=s%26cret%3D")
        #expect(DropInRoutes<ServerRequestContext>.withAppCredentials(nil, appID: "a", secret: "s") == nil)
        #expect(DropInRoutes<ServerRequestContext>.withAppCredentials("page=2", appID: "a", secret: "s") == "page=2")
    }
}
