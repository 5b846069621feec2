import Foundation
import Testing
import TikTokBusiness

@Suite("Authorization URLs and callbacks")
struct AuthorizationURLTests {
    let client = TikTokClient(configuration: .init(appID: "7001", secret: "s"))

    @Test func advertiserURLCarriesAppStateAndEncodedRedirect() {
        let url = client.advertiserAuthorizationURL(state: "st/ate+1", redirectURI: "https://x.example/cb?a=1")
        #expect(
            url == "https://business-api.tiktok.com/portal/auth?app_id=7001&state=st%2Fate%2B1"
                + "&redirect_uri=https%3A%2F%2Fx.example%2Fcb%3Fa%3D1")
    }

    @Test func accountURLCarriesClientKeyScopesAndOptionalForcedConsent() {
        let url = client.accountAuthorizationURL(
            state: "s1", redirectURI: "https://x.example/cb", scopes: ["user.info.basic", "video.list"])
        #expect(
            url == "https://www.tiktok.com/v2/auth/authorize/?client_key=7001&scope=user.info.basic%2Cvideo.list"
                + "&response_type=code&redirect_uri=https%3A%2F%2Fx.example%2Fcb&state=s1")
        let forced = client.accountAuthorizationURL(
            state: "s1", redirectURI: "https://x.example/cb", scopes: ["a"], disableAutoAuth: true)
        #expect(forced.hasSuffix("&disable_auto_auth=1"))
    }

    @Test func callbackAcceptsAuthCodeOrCode() throws {
        let marketing = try AuthorizationCallback(query: "?auth_code=abc&code=abc&state=xyz")
        #expect(marketing.state == "xyz")
        #expect(marketing.outcome == .authorized(code: "abc", scopes: []))
        let account = try AuthorizationCallback(url: "https://x/cb?code=c1&scopes=user.info.basic%2Cvideo.list&state=s")
        #expect(account.outcome == .authorized(code: "c1", scopes: ["user.info.basic", "video.list"]))
    }

    @Test func callbackReportsDenial() throws {
        let denied = try AuthorizationCallback(
            query: "error=access_denied&error_description=The+user+denied&state=s")
        #expect(denied.outcome == .denied(error: "access_denied", description: "The user denied"))
    }

    @Test func callbackWithoutStateOrCodeIsRejected() {
        #expect(throws: AuthorizationCallbackError.missingState) { try AuthorizationCallback(query: "code=1") }
        #expect(throws: AuthorizationCallbackError.missingCode) { try AuthorizationCallback(query: "state=1") }
    }

    @Test func queryEncodingJSONEncodesArraysAndObjects() {
        let text = QueryEncoding.encode([
            "advertiser_ids": .strings(["123"]), "filtering": ["campaign_ids": .strings(["1"])], "page": 2,
        ])
        #expect(
            text == "advertiser_ids=%5B%22123%22%5D&filtering=%7B%22campaign_ids%22%3A%5B%221%22%5D%7D&page=2")
    }

    @Test func errorCategoriesFollowTikTokCodes() {
        #expect(TikTokError.Category.of(code: 40100) == .rateLimited)
        #expect(TikTokError.Category.of(code: 50002) == .transient)
        #expect(TikTokError.Category.of(code: 40105) == .accessTokenInvalid)
        #expect(TikTokError.Category.of(code: 40102) == .accessTokenInvalid)
        #expect(TikTokError.Category.of(code: 40104) == .accessTokenInvalid)
        #expect(TikTokError.Category.of(code: 40110) == .authCodeInvalid)
        #expect(TikTokError.Category.of(code: 40001) == .permission)
        #expect(TikTokError.Category.of(code: 40002) == .parameter)
        #expect(TikTokError.Category.of(code: 49999) == .unknown)
    }
}
