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

@Suite("Service routes, in process")
struct RouteTests {
    @Test func everyV1RouteNeedsTheKey() async throws {
        try await ServerHarness.run { harness in
            try await harness.application.test(.router) { client in
                let routes: [(String, HTTPRequest.Method)] = [
                    ("/v1/connect-links", .post), ("/v1/connections", .get), ("/v1/connections/conn_x", .get),
                    ("/v1/connections/conn_x/access-token", .get), ("/v1/connections/conn_x/refresh", .post),
                    ("/v1/connections/conn_x", .delete), ("/v1/proxy/conn_x/campaign/get/", .get),
                    ("/v1/proxy/conn_x/campaign/get/", .post), ("/v1/events", .get),
                ]
                for (uri, method) in routes {
                    for key in [nil, "wrong-key-wrong-key"] {
                        let response = try await client.api(uri, method: method, key: key)
                        #expect(response.status == .unauthorized, "\(method) \(uri)")
                        #expect(response.json["error"]?["code"]?.stringValue == "unauthorized")
                    }
                }
                #expect(try await client.api("/healthz", key: nil).status == .ok)
                #expect(try await client.api("/readyz", key: nil).status == .ok)
            }
        }
    }

    @Test func badInputGetsA4xxJSONError() async throws {
        try await ServerHarness.run { harness in
            try await harness.application.test(.router) { client in
                let cases: [(String, HTTPRequest.Method, String?, HTTPResponse.Status)] = [
                    ("/v1/connect-links", .post, "not json", .badRequest),
                    ("/v1/connect-links", .post, "[1,2]", .badRequest),
                    ("/v1/connect-links", .post, #"{"kind":"robot"}"#, .badRequest),
                    ("/v1/connect-links", .post, #"{"kind":"advertiser","expires_in":-5}"#, .badRequest),
                    ("/v1/connect-links", .post, #"{"kind":"advertiser","force_consent":"yes"}"#, .badRequest),
                    (
                        "/v1/connect-links", .post, #"{"kind":"advertiser","reconnect_connection_id":"conn_missing"}"#,
                        .notFound
                    ),
                    (
                        "/v1/connect-links", .post, #"{"kind":"advertiser","reconnect_connection_id":"../etc"}"#,
                        .badRequest
                    ),
                    ("/v1/connections?kind=robot", .get, nil, .badRequest),
                    ("/v1/connections?status=sleeping", .get, nil, .badRequest),
                    ("/v1/connections?limit=0", .get, nil, .badRequest),
                    ("/v1/connections?limit=abc", .get, nil, .badRequest),
                    ("/v1/connections/conn_missing", .get, nil, .notFound),
                    ("/v1/connections/%00bad", .get, nil, .badRequest),
                    ("/v1/connections/conn_missing/access-token", .get, nil, .notFound),
                    ("/v1/connections/conn_missing/refresh", .post, nil, .notFound),
                    ("/v1/connections/conn_missing", .delete, nil, .notFound),
                    ("/v1/events?after=-1", .get, nil, .badRequest),
                    ("/v1/events?after=x", .get, nil, .badRequest),
                    ("/v1/proxy/conn_missing/campaign/get/", .get, nil, .notFound),
                ]
                for (uri, method, body, status) in cases {
                    let response = try await client.api(uri, method: method, body: body)
                    #expect(response.status == status, "\(method) \(uri) \(body ?? "") → \(response.status)")
                    #expect(response.json["error"]?["code"]?.stringValue != nil, "\(uri)")
                    #expect(response.json["error"]?["message"]?.stringValue != nil, "\(uri)")
                }
                let advertiser = try await harness.connect(.advertiser, user: "route-user")
                let badPaths = ["/v1/proxy/\(advertiser.id)/..%2F..%2Fetc/", "/v1/proxy/\(advertiser.id)/a%3Ab/"]
                for uri in badPaths {
                    let response = try await client.api(uri)
                    #expect(response.status == .badRequest, "\(uri) → \(response.status)")
                }
                let refreshAdvertiser = try await client.api("/v1/connections/\(advertiser.id)/refresh", method: .post)
                #expect(refreshAdvertiser.status == .conflict)
                #expect(refreshAdvertiser.json["error"]?["code"]?.stringValue == "not_refreshable")
            }
        }
    }

    @Test func managementAPIRoundTrip() async throws {
        try await ServerHarness.run { harness in
            try await harness.application.test(.router) { client in
                let link = try await client.api(
                    "/v1/connect-links", method: .post,
                    body: #"{"kind":"tiktok_account","end_user_id":"cust-1","force_consent":true}"#)
                #expect(link.status == .created)
                let url = try #require(link.json["url"]?.stringValue)
                #expect(
                    url.hasPrefix(
                        EmulatorEndpoints(baseURL: harness.emulatorURL).accountAuthorizationURL + "?client_key="))
                #expect(url.contains("disable_auto_auth=1"))
                #expect(link.json["expires_at"]?.stringValue != nil)

                var ids: [String] = []
                for kind in ConnectionKind.allCases {
                    ids.append(try await harness.connect(kind, user: "api-\(kind)").id)
                }
                let page1 = try await client.api("/v1/connections?limit=3")
                #expect(page1.json["connections"]?.arrayValue?.count == 3)
                let cursor = try #require(page1.json["next_cursor"]?.stringValue)
                let page2 = try await client.api("/v1/connections?limit=3&cursor=\(cursor)")
                #expect(page2.json["connections"]?.arrayValue?.count == 1)
                #expect(page2.json["next_cursor"] == .null)
                let accounts = try await client.api("/v1/connections?kind=tiktok_account")
                #expect(accounts.json["connections"]?.arrayValue?.count == 1)

                let shown = try await client.api("/v1/connections/\(ids[1])")
                #expect(shown.json["kind"]?.stringValue == "tiktok_account")
                #expect(shown.json["open_id"]?.stringValue != nil)
                #expect(shown.json["access_token"] == nil)
                #expect(!shown.text.contains("act."))

                let token = try await client.api("/v1/connections/\(ids[1])/access-token")
                #expect(token.json["access_token"]?.stringValue?.hasPrefix("act.") == true)

                let refreshed = try await client.api("/v1/connections/\(ids[1])/refresh", method: .post)
                #expect(refreshed.status == .ok)
                #expect(harness.emulator.control.counters.refreshes == 1)

                let openID = try #require(shown.json["open_id"]?.stringValue)
                let proxied = try await client.api("/v1/proxy/\(ids[1])/business/get/?business_id=\(openID)")
                #expect(proxied.status == .ok)
                #expect(proxied.json["code"]?.intValue == 0)
                #expect(proxied.json["data"]?["display_name"] != nil)

                let revoked = try await client.api("/v1/connections/\(ids[0])", method: .delete)
                #expect(revoked.json["status"]?.stringValue == "revoked")
                let afterRevoke = try await client.api("/v1/connections/\(ids[0])/access-token")
                #expect(afterRevoke.status == .conflict)

                let events = try await client.api("/v1/events?limit=100")
                let types = events.json["events"]?.arrayValue?.compactMap { $0["type"]?.stringValue } ?? []
                #expect(types.filter { $0 == "connection.created" }.count == 4)
                #expect(types.contains("token.refreshed"))
                #expect(types.contains("connection.revoked"))
                let next = try #require(events.json["next_cursor"]?.intValue)
                let none = try await client.api("/v1/events?after=\(next)")
                #expect(none.json["events"]?.arrayValue?.isEmpty == true)

                // /metrics needs the API key by default.
                #expect(try await client.api("/metrics", key: nil).status == .unauthorized)
                #expect(try await client.api("/metrics", key: "wrong").status == .unauthorized)
                let metrics = try await client.api("/metrics")
                #expect(metrics.status == .ok)
                #expect(metrics.text.contains("tiktok_business_connections{"))
                #expect(metrics.text.contains("tiktok_business_proxy_requests_total"))
                #expect(metrics.text.contains("tiktok_business_refreshes_total"))
            }
        }
    }

    @Test func theLargestPageStillLeadsToTheNext() async throws {
        try await ServerHarness.run { harness in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        for index in stride(from: worker, to: 1_002, by: 4) {
                            _ = try await harness.connect(.advertiser, user: "page-\(index)")
                        }
                    }
                }
                try await group.waitForAll()
            }
            try await harness.application.test(.router) { client in
                let first = try await client.api("/v1/connections?limit=1000")
                #expect(first.json["connections"]?.arrayValue?.count == 1_000)
                let cursor = try #require(first.json["next_cursor"]?.stringValue, "a full page of 1,000 ends the list")
                let second = try await client.api("/v1/connections?limit=1000&cursor=\(cursor)")
                #expect(second.json["connections"]?.arrayValue?.count == 2)
                #expect(second.json["next_cursor"] == .null)
            }
        }
    }

