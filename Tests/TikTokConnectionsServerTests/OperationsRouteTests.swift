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

/// Running many connections through the API: names and search, health and the attention filters, the audit trail,
/// proxy use and scoped API keys.
@Suite("Service routes: operations")
struct OperationsRouteTests {
    @Test func namesFromTikTokAreKeptReturnedAndSearchable() async throws {
        try await ServerHarness.run { harness in
            let advertiser = try await harness.connect(.advertiser, user: "names-advertiser")
            let account = try await harness.connect(.tiktokAccount, user: "names-account")
            let tcm = try await harness.connect(.tcmAccount, user: "names-tcm")
            let user = harness.emulator.control.user(named: "names-account")
            #expect(account.displayName == user.displayName)
            #expect(account.names == [account.openID!: user.displayName])
            #expect(account.avatarURL?.hasPrefix("https://") == true)
            let advertiserName = try #require(advertiser.displayName)
            #expect(advertiser.names.count == advertiser.advertiserIDs.count && !advertiserName.isEmpty)
            #expect(tcm.displayName?.hasSuffix("Creator Marketplace") == true)
            #expect(Set(tcm.names.keys) == Set(tcm.tcmAccountIDs))

            try await harness.application.test(.router) { client in
                let shown = try await client.api("/v1/connections/\(account.id)").json
                #expect(shown["display_name"]?.stringValue == user.displayName)
                #expect(shown["names"]?[account.openID!]?.stringValue == user.displayName)
                #expect(shown["health"]?.stringValue == "ok" && shown["failing_since"] == .null)
                let query = String(user.displayName.lowercased().prefix(8))
                    .addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                let found = try await client.api("/v1/connections?q=\(query)").json["connections"]?.arrayValue ?? []
                let foundIDs = found.compactMap { $0["id"]?.stringValue }
                #expect(foundIDs.contains(account.id))
                let byAdvertiser = try await client.api("/v1/connections?q=\(advertiser.advertiserIDs[0])").json
                #expect(
                    (byAdvertiser["connections"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue } == [
                        advertiser.id
                    ])
                // As a GET form sends it: spaces as `+`, a literal `+` as %2B.
                let spaced = user.displayName.replacingOccurrences(of: " ", with: "+")
                let byForm = try await client.api("/v1/connections?q=\(spaced)").json["connections"]?.arrayValue ?? []
                #expect(byForm.compactMap { $0["id"]?.stringValue } == [account.id], "\(spaced)")
                #expect(RequestInput.formValue("a=1&q=a%2Bb+c", "q") == "a+b c")
                let none = try await client.api("/v1/connections?q=no-such-name-anywhere").json
                #expect(none["connections"]?.arrayValue?.isEmpty == true)
            }
        }
    }

