import Foundation
import Testing
import TikTokBusiness
import TikTokConnections
import TikTokTestSupport

/// `serve` as a separate process, pointed at a separately started `emulator` process through environment variables
/// alone, driven like a browser and an integrating service would.
@Suite("End to end: serve and emulator as processes", .serialized)
struct EndToEndTests {
    @Test func fourKindsConnectProxyRefreshRevokeAndReplay() async throws {
        let live = try LiveServices.start("e2e", emulatorArguments: ["--access-token-lifetime", "16"])
        defer { live.cleanUp() }
        let (binary, directory, serveURL, emulatorURL, apiKey) =
            (live.binary, live.directory, live.serveURL, live.emulatorURL, live.apiKey)
        let serve = try live.startServe(["LOG_LEVEL": "debug"], log: "serve.log")
        defer { serve.terminate() }

        let browser = Browser()
        defer { browser.shutdown() }
        try await browser.waitUntilUp(emulatorURL + "/_emulator/clock")
        try await browser.waitUntilUp(serveURL + "/healthz")

        // All four kinds through the real redirect chain, cookies kept.
        var firstCallback: String?
        for kind in ["advertiser", "tiktok_account", "tcm_account", "creator"] {
            let chain = try await browser.follow(serveURL + "/connect/\(kind)")
            #expect(chain.status == 200, "\(kind): \(chain.body)")
            #expect(chain.body.contains("Connected"), "\(kind)")
            #expect(chain.visited.count == 2, "\(kind): \(chain.visited)")
            if firstCallback == nil { firstCallback = chain.visited.last }
        }

        let api = APIClient(base: serveURL, key: apiKey, browser: browser)
        let list = try await api.get("/v1/connections")
        let connections = list["connections"]?.arrayValue ?? []
        #expect(connections.count == 4)
        func connection(_ kind: String) throws -> JSONValue {
            try #require(connections.first { $0["kind"]?.stringValue == kind })
        }

        // A proxied call per kind.
        let advertiser = try connection("advertiser")
        let advertiserID = try #require(advertiser["advertiser_ids"]?.arrayValue?.first?.stringValue)
        let info = try await api.get(
            "/v1/proxy/\(advertiser["id"]!.stringValue!)/advertiser/info/?advertiser_ids="
                + QueryEncoding.escape("[\"\(advertiserID)\"]"))
        #expect(info["code"]?.intValue == 0)
        let account = try connection("tiktok_account")
        let accountID = account["id"]!.stringValue!
        let business = try await api.get(
            "/v1/proxy/\(accountID)/business/get/?business_id=\(account["open_id"]!.stringValue!)")
        #expect(business["code"]?.intValue == 0)
        let tcm = try connection("tcm_account")
        let tcmID = try #require(tcm["tto_tcm_account_ids"]?.arrayValue?.first?.stringValue)
        let tcmInfo = try await api.get(
            "/v1/proxy/\(tcm["id"]!.stringValue!)/tto/oauth2/info/?tto_tcm_account_id=\(tcmID)")
        #expect(tcmInfo["code"]?.intValue == 0)
        let creator = try connection("creator")
        let videos = try await api.get(
            "/v1/proxy/\(creator["id"]!.stringValue!)/business/video/list/?business_id=\(creator["open_id"]!.stringValue!)&max_count=5"
        )
        #expect(videos["code"]?.intValue == 0)
        #expect(videos["data"]?["videos"]?.arrayValue?.isEmpty == false)

        // The sweeper refreshes the 16 s access tokens in the background.
        let deadline = ContinuousClock.now + .seconds(40)
        var refreshed = false
        while ContinuousClock.now < deadline, !refreshed {
            let events = try await api.get("/v1/events?connection_id=\(accountID)")
            refreshed = events["events"]?.arrayValue?.contains { $0["type"]?.stringValue == "token.refreshed" } ?? false
            if !refreshed { try await Task.sleep(for: .milliseconds(500)) }
        }
        #expect(refreshed, "no background refresh observed")
        let afterRefresh = try await api.get(
            "/v1/proxy/\(accountID)/business/get/?business_id=\(account["open_id"]!.stringValue!)")
        #expect(afterRefresh["code"]?.intValue == 0)

        // Revoke.
        let revoked = try await api.send("DELETE", "/v1/connections/\(creator["id"]!.stringValue!)")
        #expect(revoked["status"]?.stringValue == "revoked")

        // A replayed callback is rejected.
        let replay = try await browser.get(try #require(firstCallback))
        #expect(replay.status == 409)

        let metrics = try await browser.get(serveURL + "/metrics", headers: [("Authorization", "Bearer \(apiKey)")])
        #expect(metrics.body.contains("tiktok_business_refreshes_total{outcome=\"success\"}"))

        // Graceful shutdown.
        serve.terminate()
        serve.waitUntilExit()
        #expect(serve.terminationReason == .exit)
        let log = (try? String(contentsOfFile: directory + "/serve.log", encoding: .utf8)) ?? ""
        #expect(!log.contains(apiKey))
        #expect(!log.contains("e2e-secret"))
        #expect(!log.contains("act."))

        // The CLI over the same database and environment.
        var cliEnvironment = live.serveEnvironment(["LOG_LEVEL": "error"])
        cliEnvironment["TIKTOK_BUSINESS_API_KEY"] = nil
        let cli = CLI(binary: binary, environment: cliEnvironment)
        let listed = try cli.run(["connections", "list", "--json"])
        #expect(listed.status == 0)
        let rows = (try? JSONDecoder().decode(JSONValue.self, from: Data(listed.output.utf8)))?.arrayValue ?? []
        #expect(rows.count == 4)
        let table = try cli.run(["connections", "list", "--status", "revoked"])
        #expect(table.output.contains("revoked") && table.output.contains("creator"))
        let link = try cli.run(["link", "creator", "--end-user", "cli-user"])
        #expect(link.status == 0)
        #expect(link.output.contains(live.endpoints.accountAuthorizationURL + "?client_key=e2e-app"))
        let called = try cli.run([
            "call", accountID, "GET", "/business/get/", "--query", "business_id=\(account["open_id"]!.stringValue!)",
        ])
        #expect(called.status == 0)
        #expect(called.output.contains("\"display_name\""))
        let rotated = try cli.run(["keys", "rotate"])
        #expect(rotated.status == 0, "\(rotated.output)")
        #expect(
            rotated.output.contains("Re-encrypted 4 connections")
                || rotated.output.contains("Re-encrypted 3 connections"))
        let again = try cli.run([
            "call", accountID, "GET", "/business/get/", "--query", "business_id=\(account["open_id"]!.stringValue!)",
        ])
        #expect(again.status == 0)
        let bad = try cli.run(["connections", "show", "conn_nope"])
        #expect(bad.status != 0)
        #expect(bad.output.contains("not_found"))
        let badKind = try cli.run(["link", "robot"])
        #expect(badKind.status != 0)
        #expect(try cli.run(["migrate"]).status == 0)
    }
}
