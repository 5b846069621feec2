import HTTPTypes
import HummingbirdTesting
import Testing

@testable import TikTokEmulator

@Suite("Token endpoints")
struct TokenTests {
    private static func exchangeBody(_ code: String, secret: String = Fixture.secret) -> JSONValue {
        ["app_id": .string(Fixture.appID), "secret": .string(secret), "auth_code": .string(code)]
    }

    @Test("advertiser exchange: 40101, 40002, 40110 for reuse, wrong flow and expiry")
    func advertiserExchangeErrors() async throws {
        try await withEmulator { emulator, client in
            let control = emulator.control
            let code = try control.mintAuthorizationCode(
                flow: .advertiser,
                appID: Fixture.appID,
                redirectURI: Fixture.advertiserRedirect,
                user: "alice"
            )
            #expect(
                try await client.apiPost("/oauth2/access_token/", Self.exchangeBody(code, secret: "x")).code == 40101)
            let missing = try await client.apiPost("/oauth2/access_token/", ["app_id": "emulator-app", "secret": "s"])
            #expect(missing.code == 40002)
            #expect(missing.message.contains("auth_code"))
            #expect(try await client.apiPost("/oauth2/access_token/", raw: "app_id=1").code == 40002)

            let ok = try await client.apiPost("/oauth2/access_token/", Self.exchangeBody(code))
            #expect(ok.code == 0)
            #expect(try ok["access_token"].stringValue?.count == 40)
            #expect(try await client.apiPost("/oauth2/access_token/", Self.exchangeBody(code)).code == 40110)

            let accountCode = try control.mintAuthorizationCode(
                flow: .account,
                appID: Fixture.appID,
                redirectURI: Fixture.accountRedirect,
                user: "alice",
                scopes: ["user.info.basic"]
            )
            #expect(try await client.apiPost("/oauth2/access_token/", Self.exchangeBody(accountCode)).code == 40110)

            let expiring = try control.mintAuthorizationCode(
                flow: .advertiser,
                appID: Fixture.appID,
                redirectURI: Fixture.advertiserRedirect,
                user: "alice"
            )
            try control.advanceClock(bySeconds: 3_601)
            #expect(try await client.apiPost("/oauth2/access_token/", Self.exchangeBody(expiring)).code == 40110)

            let quiet = try control.mintAuthorizationCode(
                flow: .advertiser,
                appID: Fixture.appID,
                redirectURI: Fixture.advertiserRedirect,
                user: "alice"
            )
            var body = Self.exchangeBody(quiet)
            if case .object(var members) = body {
                members.append(("return_advertiser_ids", false))
                body = .object(members)
            }
            let withoutIDs = try await client.apiPost("/oauth2/access_token/", body)
            #expect(withoutIDs.code == 0)
            #expect(withoutIDs.data["advertiser_ids"] == nil)
            #expect(control.counters.advertiserExchanges == 2)
        }
    }

    @Test("control grants validate the app and redirect URI")
    func grantValidation() async throws {
        try await withEmulator { emulator, client in
            #expect(throws: EmulatorControlError.self) {
                try emulator.control.mintAuthorizationCode(
                    flow: .advertiser,
                    appID: Fixture.appID,
                    redirectURI: "http://elsewhere.example/",
                    user: "a"
                )
            }
            let minted = try await client.control(
                .post,
                "/grants",
                [
                    "flow": "account", "app_id": .string(Fixture.appID),
                    "redirect_uri": .string(Fixture.accountRedirect),
                    "user": "gina", "scopes": "user.info.basic,video.list",
                ]
            )
            #expect(minted.status == .ok)
            #expect(minted.json["code"]?.stringValue?.isEmpty == false)
            let unknown = try await client.control(
                .post,
                "/grants",
                ["flow": "advertiser", "app_id": "nope", "redirect_uri": "x", "user": "gina"]
            )
            #expect(unknown.status == .badRequest)
            #expect(unknown.json["error"]?.stringValue?.contains("nope") == true)
        }
    }

    @Test("advertiser token: advertiser/get, revoke_token, then 40105")
    func advertiserTokenLifecycle() async throws {
        try await withEmulator { emulator, client in
            let token = try await client.advertiserToken(emulator, user: "alice")
            let query: [(String, String?)] = [("app_id", Fixture.appID), ("secret", Fixture.secret)]
            let advertisers = try await client.apiGet("/oauth2/advertiser/get/", query, token: token)
            #expect(advertisers.code == 0)
            let list = try #require(try advertisers["list"].arrayValue)
            #expect(
                list.compactMap { $0["advertiser_id"]?.stringValue }
                    == emulator.control.user(named: "alice").advertiserIDs)
            #expect(list.allSatisfy { $0["advertiser_name"]?.stringValue?.isEmpty == false })

            #expect(try await client.apiGet("/oauth2/advertiser/get/", query).code == 40104)
            #expect(
                try await client.apiGet("/oauth2/advertiser/get/", [("app_id", Fixture.appID)], token: token).code
                    == 40002)
            let wrongSecret: [(String, String?)] = [("app_id", Fixture.appID), ("secret", "wrong")]
            #expect(try await client.apiGet("/oauth2/advertiser/get/", wrongSecret, token: token).code == 40101)

            // A token never expires.
            try emulator.control.advanceClock(bySeconds: 400 * 86_400)
            #expect(try await client.apiGet("/oauth2/advertiser/get/", query, token: token).code == 0)

            let revokeBody: JSONValue = [
                "app_id": .string(Fixture.appID), "secret": .string(Fixture.secret), "access_token": .string(token),
            ]
            let revoked = try await client.apiPost("/oauth2/revoke_token/", revokeBody)
            #expect(revoked.code == 0)
            #expect(try revoked["app_id"] == .string(Fixture.appID))
            #expect(try revoked["advertiser_ids"] == .strings(emulator.control.user(named: "alice").advertiserIDs))
            #expect(try await client.apiGet("/oauth2/advertiser/get/", query, token: token).code == 40105)
            #expect(try await client.apiPost("/oauth2/revoke_token/", revokeBody).code == 40105)
            #expect(emulator.control.counters.revokes == 1)
        }
    }

    @Test("account exchange: redirect_uri must match, grant_type checked, code single use")
    func accountExchange() async throws {
        try await withEmulator { emulator, client in
            let code = try emulator.control.mintAuthorizationCode(
                flow: .account,
                appID: Fixture.appID,
                redirectURI: Fixture.accountRedirect,
                user: "bob",
                scopes: ["user.info.basic", "video.list"]
            )
            func exchange(redirect: String, grantType: String = "authorization_code") async throws -> Envelope {
                try await client.apiPost(
                    "/tt_user/oauth2/token/",
                    [
                        "client_id": .string(Fixture.appID), "client_secret": .string(Fixture.secret),
                        "grant_type": .string(grantType), "auth_code": .string(code), "redirect_uri": .string(redirect),
                    ]
                )
            }
            let mismatch = try await exchange(redirect: Fixture.advertiserRedirect)
            #expect(mismatch.code == 40002)
            #expect(mismatch.message.contains("redirect_uri"))
            #expect(try await exchange(redirect: Fixture.accountRedirect, grantType: "password").code == 40002)

            let tokens = try await exchange(redirect: Fixture.accountRedirect)
            #expect(tokens.code == 0)
            #expect(try tokens["access_token"].stringValue?.hasPrefix("act.") == true)
            #expect(try tokens["refresh_token"].stringValue?.hasPrefix("rft.") == true)
            #expect(try tokens["token_type"] == "Bearer")
            #expect(try tokens["scope"] == "user.info.basic,video.list")
            #expect(try tokens["expires_in"] == 86_400)
            #expect(try tokens["refresh_token_expires_in"] == 31_536_000)
            #expect(try tokens["open_id"].stringValue == emulator.control.user(named: "bob").openID)
            #expect(try await exchange(redirect: Fixture.accountRedirect).code == 40110)
            #expect(emulator.control.counters.accountExchanges == 1)
        }
    }

    @Test("refresh: new access token, same refresh token, anchored refresh deadline")
    func refreshAnchored() async throws {
        try await withEmulator { emulator, client in
            let control = emulator.control
            let tokens = try await client.accountTokens(emulator, user: "carl")
            let accessToken = try #require(try tokens["access_token"].stringValue)
            let refreshToken = try #require(try tokens["refresh_token"].stringValue)
            let openID = try #require(try tokens["open_id"].stringValue)

            try control.advanceClock(bySeconds: 50_000)
            let refreshed = try await client.refresh(refreshToken)
            #expect(refreshed.code == 0)
            let newAccessToken = try #require(try refreshed["access_token"].stringValue)
            #expect(newAccessToken != accessToken)
            #expect(try refreshed["refresh_token"].stringValue == refreshToken)
            #expect(try refreshed["expires_in"] == 86_400)
            let remaining = try #require(try refreshed["refresh_token_expires_in"].intValue)
            // The emulator's clock runs with the real one: allow the seconds a loaded machine takes between the calls.
            #expect((31_536_000 - 50_030)...(31_536_000 - 50_000) ~= remaining)

            // The old access token lives until its own expiry, then answers 40102.
            let info: (String) -> JSONValue = { ["app_id": .string(Fixture.appID), "access_token": .string($0)] }
            #expect(try await client.apiPost("/tt_user/token_info/get/", info(accessToken)).code == 0)
            try control.advanceClock(bySeconds: 40_000)
            #expect(try await client.apiPost("/tt_user/token_info/get/", info(accessToken)).code == 40102)
            let current = try await client.apiPost("/tt_user/token_info/get/", info(newAccessToken))
            #expect(current.code == 0)
            #expect(try current["creator_id"].stringValue == openID)
            #expect(try current["scope"] == "user.info.basic,video.list")

            #expect(try await client.refresh(refreshToken).code == 0)
            #expect(control.counters.refreshes == 2)
            #expect(control.counters.refreshesByOpenID[openID] == 2)
            #expect(try await client.refresh("rft.unknown").code == 40110)
            #expect(control.counters.refreshFailures == 1)
            let counters = try await client.control(.get, "/counters")
            #expect(counters.json["refreshes_by_open_id"]?[openID] == 2)
        }
    }

    @Test("refresh fails with 40110 once the grant's refresh deadline passes")
    func refreshDeadline() async throws {
        try await withEmulator { emulator, client in
            try emulator.control.updateSettings { $0.refreshTokenLifetime = 1_000 }
            let tokens = try await client.accountTokens(emulator, user: "dan")
            let refreshToken = try #require(try tokens["refresh_token"].stringValue)
            #expect(try tokens["refresh_token_expires_in"] == 1_000)
            try emulator.control.advanceClock(bySeconds: 600)
            let refreshed = try await client.refresh(refreshToken)
            #expect(try refreshed["refresh_token_expires_in"].intValue.map { (370...400).contains($0) } == true)
            try emulator.control.advanceClock(bySeconds: 401)
            let expired = try await client.refresh(refreshToken)
            #expect(expired.code == 40110)
            #expect(expired.message == "The refresh_token is invalid or has expired.")
        }
    }

    @Test("rotation: each refresh issues a new refresh token and retires the old one")
    func rotation() async throws {
        try await withEmulator(.init(rotateRefreshTokens: true)) { emulator, client in
            let tokens = try await client.accountTokens(emulator, user: "eve")
            let first = try #require(try tokens["refresh_token"].stringValue)
            let rotated = try await client.refresh(first)
            let second = try #require(try rotated["refresh_token"].stringValue)
            #expect(second != first)
            #expect(try await client.refresh(first).code == 40110)
            #expect(try await client.refresh(second).code == 0)

            let wrongSecret = try await client.apiPost(
                "/tt_user/oauth2/refresh_token/",
                [
                    "client_id": .string(Fixture.appID), "client_secret": "nope", "grant_type": "refresh_token",
                    "refresh_token": .string(second),
                ]
            )
            #expect(wrongSecret.code == 40101)
        }
    }

    @Test("account revoke ends the access and refresh tokens")
    func accountRevoke() async throws {
        try await withEmulator { emulator, client in
            let tokens = try await client.accountTokens(emulator, user: "fay")
            let accessToken = try #require(try tokens["access_token"].stringValue)
            let refreshToken = try #require(try tokens["refresh_token"].stringValue)
            let body: JSONValue = [
                "client_id": .string(Fixture.appID), "client_secret": .string(Fixture.secret),
                "access_token": .string(accessToken),
            ]
            let revoked = try await client.apiPost("/tt_user/oauth2/revoke/", body)
            #expect(revoked.code == 0)
            #expect(revoked.data == [:])
            #expect(try await client.refresh(refreshToken).code == 40110)
            let info = try await client.apiPost(
                "/tt_user/token_info/get/",
                ["app_id": .string(Fixture.appID), "access_token": .string(accessToken)]
            )
            #expect(info.code == 40105)
            #expect(try await client.apiPost("/tt_user/oauth2/revoke/", body).code == 40105)
        }
    }

    @Test("external revocation by user and by access token")
    func externalRevocation() async throws {
        try await withEmulator { emulator, client in
            let advertiserToken = try await client.advertiserToken(emulator, user: "gus")
            let account = try await client.accountTokens(emulator, user: "gus")
            let accountToken = try #require(try account["access_token"].stringValue)
            let refreshToken = try #require(try account["refresh_token"].stringValue)
            let other = try await client.advertiserToken(emulator, user: "hal")

            #expect(emulator.control.revokeTokens(user: "gus") == 2)
            let query: [(String, String?)] = [("app_id", Fixture.appID), ("secret", Fixture.secret)]
            #expect(try await client.apiGet("/oauth2/advertiser/get/", query, token: advertiserToken).code == 40105)
            #expect(try await client.refresh(refreshToken).code == 40110)
            let business = try await client.apiGet(
                "/business/get/",
                [("business_id", emulator.control.user(named: "gus").openID)],
                token: accountToken
            )
            #expect(business.code == 40105)
            #expect(try await client.apiGet("/oauth2/advertiser/get/", query, token: other).code == 0)

            let revoked = try await client.control(.post, "/tokens/revoke", ["access_token": .string(other)])
            #expect(revoked.json["revoked"] == 1)
            #expect(try await client.apiGet("/oauth2/advertiser/get/", query, token: other).code == 40105)
            #expect(try await client.control(.post, "/tokens/revoke", [:]).status == .badRequest)
        }
    }
}
