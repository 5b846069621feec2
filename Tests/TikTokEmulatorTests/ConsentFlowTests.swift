import HTTPTypes
import HummingbirdTesting
import Testing

@testable import TikTokEmulator

@Suite("Consent pages")
struct ConsentFlowTests {
    @Test("advertiser flow: permissions, verification code, redirect with auth_code and code")
    func advertiserTwoStepFlow() async throws {
        try await withEmulator { emulator, client in
            let consentPage = try await client.page(advertiserAuthURL())
            #expect(consentPage.status == .ok)
            #expect(consentPage.headers[.contentType]?.hasPrefix("text/html") == true)
            let html = consentPage.text
            #expect(try element("app-id", in: html) == Fixture.appID)
            #expect(html.contains("Ad account management"))
            #expect(html.contains("Reporting"))
            #expect(try hiddenField("user", in: html).hasPrefix("advertiser-"))
            let consentID = try hiddenField("consent_id", in: html)

            let verificationPage = try await client.form(
                "/portal/auth/confirm",
                [("consent_id", consentID), ("user", "alice"), ("decision", "approve")]
            )
            #expect(verificationPage.status == .ok)
            #expect(verificationPage.userCookie == "alice")
            #expect(verificationPage.text.contains("email or phone"))
            let code = try element("verification-code", in: verificationPage.text)
            #expect(code.count == 6 && code.allSatisfy(\.isNumber))

            let wrongCode = String(code.map { $0 == "1" ? "2" : "1" })
            let retry = try await client.form(
                "/portal/auth/verify",
                [("consent_id", consentID), ("verification_code", wrongCode)]
            )
            #expect(retry.status == .ok)
            #expect(try element("error", in: retry.text).contains("incorrect"))

            let redirect = try await client.form(
                "/portal/auth/verify",
                [("consent_id", consentID), ("verification_code", code)]
            )
            #expect(redirect.status == .found)
            let location = try #require(redirect.headers[.location])
            #expect(location.hasPrefix(Fixture.advertiserRedirect + "?auth_code="))
            let query = try redirect.redirectQuery
            let authCode = try #require(query["auth_code"])
            #expect(query["code"] == authCode)
            #expect(query["state"] == "state-123")

            let token = try await client.apiPost(
                "/oauth2/access_token/",
                ["app_id": .string(Fixture.appID), "secret": .string(Fixture.secret), "auth_code": .string(authCode)]
            )
            #expect(token.code == 0)
            #expect(token.message == "OK")
            #expect(try token["advertiser_ids"] == .strings(emulator.control.user(named: "alice").advertiserIDs))
            #expect(try token["scope"] == [1, 2, 4, 5, 15])

            // The consent is single use.
            let replay = try await client.form(
                "/portal/auth/verify",
                [("consent_id", consentID), ("verification_code", code)]
            )
            #expect(replay.status == .badRequest)
        }
    }

    @Test("the legacy /marketing_api/auth URL and the user cookie prefill")
    func legacyAliasAndCookie() async throws {
        try await withEmulator { _, client in
            let page = try await client.page(advertiserAuthURL(path: "/marketing_api/auth"), user: "carol smith")
            #expect(page.status == .ok)
            #expect(try hiddenField("user", in: page.text) == "carol smith")
        }
    }