    @Test func aConnectionFailingLongerThanTheThresholdIsDegradedUntilItRecovers() async throws {
        try await ServerHarness.run(configure: { $0.degradedAfter = 0.5 }) { harness in
            let account = try await harness.connect(.tiktokAccount, user: "degraded-account")
            let healthy = try await harness.connect(.tiktokAccount, user: "healthy-account")
            harness.transport.set(
                OverridingTransport.answer(
                    "/tt_user/oauth2/refresh_token/",
                    with: OverridingTransport.envelope(code: 50000, message: "busy", requestID: "req-busy")))
            await #expect(throws: ConnectionError.self) { try await harness.manager.refresh(id: account.id) }
            let failing = try await harness.manager.connection(id: account.id)
            let since = try #require(failing.failingSince)
            #expect(failing.status == .active && harness.manager.health(of: failing) == .ok)

            try await harness.application.test(.router) { client in
                #expect(
                    try await client.api("/v1/connections?health=degraded").json["connections"]?.arrayValue?.isEmpty
                        == true)
                try await Task.sleep(for: .milliseconds(600))
                // A second failure keeps the streak's start.
                await #expect(throws: ConnectionError.self) { try await harness.manager.refresh(id: account.id) }
                #expect(try await harness.manager.connection(id: account.id).failingSince == since)
                let degraded = try await client.api("/v1/connections?health=degraded").json
                #expect(
                    (degraded["connections"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue } == [account.id])
                #expect(degraded["connections"]?.arrayValue?.first?["health"]?.stringValue == "degraded")
                let attention = try await client.api("/v1/connections?needs_attention=true").json
                #expect(
                    (attention["connections"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue } == [account.id])
                let overview = try await client.api("/v1/overview").json
                #expect(overview["degraded"]?.intValue == 1 && overview["total"]?.intValue == 2)
                let metrics = try await client.api("/metrics").text
                #expect(metrics.contains(#"tiktok_business_connections_degraded{kind="tiktok_account"} 1"#))

                harness.transport.set(nil)
                let recovered = try await harness.manager.refresh(id: account.id)
                #expect(recovered.failingSince == nil && harness.manager.health(of: recovered) == .ok)
                let events = try await harness.manager.events(connectionID: account.id, limit: 100)
                let event = try #require(events.last { $0.type == .connectionRecovered })
                #expect(event.data["failing_since"] == since.formatted(.iso8601))
                #expect(
                    try await client.api("/v1/connections?health=degraded").json["connections"]?.arrayValue?.isEmpty
                        == true)
                // A connection that never failed records no recovery.
                _ = try await harness.manager.refresh(id: healthy.id)
                #expect(
                    try await harness.manager.events(connectionID: healthy.id).allSatisfy {
                        $0.type != .connectionRecovered
                    })
            }
        }
    }

    @Test func refreshTokensLapsingSoonAreListedAndCounted() async throws {
        try await ServerHarness.run(configure: { $0.lapseAttentionWindow = 400 * 86_400 }) { harness in
            let account = try await harness.connect(.tiktokAccount, user: "lapsing-account")
            _ = try await harness.connect(.advertiser, user: "lapsing-advertiser")
            try await harness.application.test(.router) { client in
                let lapses = try #require(account.refreshTokenExpiresAt)
                let after = ISO8601DateFormatter().string(from: lapses.addingTimeInterval(60))
                let before = ISO8601DateFormatter().string(from: lapses.addingTimeInterval(-60))
                let listed = try await client.api("/v1/connections?refresh_token_expires_before=\(after)").json
                #expect((listed["connections"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue } == [account.id])
                let none = try await client.api("/v1/connections?refresh_token_expires_before=\(before)").json
                #expect(none["connections"]?.arrayValue?.isEmpty == true)
                let unix = Int(lapses.timeIntervalSince1970) + 60
                #expect(
                    try await client.api("/v1/connections?refresh_token_expires_before=\(unix)").json["connections"]?
                        .arrayValue?.count == 1)
                #expect(try await client.api("/v1/overview").json["refresh_tokens_lapsing"]?.intValue == 1)
            }
        }
    }

    @Test func scopedKeysAreEnforcedAndTheAuditTrailNamesThem() async throws {
        try await ServerHarness.run { harness in
            let account = try await harness.connect(.tiktokAccount, user: "audit-account")
            try await harness.application.test(.router) { client in
                func create(_ name: String, _ scope: String) async throws -> (id: String, key: String) {
                    let response = try await client.api(
                        "/v1/api-keys", method: .post, body: #"{"name":"\#(name)","scope":"\#(scope)"}"#)
                    #expect(response.status == .created)
                    let json = response.json
                    #expect(json["scope"]?.stringValue == scope && json["name"]?.stringValue == name)
                    return (try #require(json["id"]?.stringValue), try #require(json["key"]?.stringValue))
                }
                let reader = try await create("dashboards", "read")
                let proxy = try await create("reporting proxy", "tokens")
                let admin = try await create("ops", "admin")
                #expect(reader.key.hasPrefix("tbk_") && reader.key != proxy.key)

                // read: lists, but no token, no proxy, no changes.
                #expect(try await client.api("/v1/connections", key: reader.key).status == .ok)
                #expect(try await client.api("/v1/audit", key: reader.key).status == .ok)
                let refused = try await client.api("/v1/connections/\(account.id)/access-token", key: reader.key)
                #expect(refused.status == .forbidden)
                #expect(refused.json["error"]?["code"]?.stringValue == "insufficient_scope")
                #expect(!refused.text.contains("ey") || !refused.text.contains("access_token\":\""))
                for (uri, method) in [
                    ("/v1/proxy/\(account.id)/business/get/?business_id=\(account.openID!)", HTTPRequest.Method.get),
                    ("/v1/connections/\(account.id)", .delete), ("/v1/connections/\(account.id)/refresh", .post),
                    ("/v1/connect-links", .post), ("/v1/api-keys", .get), ("/v1/api-keys", .post),
                ] {
                    #expect(
                        try await client.api(uri, method: method, body: "{}", key: reader.key).status == .forbidden,
                        "\(uri)")
                }
                // tokens: the token and the proxy, but no revocation.
                var headers = HTTPFields()
                headers[.authorization] = "Bearer \(proxy.key)"
                headers[.init("X-Request-ID")!] = "req-audit-1"
                let token = try await client.execute(
                    uri: "/v1/connections/\(account.id)/access-token", method: .get, headers: headers, body: nil)
                #expect(token.status == .ok)
                for _ in 0..<3 {
                    let proxied = try await client.api(
                        "/v1/proxy/\(account.id)/business/get/?business_id=\(account.openID!)", key: proxy.key)
                    #expect(proxied.status == .ok)
                }
                #expect(
                    try await client.api("/v1/connections/\(account.id)", method: .delete, key: proxy.key).status
                        == .forbidden)
                // admin: everything.
                #expect(try await client.api("/v1/api-keys", key: admin.key).status == .ok)

                await harness.server.proxyUsage.flush()
                let audit = try await client.api("/v1/audit?connection_id=\(account.id)", key: reader.key).json
                let entries = audit["entries"]?.arrayValue ?? []
                let read = try #require(entries.first { $0["action"]?.stringValue == "token.read" })
                #expect(read["actor"]?.stringValue == "api_key:\(proxy.id)")
                #expect(read["request_id"]?.stringValue == "req-audit-1")
                #expect(read["connection_id"]?.stringValue == account.id)
                let usage = audit["proxy_usage"]?.arrayValue ?? []
                #expect(usage.count == 1)
                #expect(
                    usage.first?["calls"]?.intValue == 3 && usage.first?["actor"]?.stringValue == "api_key:\(proxy.id)")
                let tokenValue = token.json["access_token"]?.stringValue ?? "?"
                #expect(!String(decoding: try JSONEncoder().encode(audit), as: UTF8.self).contains(tokenValue))

                // Revoking a key stops it at once on this instance, and is audited.
                let revoked = try await client.api("/v1/api-keys/\(reader.id)", method: .delete)
                #expect(revoked.status == .ok && revoked.json["revoked_at"]?.stringValue != nil)
                #expect(try await client.api("/v1/connections", key: reader.key).status == .unauthorized)
                let all = try await client.api("/v1/audit").json["entries"]?.arrayValue ?? []
                let actions = all.compactMap { $0["action"]?.stringValue }
                #expect(actions.filter { $0 == "api_key.created" }.count == 3 && actions.contains("api_key.revoked"))
                let listed = try await client.api("/v1/api-keys").json["api_keys"]?.arrayValue ?? []
                let listedText = String(decoding: try JSONEncoder().encode(listed), as: UTF8.self)
                #expect(listed.count == 3 && !listedText.contains("tbk_"))
            }
        }
    }

    @Test func badOperationsInputGetsA4xx() async throws {
        try await ServerHarness.run { harness in
            try await harness.application.test(.router) { client in
                let cases: [(String, HTTPRequest.Method, String?, HTTPResponse.Status)] = [
                    ("/v1/connections?health=ok", .get, nil, .badRequest),
                    ("/v1/connections?health=sick", .get, nil, .badRequest),
                    ("/v1/connections?refresh_token_expires_before=tomorrow", .get, nil, .badRequest),
                    ("/v1/connections?needs_attention=maybe", .get, nil, .badRequest),
                    ("/v1/connections?q=" + String(repeating: "x", count: 201), .get, nil, .badRequest),
                    ("/v1/audit?before=0", .get, nil, .badRequest),
                    ("/v1/audit?before=x", .get, nil, .badRequest),
                    ("/v1/audit?connection_id=../x", .get, nil, .badRequest),
                    ("/v1/api-keys", .post, #"{"name":"x","scope":"root"}"#, .badRequest),
                    ("/v1/api-keys", .post, #"{"scope":"read"}"#, .badRequest),
                    ("/v1/api-keys", .post, #"{"name":"","scope":"read"}"#, .badRequest),
                    ("/v1/api-keys", .post, "not json", .badRequest),
                    ("/v1/api-keys/key_0000000000000000", .delete, nil, .notFound),
                    ("/v1/api-keys/not-a-key", .delete, nil, .badRequest),
                ]
                for (uri, method, body, status) in cases {
                    let response = try await client.api(uri, method: method, body: body)
                    #expect(response.status == status, "\(method) \(uri)")
                    #expect(response.json["error"]?["message"]?.stringValue?.isEmpty == false, "\(uri)")
                }
                #expect(try await client.api("/v1/api-keys", key: "tbk_not-a-real-key").status == .unauthorized)
            }
        }
    }

    @Test func datesAreReadAsOpenAPIsDateTimeAllowsThem() throws {
        let base = Date(timeIntervalSince1970: 1_798_675_200)  // 2026-12-31T00:00:00Z
        let cases: [(String, Date)] = [
            ("2026-12-31T00:00:00Z", base), ("2026-12-31t00:00:00z", base), ("2026-12-31 00:00:00Z", base),
            ("2026-12-31T05:30:00+05:30", base), ("2026-12-30T19:00:00-05:00", base),
            ("2026-12-31T00:00:00.5Z", base.addingTimeInterval(0.5)),
            ("2026-12-31T00:00:00.123456789Z", base.addingTimeInterval(0.123456789)),
            ("2026-12-30T23:59:60Z", base.addingTimeInterval(-0.000001)),
            ("1798675200", base), ("1798675200.25", base.addingTimeInterval(0.25)), ("1798675200.", base),
            ("+0001798675200", base),
        ]
        for (text, expected) in cases {
            let date = try RequestInput.date(text, name: "d")
            #expect(abs(date.timeIntervalSince(expected)) < 0.000_01, "\(text)")
        }
        #expect(try RequestInput.date("0001-01-01T00:00:00Z", name: "d") < base)
        #expect(try RequestInput.date("9999-12-31T23:59:59-23:59", name: "d") > base)
        for bad in [
            "2026-12-31", "2026-13-01T00:00:00Z", "2026-12-31T24:00:00Z", "2026-12-31T00:00:00",
            "2026-12-31T00:00:00+0530",
            "2026-12-31T00:00:00.Z", "tomorrow", "", "2026-12-31T00:00:00Zjunk", "1e400",
        ] {
            #expect(throws: APIError.self, "\(bad)") { try RequestInput.date(bad, name: "d") }
        }
    }

    @Test func housekeepingRecordsTheStatusHistoryForTheChart() async throws {
        try await ServerHarness.run { harness in
            _ = try await harness.connect(.advertiser, user: "history-advertiser")
            _ = try await harness.manager.prune(.init())
            let charts = try await harness.manager.charts()
            #expect(charts.statusHistory.contains { $0.series == "active" && $0.count == 1 })
            #expect(charts.refreshesPerHour.isEmpty || charts.refreshesPerHour.allSatisfy { $0.count > 0 })
        }
    }
}
