import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TikTokBusiness
import TikTokConnections
import TikTokEmulator
import TikTokTestSupport

@testable import TikTokConnectionsServer

/// The admin page in process: sign-in, CSRF, the connections table and its badges, and the actions.
@Suite("Admin page, in process")
struct AdminPageTests {
    @Test func signInIsRequiredAndAWrongKeyIsRefused() async throws {
        try await ServerHarness.run { harness in
            try await harness.application.test(.router) { client in
                let first = try await client.page("/")
                #expect(first.status == .ok)
                #expect(first.text.contains(#"id="sign-in""#))
                #expect(!first.text.contains(#"id="connections""#))
                #expect(first.text.contains("Sandbox mode"))
                let login = try #require(first.setCookie(AdminRoutes<ServerRequestContext>.loginCookie))
                #expect(login.contains("HttpOnly") && login.contains("SameSite=Strict") && !login.contains("Secure"))
                var jar = first.cookies
                let token = try #require(first.field("csrf"))

                #expect(try await client.page("/admin/connections/conn_x").status == .seeOther)
                #expect(try await client.page("/admin/connections/conn_x/revoke").status == .seeOther)
                #expect(try await client.page("/admin/links", form: ["kind": "advertiser"]).status == .unauthorized)

                let wrong = try await client.page(
                    "/admin/sign-in", cookies: jar, form: ["csrf": token, "api_key": "not-the-key"])
                #expect(wrong.status == .unauthorized)
                #expect(wrong.text.contains("not valid"))
                #expect(wrong.setCookie(AdminRoutes<ServerRequestContext>.sessionCookie) == nil)
                jar.merge(wrong.cookies) { $1 }
                let retryToken = try #require(wrong.field("csrf"))

                let noToken = try await client.page(
                    "/admin/sign-in", cookies: jar, form: ["api_key": ServerHarness.apiKey])
                #expect(noToken.status == .forbidden)
                let noCookie = try await client.page(
                    "/admin/sign-in", form: ["csrf": retryToken, "api_key": ServerHarness.apiKey])
                #expect(noCookie.status == .forbidden)
                #expect(noCookie.setCookie(AdminRoutes<ServerRequestContext>.sessionCookie) == nil)

                let good = try await client.page(
                    "/admin/sign-in", cookies: jar, form: ["csrf": retryToken, "api_key": ServerHarness.apiKey])
                #expect(good.status == .seeOther)
                #expect(good.headers[.location] == "/")
                let session = try #require(good.setCookie(AdminRoutes<ServerRequestContext>.sessionCookie))
                #expect(
                    session.contains("HttpOnly") && session.contains("SameSite=Strict") && !session.contains("Secure"))
                #expect(session.contains("Path=/"))
                let sessionID = try #require(good.cookies[AdminRoutes<ServerRequestContext>.sessionCookie])
                #expect(sessionID.count >= 43)  // 256 bits, URL-safe base64
                jar.merge(good.cookies) { $1 }

                let home = try await client.page("/", cookies: jar)
                #expect(home.text.contains("Sign out"))
                #expect(home.text.contains(#"id="new-link""#))
                #expect(!home.text.contains(#"id="sign-in""#))
                #expect(home.text.contains("Sandbox mode"))
                let csrf = try #require(home.field("csrf"))
                #expect(csrf != sessionID)

                // A forged session id is nobody.
                let forged = try await client.page(
                    "/", cookies: [AdminRoutes<ServerRequestContext>.sessionCookie: "x" + sessionID])
                #expect(forged.text.contains(#"id="sign-in""#))

                #expect(
                    try await client.page("/admin/sign-out", cookies: jar, form: ["csrf": "wrong"]).status == .forbidden
                )
                #expect(try await client.page("/", cookies: jar).text.contains("Sign out"))
                let out = try await client.page("/admin/sign-out", cookies: jar, form: ["csrf": csrf])
                #expect(out.status == .seeOther)
                #expect(out.setCookie(AdminRoutes<ServerRequestContext>.sessionCookie)?.contains("Max-Age=0") == true)
                // The old cookie no longer works even if a browser kept it.
                #expect(try await client.page("/", cookies: jar).text.contains(#"id="sign-in""#))
            }
        }
    }

    @Test func cookiesAreSecureBehindHTTPS() async throws {
        try await ServerHarness.run { harness in
            let server = TikTokBusinessServer(
                manager: harness.manager,
                configuration: .init(
                    publicURL: "https://admin.example", apiKey: ServerHarness.apiKey,
                    tikTokAPIBaseURL: harness.manager.client.configuration.apiBaseURL, sandbox: false))
            try await Application(router: server.makeRouter()).test(.router) { client in
                let first = try await client.page("/")
                #expect(!first.text.contains("Sandbox mode"))
                let login = try #require(first.setCookie(AdminRoutes<ServerRequestContext>.loginCookie))
                #expect(login.contains("Secure") && login.contains("HttpOnly") && login.contains("SameSite=Strict"))
                let token = try #require(first.field("csrf"))
                let signedIn = try await client.page(
                    "/admin/sign-in", cookies: first.cookies, form: ["csrf": token, "api_key": ServerHarness.apiKey])
                let session = try #require(signedIn.setCookie(AdminRoutes<ServerRequestContext>.sessionCookie))
                #expect(
                    session.contains("Secure") && session.contains("HttpOnly") && session.contains("SameSite=Strict"))
            }
        }
    }

    @Test func csrfIsEnforcedOnEveryAction() async throws {
        try await ServerHarness.run { harness in
            let account = try await harness.connect(.tiktokAccount, user: "csrf-account")
            try await harness.application.test(.router) { client in
                let jar = try await client.signIn()
                let home = try await client.page("/", cookies: jar)
                let csrf = try #require(home.field("csrf"))
                let actions = [
                    "/admin/links", "/admin/connections/\(account.id)/refresh",
                    "/admin/connections/\(account.id)/revoke",
                    "/admin/connections/\(account.id)/reconnect-link", "/admin/sign-out",
                ]
                for uri in actions {
                    for token in [nil, "", "wrong-token", csrf + "x"] {
                        var form = ["kind": "advertiser", "confirm": "yes"]
                        if let token { form["csrf"] = token }
                        let response = try await client.page(uri, cookies: jar, form: form)
                        #expect(
                            response.status == .forbidden, "\(uri) with \(token ?? "no token") → \(response.status)")
                    }
                }
                #expect(harness.emulator.control.counters.refreshes == 0)
                #expect(try await harness.manager.connection(id: account.id).status == .active)
                #expect(try await client.page("/", cookies: jar).text.contains("Sign out"))

                // Every state-changing form on every page carries the token.
                let pages = [
                    home, try await client.page("/admin/connections/\(account.id)", cookies: jar),
                    try await client.page("/admin/connections/\(account.id)/revoke", cookies: jar),
                ]
                for page in pages {
                    let posts = page.text.components(separatedBy: #"method="post""#).count - 1
                    let tokens = page.text.components(separatedBy: #"name="csrf" value="\#(csrf)""#).count - 1
                    #expect(posts > 0 && posts == tokens)
                }
            }
        }
    }

    @Test func theListShowsConnectionsWithBadgesFiltersAndSearch() async throws {
        try await ServerHarness.run { harness in
            let advertiser = try await harness.connect(.advertiser, user: "list-advertiser", endUser: "customer-7")
            let account = try await harness.connect(.tiktokAccount, user: "list-account")
            let tcm = try await harness.connect(.tcmAccount, user: "list-tcm")
            let creator = try await harness.connect(.creator, user: "list-creator")
            let lapsed = try await harness.connect(.tiktokAccount, user: "list-lapsed")
            _ = try await harness.manager.revoke(id: creator.id)
            harness.emulator.control.revokeTokens(user: "list-lapsed")
            await #expect(throws: (any Error).self) { try await harness.manager.refresh(id: lapsed.id) }
            #expect(try await harness.manager.connection(id: lapsed.id).status == .reauthorizationRequired)
            let token = try await harness.manager.accessToken(for: account.id)

            try await harness.application.test(.router) { client in
                let jar = try await client.signIn()
                let home = try await client.page("/", cookies: jar)
                #expect(home.status == .ok)
                let rows = home.rows
                #expect(rows.count == 5)
                #expect(rows[advertiser.id]?.contains(">active<") == true)
                #expect(rows[advertiser.id]?.contains("customer-7") == true)
                #expect(rows[advertiser.id]?.contains(advertiser.advertiserIDs[0]) == true)
                #expect(rows[account.id]?.contains(account.openID!) == true)
                #expect(rows[tcm.id]?.contains(tcm.tcmAccountIDs.first ?? "?") == true)
                #expect(rows[creator.id]?.contains(">revoked<") == true)
                #expect(rows[lapsed.id]?.contains(">re-authorization required<") == true)
                #expect(!home.text.contains(token))

                #expect(Set(try await client.page("/?status=revoked", cookies: jar).rows.keys) == [creator.id])
                #expect(
                    Set(try await client.page("/?kind=tiktok_account", cookies: jar).rows.keys) == [
                        account.id, lapsed.id,
                    ])
                #expect(
                    Set(try await client.page("/?kind=tiktok_account&status=active", cookies: jar).rows.keys) == [
                        account.id
                    ])
                #expect(Set(try await client.page("/?q=customer-7", cookies: jar).rows.keys) == [advertiser.id])
                #expect(Set(try await client.page("/?q=\(tcm.id)", cookies: jar).rows.keys) == [tcm.id])
                let none = try await client.page("/?q=nobody-at-all", cookies: jar)
                #expect(none.rows.isEmpty && none.text.contains(#"id="empty""#))
                // Bad filter values are ignored, not errors.
                #expect(try await client.page("/?kind=robot&status=sleeping&cursor=../x", cookies: jar).rows.count == 5)

                let page = try await client.page("/admin/connections/\(account.id)", cookies: jar)
                #expect(page.text.contains(account.openID!))
                #expect(page.text.contains("Connected"))
                #expect(page.text.contains(#"id="refresh""#))
                #expect(!page.text.contains(token))
                let advertiserPage = try await client.page("/admin/connections/\(advertiser.id)", cookies: jar)
                for id in advertiser.advertiserIDs { #expect(advertiserPage.text.contains(id)) }
                #expect(!advertiserPage.text.contains(#"id="refresh""#))
                let lapsedPage = try await client.page("/admin/connections/\(lapsed.id)", cookies: jar)
                #expect(lapsedPage.text.contains(#"id="reconnect""#))
                #expect(lapsedPage.text.contains("Re-authorization required"))
                let missing = try await client.page("/admin/connections/conn_missing", cookies: jar)
                #expect(missing.status == .notFound)
            }
        }
    }

    @Test func pagingWalksEveryRowOnce() async throws {
        try await ServerHarness.run { harness in
            var ids: Set<String> = []
            for index in 0..<(AdminRoutes<ServerRequestContext>.pageSize + 7) {
                ids.insert(try await harness.connect(.advertiser, user: "page-\(index)").id)
            }
            let expected = ids
            try await harness.application.test(.router) { client in
                let jar = try await client.signIn()
                let first = try await client.page("/?kind=advertiser", cookies: jar)
                #expect(first.rows.count == AdminRoutes<ServerRequestContext>.pageSize)
                let next = try #require(first.link(id: "next-page"))
                #expect(next.contains("kind=advertiser") && next.contains("cursor="))
                let second = try await client.page(next, cookies: jar)
                #expect(second.rows.count == 7)
                #expect(second.link(id: "next-page") == nil)
                #expect(Set(first.rows.keys).union(second.rows.keys) == expected)
            }
        }
    }

    @Test func actionsCreateLinksRefreshRevokeAndReconnect() async throws {
        try await ServerHarness.run { harness in
            let account = try await harness.connect(.tiktokAccount, user: "action-account")
            let lapsed = try await harness.connect(.creator, user: "action-lapsed")
            harness.emulator.control.revokeTokens(user: "action-lapsed")
            _ = try? await harness.manager.refresh(id: lapsed.id)
            try await harness.application.test(.router) { client in
                let jar = try await client.signIn()
                let csrf = try #require(try await client.page("/", cookies: jar).field("csrf"))

                // A shareable link for every kind.
                for kind in ConnectionKind.allCases {
                    let link = try await client.page(
                        "/admin/links", cookies: jar,
                        form: ["csrf": csrf, "kind": kind.rawValue, "end_user_id": "cust 1", "force_consent": "1"])
                    #expect(link.status == .ok)
                    let url = try #require(link.textarea("link-url"))
                    let prefix =
                        kind.usesAdvertiserFlow
                        ? EmulatorEndpoints.advertiserAuthorizationPath : EmulatorEndpoints.accountAuthorizationPath
                    #expect(url.hasPrefix(harness.emulatorURL + prefix), "\(url)")
                    if !kind.usesAdvertiserFlow { #expect(url.contains("disable_auto_auth=1")) }
                    let policy = link.headers[.contentSecurityPolicy] ?? ""
                    let nonce = try #require(policy.split(separator: "'").first { $0.hasPrefix("nonce-") })
                    #expect(link.text.contains(#"<script nonce="\#(nonce.dropFirst(6))">"#))
                }
                let badKind = try await client.page(
                    "/admin/links", cookies: jar, form: ["csrf": csrf, "kind": "robot"])
                #expect(badKind.status == .badRequest)

                // Refresh now.
                let refreshed = try await client.page(
                    "/admin/connections/\(account.id)/refresh", cookies: jar, form: ["csrf": csrf])
                #expect(refreshed.status == .seeOther)
                #expect(refreshed.headers[.location] == "/admin/connections/\(account.id)?notice=refreshed")
                #expect(harness.emulator.control.counters.refreshes == 1)
                let afterRefresh = try await client.page(refreshed.headers[.location]!, cookies: jar)
                #expect(afterRefresh.text.contains("The access token was refreshed."))
                #expect(afterRefresh.text.contains("Token refreshed"))

                // Revoke asks first, then revokes.
                let confirm = try await client.page("/admin/connections/\(account.id)/revoke", cookies: jar)
                #expect(confirm.text.contains(#"id="confirm-revoke""#))
                #expect(try await harness.manager.connection(id: account.id).status == .active)
                let unconfirmed = try await client.page(
                    "/admin/connections/\(account.id)/revoke", cookies: jar, form: ["csrf": csrf])
                #expect(unconfirmed.status == .seeOther)
                #expect(try await harness.manager.connection(id: account.id).status == .active)
                let revoked = try await client.page(
                    "/admin/connections/\(account.id)/revoke", cookies: jar, form: ["csrf": csrf, "confirm": "yes"])
                #expect(revoked.status == .seeOther)
                #expect(try await harness.manager.connection(id: account.id).status == .revoked)
                #expect(harness.emulator.control.counters.revokes == 1)
                let afterRevoke = try await client.page(revoked.headers[.location]!, cookies: jar)
                #expect(afterRevoke.text.contains(">revoked<"))
                #expect(afterRevoke.text.contains("Revoked"))
                #expect(!afterRevoke.text.contains(#"id="revoke""#))

                // A refresh that TikTok refuses shows the error on the connection page.
                let failed = try await client.page(
                    "/admin/connections/\(account.id)/refresh", cookies: jar, form: ["csrf": csrf])
                #expect(failed.status == .conflict)
                #expect(failed.text.contains(#"id="error""#))

                // Reconnect in place from the reconnect link.
                let reconnect = try await client.page(
                    "/admin/connections/\(lapsed.id)/reconnect-link", cookies: jar, form: ["csrf": csrf])
                #expect(reconnect.status == .ok)
                let url = try #require(reconnect.textarea("link-url"))
                let state = try #require(URLComponents(string: url)?.queryItems?.first { $0.name == "state" }?.value)
                let code = try harness.emulator.control.mintAuthorizationCode(
                    flow: .account, appID: TikTokEmulatorConfiguration.App.default.appID,
                    redirectURI: harness.manager.configuration.redirectURIs[.creator]!, user: "action-lapsed")
                let result = try await harness.manager.completeAuthorization(
                    kind: .creator, callback: .init(state: state, outcome: .authorized(code: code, scopes: [])))
                #expect(result.connection.id == lapsed.id)
                #expect(result.connection.status == .active)
            }
        }
    }

    @Test func theConnectionPageShowsEachEventsWebhookDelivery() async throws {
        try await ServerHarness.run(webhookDestination: "https://hooks.example:443") { harness in
            let store = harness.manager.store
            let before = try await harness.connect(.tiktokAccount, user: "hook-before")
            #expect(try await store.enqueueWebhookDeliveries(now: Date(), limit: 100) == 0)  // webhooks on from here
            let account = try await harness.connect(.tiktokAccount, user: "hook-account")
            _ = try await harness.manager.refresh(id: account.id)
            _ = try await harness.manager.revoke(id: account.id)
            #expect(try await store.enqueueWebhookDeliveries(now: Date(), limit: 100) == 3)
            // Connected: delivered. Refreshed: failed after attempts. Revoked: waits behind it, then is retried.
            func attempt(_ outcome: WebhookAttemptOutcome) async throws {
                let claimed = try await store.claimWebhookDeliveries(
                    now: Date(), limit: 1, owner: "test", leaseUntil: Date().addingTimeInterval(60))
                let delivery = try #require(claimed.first)
                #expect(
                    try await store.recordWebhookAttempt(
                        sequence: delivery.event.sequence, owner: "test", at: Date(), outcome: outcome))
            }
            try await attempt(.delivered(statusCode: 200))
            try await attempt(.failed(statusCode: 410, error: "HTTP 410"))
            try await attempt(
                .retry(at: Date().addingTimeInterval(3_600), statusCode: nil, error: "connection refused"))

            try await harness.application.test(.router) { client in
                let jar = try await client.signIn()
                let page = try await client.page("/admin/connections/\(account.id)", cookies: jar)
                #expect(page.status == .ok)
                let text = page.text
                #expect(text.contains("Webhooks go to <span class=\"mono\">https://hooks.example:443</span>"))
                #expect(text.contains(#"<span class="badge ok webhook">Webhook delivered</span>"#))
                #expect(text.contains(#"<span class="badge bad webhook">Webhook failed</span>"#))
                #expect(text.contains("gave up after 1 attempts · last: HTTP 410"))
                #expect(text.contains(#"<span class="badge warn webhook">Webhook pending</span>"#))
                #expect(text.contains("1 attempt · last: connection refused · next in"))
                let older = try await client.page("/admin/connections/\(before.id)", cookies: jar)
                #expect(older.text.contains("Webhook: not sent (before webhooks were on)"))
                // /v1/events carries the same state.
                let events = try await client.api("/v1/events?connection_id=\(account.id)")
                let json = try JSONDecoder().decode(JSONValue.self, from: Data(events.text.utf8))
                let states = json["events"]?.arrayValue?.compactMap { $0["webhook"]?["state"]?.stringValue }
                #expect(states == ["delivered", "failed", "pending"])
            }
        }
    }

    @Test func badges() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        func account(status: ConnectionStatus = .active, access: TimeInterval, refresh: TimeInterval) -> Connection {
            Connection(
                id: "conn_a", kind: .tiktokAccount, status: status, openID: "o",
                accessTokenExpiresAt: now.addingTimeInterval(access),
                refreshTokenExpiresAt: now.addingTimeInterval(refresh),
                createdAt: now, updatedAt: now)
        }
        func badge(_ connection: Connection) -> String {
            ConnectionBadge.of(connection, now: now, refreshMargin: 600).label
        }
        #expect(badge(account(access: 86_000, refresh: 300 * 86_400)) == "active")
        #expect(badge(account(access: 300, refresh: 300 * 86_400)) == "expires soon")
        #expect(badge(account(access: -30, refresh: 300 * 86_400)) == "expires soon")
        #expect(badge(account(access: 86_000, refresh: 30 * 86_400)) == "refresh token lapsing in 30 days")
        #expect(badge(account(access: 86_000, refresh: 6.5 * 86_400)) == "refresh token lapsing in 7 days")
        #expect(badge(account(access: 86_000, refresh: 3600)) == "refresh token lapsing in 1 day")
        #expect(badge(account(access: 86_000, refresh: 31 * 86_400)) == "active")
        #expect(
            badge(account(status: .reauthorizationRequired, access: -10, refresh: 10)) == "re-authorization required")
        #expect(badge(account(status: .revoked, access: 86_000, refresh: 10)) == "revoked")
        let advertiser = Connection(
            id: "conn_b", kind: .advertiser, advertiserIDs: ["1"], createdAt: now, updatedAt: now)
        #expect(badge(advertiser) == "active")
        #expect(ConnectionBadge.of(advertiser, now: now, refreshMargin: 600).tone == .ok)
    }

    @Test func sessionsExpireAndStayBounded() {
        let clock = TestClock(fixedAt: Date(timeIntervalSince1970: 1_800_000_000))
        let sessions = AdminSessions(lifetime: 60, capacity: 3, now: { clock.now() })
        let first = sessions.create()
        #expect(sessions.session(id: first.id) == first)
        #expect(sessions.session(id: nil) == nil)
        clock.advance(61)
        #expect(sessions.session(id: first.id) == nil)
        let live = (0..<5).map { _ in sessions.create() }
        #expect(live.filter { sessions.session(id: $0.id) != nil }.count == 3)
        #expect(Set(live.map(\.id)).count == 5 && Set(live.map(\.csrfToken)).count == 5)
        #expect(AdminSessions.constantTimeEqual("abc", "abc") && !AdminSessions.constantTimeEqual("abc", "abd"))
    }

    @Test func formsDecodeWithHummingbirdsDecoder() throws {
        #expect(try FormInput.parse("a=1&b=x+y%21&c&d=%2B") == ["a": "1", "b": "x y!", "d": "+"])
        #expect(try FormInput.parse("") == [:])
        for malformed in ["a=1&a=2", "a=%zz", "a[b]=1", "a[]=1"] {
            #expect(throws: APIError.self, "\(malformed)") { try FormInput.parse(malformed) }
        }
        let repeated = try #require(throws: APIError.self) { try FormInput.parse("csrf=1&api_key=secret&api_key=x") }
        #expect(repeated.status == .badRequest && repeated.code == "invalid_form")
        #expect(repeated.message.contains("api_key") && !repeated.message.contains("secret"))
    }
}