    @Test func proxyRefreshesOnceOnAnExpiredToken() async throws {
        // The token was issued a moment ago: allow a refresh on refusal at once (60 s by default).
        try await ServerHarness.run(configure: { $0.refusalRefreshInterval = 0 }) { harness in
            try await harness.application.test(.router) { client in
                let creator = try await harness.connect(.creator, user: "proxy-creator")
                // TikTok's clock runs ahead: the vault still thinks the token is fresh, TikTok says 40102.
                try harness.emulator.control.advanceClock(bySeconds: 86_400 + 10)
                let response = try await client.api(
                    "/v1/proxy/\(creator.id)/business/get/?business_id=\(creator.openID!)")
                #expect(response.json["code"]?.intValue == 0)
                #expect(harness.emulator.control.counters.refreshes == 1)
            }
        }
    }

    @Test func browserFlowSetsABoundCookieAndShowsResultPages() async throws {
        try await ServerHarness.run { harness in
            try await harness.application.test(.router) { client in
                let start = try await client.execute(uri: "/connect/advertiser", method: .get)
                #expect(start.status == .found)
                let location = try #require(start.headers[.location])
                #expect(
                    location.hasPrefix(
                        EmulatorEndpoints(baseURL: harness.emulatorURL).advertiserAuthorizationURL + "?app_id="))
                let cookie = try #require(start.headers[.setCookie])
                #expect(cookie.contains("HttpOnly"))
                #expect(cookie.lowercased().contains("samesite=lax"))
                #expect(!cookie.contains("Secure"))
                let state = try #require(
                    URLComponents(string: location)?.queryItems?.first { $0.name == "state" }?.value)

                // Another browser (no cookie) is refused with 403, and the state survives.
                let code = try harness.emulator.control.mintAuthorizationCode(
                    flow: .advertiser, appID: TikTokEmulatorConfiguration.App.default.appID,
                    redirectURI: harness.manager.configuration.redirectURIs[.advertiser]!, user: "browser-user")
                let callback = "/oauth/callback/advertiser?auth_code=\(code)&code=\(code)&state=\(state)"
                let foreign = try await client.execute(uri: callback, method: .get)
                #expect(foreign.status == .forbidden)
                #expect(foreign.text.contains("another browser"))

                let binding = String(cookie.split(separator: ";")[0])
                var headers = HTTPFields()
                headers[.cookie] = binding
                let done = try await client.execute(uri: callback, method: .get, headers: headers)
                #expect(done.status == .ok)
                #expect(done.text.contains("Connected"))
                #expect(done.text.contains("Sandbox mode"))
                let replay = try await client.execute(uri: callback, method: .get, headers: headers)
                #expect(replay.status == .conflict)

                let denied = try await client.execute(
                    uri:
                        "/oauth/callback/creator?error=access_denied&error_description=The+user+said+no&state=\(state)",
                    method: .get)
                #expect(denied.status.code >= 400 && denied.status.code < 500)
                let forged = try await client.execute(uri: "/oauth/callback/creator?code=x&state=forged", method: .get)
                #expect(forged.status == .badRequest)
                let garbage = try await client.execute(uri: "/oauth/callback/creator?zzz", method: .get)
                #expect(garbage.status == .badRequest)
                let badRedirect = try await client.execute(
                    uri: "/connect/creator?redirect_after=https://evil.example/", method: .get)
                #expect(badRedirect.status == .badRequest)
                let goodRedirect = try await client.execute(
                    uri: "/connect/creator?redirect_after=https://app.example/done", method: .get)
                #expect(goodRedirect.status == .found)
            }
        }
    }

    @Test func secretsNeverReachTheAccessLog() {
        let redacted = AccessLogMiddleware<ServerRequestContext>.redacted(
            "/oauth/callback/advertiser", query: "auth_code=SECRETCODE&state=SECRETSTATE&x=1")
        #expect(!redacted.contains("SECRETCODE"))
        #expect(!redacted.contains("SECRETSTATE"))
        #expect(redacted.contains("x=1"))
    }
}