    @Test("advertiser deny redirects with access_denied")
    func advertiserDeny() async throws {
        try await withEmulator { _, client in
            let page = try await client.page(advertiserAuthURL())
            let consentID = try hiddenField("consent_id", in: page.text)
            let redirect = try await client.form(
                "/portal/auth/confirm",
                [("consent_id", consentID), ("user", "alice"), ("decision", "deny")]
            )
            #expect(redirect.status == .found)
            let location = try #require(redirect.headers[.location])
            #expect(
                location
                    == Fixture.advertiserRedirect
                    + "?error=access_denied&error_description=The+user+denied+the+request&state=state-123"
            )
        }
    }

    @Test(
        "advertiser consent rejects unknown apps and unregistered redirect URIs",
        arguments: [
            advertiserAuthURL(appID: "nope"),
            advertiserAuthURL(redirectURI: "http://evil.example/callback"),
            advertiserAuthURL(redirectURI: Fixture.advertiserRedirect + "/extra"),
            advertiserAuthURL(redirectURI: nil),
        ]
    )
    func advertiserValidation(url: String) async throws {
        try await withEmulator { _, client in
            let page = try await client.page(url)
            #expect(page.status == .badRequest)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(page.headers[.location] == nil)
        }
    }

    @Test(
        "account consent validates client_key, response_type, redirect_uri and scope",
        arguments: [
            accountAuthURL(clientKey: "nope"),
            accountAuthURL(responseType: "token"),
            accountAuthURL(redirectURI: "http://evil.example/callback"),
            accountAuthURL(scope: " , "),
        ]
    )
    func accountValidation(url: String) async throws {
        try await withEmulator { _, client in
            let page = try await client.page(url)
            #expect(page.status == .badRequest)
            #expect(page.headers[.location] == nil)
        }
    }

    @Test("account flow: scopes page, approval, auto-authorization, disable_auto_auth")
    func accountFlowWithAutoAuth() async throws {
        try await withEmulator { emulator, client in
            let page = try await client.page(accountAuthURL())
            #expect(page.status == .ok)
            #expect(page.text.contains("user.info.basic"))
            #expect(page.text.contains("video.list"))
            #expect(try element("app-id", in: page.text) == Fixture.appID)
            let consentID = try hiddenField("consent_id", in: page.text)

            let redirect = try await client.form(
                "/v2/auth/authorize/confirm",
                [("consent_id", consentID), ("user", "bob"), ("decision", "approve")]
            )
            #expect(redirect.status == .found)
            #expect(redirect.userCookie == "bob")
            #expect(try #require(redirect.headers[.location]).contains("scopes=user.info.basic%2Cvideo.list"))
            let query = try redirect.redirectQuery
            let code = try #require(query["code"])
            #expect(query["scopes"] == "user.info.basic,video.list")
            #expect(query["state"] == "state-456")

            // Already approved: straight back with a new code.
            let again = try await client.page(accountAuthURL(state: "second"), user: "bob")
            #expect(again.status == .found)
            let secondCode = try #require(try again.redirectQuery["code"])
            #expect(secondCode != code)
            #expect(try again.redirectQuery["state"] == "second")

            // Unless the app forces the screen, or asks for more.
            let forced = try await client.page(accountAuthURL(disableAutoAuth: true), user: "bob")
            #expect(forced.status == .ok)
            #expect(try hiddenField("user", in: forced.text) == "bob")
            let moreScopes = try await client.page(
                accountAuthURL(scope: "user.info.basic,user.info.stats"), user: "bob")
            #expect(moreScopes.status == .ok)
            // Another user has not approved anything.
            #expect(try await client.page(accountAuthURL(), user: "zoe").status == .ok)

            let tokens = try await client.apiPost(
                "/tt_user/oauth2/token/",
                [
                    "client_id": .string(Fixture.appID), "client_secret": .string(Fixture.secret),
                    "grant_type": "authorization_code", "auth_code": .string(code),
                    "redirect_uri": .string(Fixture.accountRedirect),
                ]
            )
            #expect(tokens.code == 0)
            #expect(try tokens["open_id"].stringValue == emulator.control.user(named: "bob").openID)
            #expect(try tokens["scope"] == "user.info.basic,video.list")
        }
    }

    @Test("account deny redirects with access_denied")
    func accountDeny() async throws {
        try await withEmulator { _, client in
            let page = try await client.page(accountAuthURL())
            let consentID = try hiddenField("consent_id", in: page.text)
            let redirect = try await client.form(
                "/v2/auth/authorize/confirm",
                [("consent_id", consentID), ("user", "bob"), ("decision", "deny")]
            )
            #expect(redirect.status == .found)
            let query = try redirect.redirectQuery
            #expect(query["error"] == "access_denied")
            #expect(query["error_description"] == "The user denied the request")
            #expect(query["state"] == "state-456")
            #expect(query["code"] == nil)
        }
    }

    @Test("autoConsent redirects at once in both flows")
    func autoConsent() async throws {
        try await withEmulator(.init(autoConsent: true)) { _, client in
            let advertiser = try await client.page(advertiserAuthURL())
            #expect(advertiser.status == .found)
            #expect(try advertiser.redirectQuery["auth_code"] != nil)
            #expect(advertiser.userCookie?.hasPrefix("advertiser-") == true)

            let account = try await client.page(accountAuthURL(), user: "dora")
            #expect(account.status == .found)
            #expect(try account.redirectQuery["code"] != nil)
            #expect(account.userCookie == "dora")
        }
    }

    @Test("scripted consents are one-shot, in order, over HTTP and in-process")
    func scriptedConsent() async throws {
        try await withEmulator { emulator, client in
            let scripted = try await client.control(.post, "/consent/next", ["user": "erin", "decision": "deny"])
            #expect(scripted.status == .ok)
            emulator.control.scriptNextConsent(user: "frank", decision: .approve)

            let denied = try await client.page(accountAuthURL())
            #expect(denied.status == .found)
            #expect(try denied.redirectQuery["error"] == "access_denied")

            let approved = try await client.page(advertiserAuthURL())
            #expect(approved.status == .found)
            #expect(approved.userCookie == "frank")
            let code = try #require(try approved.redirectQuery["auth_code"])
            let token = try await client.apiPost(
                "/oauth2/access_token/",
                ["app_id": .string(Fixture.appID), "secret": .string(Fixture.secret), "auth_code": .string(code)]
            )
            #expect(try token["advertiser_ids"] == .strings(emulator.control.user(named: "frank").advertiserIDs))

            #expect(try await client.page(advertiserAuthURL()).status == .ok)
            let invalid = try await client.control(.post, "/consent/next", ["user": "x", "decision": "maybe"])
            #expect(invalid.status == .badRequest)
        }
    }
}
