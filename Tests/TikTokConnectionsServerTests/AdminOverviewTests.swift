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

/// The admin page for thousands of connections: the overview, what needs a person, the charts, names, search and a
/// connection's audit trail.
@Suite("Admin page: overview and audit trail")
struct AdminOverviewTests {
    @Test func theOverviewShowsWhatNeedsAPersonWithReconnectLinksAndCharts() async throws {
        try await ServerHarness.run(configure: { $0.degradedAfter = 0.2 }) { harness in
            let active = try await harness.connect(.advertiser, user: "overview-advertiser")
            let lapsed = try await harness.connect(.tiktokAccount, user: "overview-lapsed")
            let failing = try await harness.connect(.creator, user: "overview-failing")
            harness.emulator.control.revokeTokens(user: "overview-lapsed")
            await #expect(throws: (any Error).self) { try await harness.manager.refresh(id: lapsed.id) }
            harness.transport.set(
                OverridingTransport.answer(
                    "/tt_user/oauth2/refresh_token/",
                    with: OverridingTransport.envelope(code: 50000, message: "busy", requestID: "req-1")))
            await #expect(throws: (any Error).self) { try await harness.manager.refresh(id: failing.id) }
            harness.transport.set(nil)
            try await Task.sleep(for: .milliseconds(300))
            _ = try await harness.manager.prune(.init())

            try await harness.application.test(.router) { client in
                let jar = try await client.signIn()
                let home = try await client.page("/", cookies: jar)
                let text = home.text
                #expect(text.contains(#"id="overview""#))
                #expect(Self.count(in: text, tile: "tile-total") == 3)
                #expect(Self.count(in: text, tile: "tile-reauth") == 1)
                #expect(Self.count(in: text, tile: "tile-degraded") == 1)
                #expect(text.contains(#"<table id="overview-counts">"#))
                let reauth = try #require(Self.section(text, from: #"id="needs-reauth""#, to: "</table>"))
                #expect(reauth.contains(lapsed.id) && !reauth.contains(active.id))
                #expect(reauth.contains(#"action="/admin/connections/\#(lapsed.id)/reconnect-link""#))
                let degraded = try #require(Self.section(text, from: #"id="degraded""#, to: "</table>"))
                #expect(degraded.contains(failing.id) && !degraded.contains(lapsed.id))
                for chart in ["chart-refreshes", "chart-status", "chart-lapses"] {
                    let figure = try #require(Self.section(text, from: #"<figure id="\#(chart)">"#, to: "</figure>"))
                    #expect(figure.contains("<svg") && figure.contains("</svg>"), "\(chart)")
                }
                // The refreshes chart has bars (a refresh and failures this hour); the status chart has lines.
                #expect(Self.section(text, from: #"id="chart-refreshes""#, to: "</figure>")?.contains("<rect") == true)
                #expect(Self.section(text, from: #"id="chart-status""#, to: "</figure>")?.contains("<polyline") == true)
                // Names, and the attention lists one click away.
                #expect(home.rows[active.id]?.contains(active.displayName ?? "?") == true)
                let list = try await client.page("/?attention=degraded", cookies: jar)
                #expect(Set(list.rows.keys) == [failing.id] && !list.text.contains(#"id="overview""#))
                let name = try #require(lapsed.displayName)
                let search = try await client.page(
                    "/?q=\(name.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)", cookies: jar)
                #expect(search.rows.keys.contains(lapsed.id))

                // One click on the reconnect button: a link page with the link to copy or mail.
                let button = try await client.page(
                    "/admin/connections/\(lapsed.id)/reconnect-link", cookies: jar,
                    form: ["csrf": try #require(home.field("csrf"))])
                #expect(button.status == .ok)
                let url = try #require(button.textarea("link-url"))
                let mailto = try #require(button.link(id: "mailto-link"))
                #expect(mailto.hasPrefix("mailto:?subject="))
                #expect(mailto.removingPercentEncoding?.contains(url) == true)
            }
        }
    }

    @Test func aConnectionPageShowsItsAuditTrailAndProxyUse() async throws {
        try await ServerHarness.run { harness in
            let account = try await harness.connect(.tiktokAccount, user: "audit-page")
            try await harness.application.test(.router) { client in
                let created = try await client.api(
                    "/v1/api-keys", method: .post, body: #"{"name":"proxy","scope":"tokens"}"#
                ).json
                let key = try #require(created["key"]?.stringValue)
                let keyID = try #require(created["id"]?.stringValue)
                let token = try await client.api("/v1/connections/\(account.id)/access-token", key: key)
                #expect(token.status == .ok)
                _ = try await client.api(
                    "/v1/proxy/\(account.id)/business/get/?business_id=\(account.openID!)", key: key)
                await harness.server.proxyUsage.flush()

                let jar = try await client.signIn()
                let page = try await client.page("/admin/connections/\(account.id)", cookies: jar)
                let audit = try #require(Self.section(page.text, from: #"id="audit""#, to: "</section>"))
                #expect(audit.contains("Access token read") && audit.contains("api_key:\(keyID)"))
                #expect(audit.contains(#"<table id="proxy-usage">"#))
                #expect(!page.text.contains(token.json["access_token"]?.stringValue ?? "?"))
                #expect(page.text.contains(#"id="display-name""#))

                // The admin's own actions are audited with the session's key.
                _ = try await client.page(
                    "/admin/connections/\(account.id)/refresh", cookies: jar,
                    form: ["csrf": try #require(page.field("csrf"))])
                let entries = try await harness.manager.auditEntries(connectionID: account.id)
                #expect(entries.first?.action == .connectionRefreshed && entries.first?.actor == "admin:primary")
            }
        }
    }

    @Test func onlyAdminScopedKeysSignIn() async throws {
        try await ServerHarness.run { harness in
            let (_, reader) = try await harness.manager.createAPIKey(name: "reader", scope: .read, actor: "test")
            let (admin, adminSecret) = try await harness.manager.createAPIKey(name: "ops", scope: .admin, actor: "test")
            try await harness.application.test(.router) { client in
                let first = try await client.page("/")
                let response = try await client.page(
                    "/admin/sign-in", cookies: first.cookies,
                    form: ["csrf": try #require(first.field("csrf")), "api_key": reader])
                #expect(response.status == .unauthorized)
                let jar = try await client.signIn(key: adminSecret)
                #expect(try await client.page("/", cookies: jar).text.contains(#"id="overview""#))
                let signIns = try await harness.manager.auditEntries().filter { $0.action == .adminSignedIn }
                #expect(signIns.map(\.actor) == ["admin:\(admin.id)"])
            }
        }
    }

    /// The number in a tile's `.count`.
    static func count(in text: String, tile: String) -> Int? {
        guard let tileText = section(text, from: #"id="\#(tile)""#, to: "</a>"),
            let range = tileText.range(of: #"<span class="count">"#)
        else { return nil }
        return Int(tileText[range.upperBound...].prefix { $0.isNumber })
    }

    /// The text from the first `start` to the next `end` after it.
    static func section(_ text: String, from start: String, to end: String) -> String? {
        guard let lower = text.range(of: start), let upper = text[lower.upperBound...].range(of: end) else {
            return nil
        }
        return String(text[lower.lowerBound..<upper.upperBound])
    }
}