extension ServerHarness {
    func connect(_ kind: ConnectionKind, user: String, endUser: String) async throws -> Connection {
        let link = try await manager.authorizationLink(for: kind, options: .init(endUserID: endUser))
        let code = try emulator.control.mintAuthorizationCode(
            flow: kind.usesAdvertiserFlow ? .advertiser : .account,
            appID: TikTokEmulatorConfiguration.App.default.appID,
            redirectURI: manager.configuration.redirectURIs[kind]!, user: user)
        return try await manager.completeAuthorization(
            kind: kind, callback: .init(state: link.state, outcome: .authorized(code: code, scopes: []))
        ).connection
    }
}

extension TestClientProtocol {
    /// A browser-like request: cookies, and a form body when `form` is given (then a POST).
    func page(_ uri: String, cookies: [String: String] = [:], form: [String: String]? = nil) async throws
        -> TestResponse
    {
        var headers = HTTPFields()
        if !cookies.isEmpty { headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        var body: ByteBuffer?
        if let form {
            headers[.contentType] = "application/x-www-form-urlencoded"
            let allowed = CharacterSet.alphanumerics.union(.init(charactersIn: "-._~"))
            body = ByteBuffer(
                string: form.map {
                    "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
                }.joined(separator: "&"))
        }
        return try await execute(uri: uri, method: form == nil ? .get : .post, headers: headers, body: body)
    }

    /// Signs in through the form and returns the cookie jar.
    func signIn(key: String = ServerHarness.apiKey) async throws -> [String: String] {
        let first = try await page("/")
        var jar = first.cookies
        let token = try #require(first.field("csrf"))
        let response = try await page("/admin/sign-in", cookies: jar, form: ["csrf": token, "api_key": key])
        try #require(response.status == .seeOther)
        jar.merge(response.cookies) { $1 }
        return jar.filter { !$0.value.isEmpty }
    }
}

extension TestResponse {
    /// The `Set-Cookie` line for `name`.
    func setCookie(_ name: String) -> String? {
        headers[values: .setCookie].first { $0.hasPrefix(name + "=") }
    }

    /// Name → value of every `Set-Cookie`.
    var cookies: [String: String] {
        var jar: [String: String] = [:]
        for line in headers[values: .setCookie] {
            let pair = line.split(separator: ";", maxSplits: 1)[0].split(separator: "=", maxSplits: 1)
            if pair.count == 2 { jar[String(pair[0])] = String(pair[1]) }
        }
        return jar
    }

    /// The value of the first hidden input named `name`.
    func field(_ name: String) -> String? {
        guard let range = text.range(of: #"name="\#(name)" value=""#) else { return nil }
        return String(text[range.upperBound...].prefix { $0 != "\"" })
    }

    /// The text of a textarea, unescaped.
    func textarea(_ id: String) -> String? {
        guard let start = text.range(of: #"<textarea id="\#(id)""#),
            let open = text[start.upperBound...].range(of: ">"),
            let close = text[open.upperBound...].range(of: "</textarea>")
        else { return nil }
        return String(text[open.upperBound..<close.lowerBound]).replacingOccurrences(of: "&amp;", with: "&")
    }

    /// The href of the link with `id`, unescaped.
    func link(id: String) -> String? {
        guard let range = text.range(of: #"id="\#(id)" href=""#) else { return nil }
        return String(text[range.upperBound...].prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&")
    }

    /// Table rows by connection id.
    var rows: [String: String] {
        var rows: [String: String] = [:]
        for chunk in text.components(separatedBy: #"<tr data-id=""#).dropFirst() {
            let id = String(chunk.prefix { $0 != "\"" })
            rows[id] = chunk.components(separatedBy: "</tr>")[0]
        }
        return rows
    }
}
