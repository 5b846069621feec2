import Foundation
import Testing
import TikTokBusiness
import TikTokConnections
import TikTokTestSupport

/// Operator safety with the real binary: a sandbox that survives restarts and always stops cleanly, and key
/// rotation while `serve` runs.
@Suite("Operator safety: serve as a process", .serialized)
struct OperatorSafetyProcessTests {
    /// `serve` in sandbox mode in its own folder.
    struct Sandbox {
        let binary: String
        let directory: String
        let port: Int
        let sandboxPort: Int
        let apiKey = "sandbox-api-key-0123456789abcdef"
        var url: String { "http://127.0.0.1:\(port)" }

        init() throws {
            binary = try ProcessHarness.binary()
            directory =
                FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            port = try ProcessHarness.freePort()
            sandboxPort = try ProcessHarness.freePort()
        }

        func start(_ log: String) throws -> Process {
            try ProcessHarness.start(
                binary, ["serve"],
                environment: [
                    "TIKTOK_BUSINESS_DATABASE_URL": "sqlite://\(directory)/sandbox.sqlite",
                    "TIKTOK_BUSINESS_PORT": "\(port)", "TIKTOK_BUSINESS_SANDBOX_PORT": "\(sandboxPort)",
                    "TIKTOK_BUSINESS_API_KEY": apiKey,
                ],
                log: directory + "/" + log)
        }

        /// SIGTERM, then the exit status (fails the test on a signal death or a hang).
        func stop(_ process: Process) async throws -> Int32 {
            process.terminate()
            let deadline = ContinuousClock.now + .seconds(20)
            while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            guard !process.isRunning else {
                kill(process.processIdentifier, SIGKILL)
                throw HarnessError("serve did not stop within 20 s of SIGTERM")
            }
            #expect(process.terminationReason == .exit)
            return process.terminationStatus
        }

        func log(_ name: String) -> String {
            (try? String(contentsOfFile: directory + "/" + name, encoding: .utf8)) ?? ""
        }
    }

    @Test func aSandboxSurvivesRestartsAndAlwaysStopsCleanly() async throws {
        let sandbox = try Sandbox()
        defer { try? FileManager.default.removeItem(atPath: sandbox.directory) }
        let browser = Browser()
        defer { browser.shutdown() }
        let api = APIClient(base: sandbox.url, key: sandbox.apiKey, browser: browser)

        var serve = try sandbox.start("serve-1.log")
        try await browser.waitUntilUp(sandbox.url + "/healthz")
        // The four kinds through the emulator's consent pages, as a newcomer's first demo does.
        let seed = Process()
        seed.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        seed.arguments = ["python3", "scripts/sandbox-seed.py", sandbox.url, sandbox.apiKey]
        seed.standardOutput = FileHandle.nullDevice
        try seed.run()
        seed.waitUntilExit()
        #expect(seed.terminationStatus == 0)
        let connections = try await api.get("/v1/connections")["connections"]?.arrayValue ?? []
        #expect(connections.count == 4)

        /// A proxied call per connection; returns the TikTok codes.
        func calls() async throws -> [String: Int?] {
            var codes: [String: Int?] = [:]
            for connection in connections {
                let id = connection["id"]!.stringValue!
                let kind = connection["kind"]!.stringValue!
                let path: String
                switch kind {
                case "advertiser":
                    let advertiser = connection["advertiser_ids"]!.arrayValue!.first!.stringValue!
                    path = "/advertiser/info/?advertiser_ids=" + QueryEncoding.escape("[\"\(advertiser)\"]")
                case "tcm_account":
                    let account = connection["tto_tcm_account_ids"]!.arrayValue!.first!.stringValue!
                    path = "/tto/oauth2/info/?tto_tcm_account_id=\(account)"
                default: path = "/business/get/?business_id=\(connection["open_id"]!.stringValue!)"
                }
                codes[kind] = try await api.get("/v1/proxy/\(id)\(path)")["code"]?.intValue
            }
            return codes
        }
        let before = try await calls()
        #expect(before.values.allSatisfy { $0 == 0 }, "\(before)")
        #expect(try await sandbox.stop(serve) == 0)

        // After a restart every sandbox connection still works, refreshes and revokes.
        serve = try sandbox.start("serve-2.log")
        try await browser.waitUntilUp(sandbox.url + "/healthz")
        let after = try await calls()
        #expect(after.values.allSatisfy { $0 == 0 }, "after a restart: \(after)")
        let account = try #require(connections.first { $0["kind"]?.stringValue == "tiktok_account" })
        let refreshed = try await api.send("POST", "/v1/connections/\(account["id"]!.stringValue!)/refresh")
        #expect(refreshed["status"]?.stringValue == "active", "\(refreshed)")
        let creator = try #require(connections.first { $0["kind"]?.stringValue == "creator" })
        let revoked = try await api.send("DELETE", "/v1/connections/\(creator["id"]!.stringValue!)")
        #expect(revoked["status"]?.stringValue == "revoked", "\(revoked)")
        #expect(try await sandbox.stop(serve) == 0)
        #expect(!sandbox.log("serve-2.log").contains("finished unexpectedly"))

        // A graceful shutdown exits 0 every time, however soon after the start.
        for round in 3...7 {
            serve = try sandbox.start("serve-\(round).log")
            try await browser.waitUntilUp(sandbox.url + "/healthz")
            if round.isMultiple(of: 2) {
                _ = try await browser.get("http://127.0.0.1:\(sandbox.sandboxPort)/_emulator/clock")
            }
            let status = try await sandbox.stop(serve)
            #expect(status == 0, "round \(round): \(sandbox.log("serve-\(round).log"))")
        }
    }

    @Test func keysRotateTwiceWhileServeRefreshesAndEveryTokenOpensAfterARestart() async throws {
        let live = try LiveServices.start(
            "keys", emulatorArguments: ["--access-token-lifetime", "12", "--rotate-refresh-tokens"])
        defer { live.cleanUp() }
        let settings = ["TIKTOK_BUSINESS_KEY_RELOAD_SECONDS": "1", "LOG_LEVEL": "info"]
        var serve = try live.startServe(settings, log: "serve-1.log")
        defer { if serve.isRunning { serve.terminate() } }
        let browser = Browser()
        defer { browser.shutdown() }
        try await browser.waitUntilUp(live.emulatorURL + "/_emulator/clock")
        try await browser.waitUntilUp(live.serveURL + "/healthz")
        // Four creators, each in a browser of its own (another emulated user each).
        for _ in 0..<4 {
            let person = Browser()
            defer { person.shutdown() }
            let chain = try await person.follow(live.serveURL + "/connect/creator")
            #expect(chain.body.contains("Connected"))
        }
        let api = APIClient(base: live.serveURL, key: live.apiKey, browser: browser)
        let ids = (try await api.get("/v1/connections")["connections"]?.arrayValue ?? []).compactMap {
            $0["id"]?.stringValue
        }
        #expect(ids.count == 4)

        // Two rotations while serve keeps refreshing the 12 s tokens (refresh tokens rotate on every refresh).
        var cliEnvironment = live.serveEnvironment(["LOG_LEVEL": "error", "TIKTOK_BUSINESS_KEY_RELOAD_SECONDS": "1"])
        cliEnvironment["TIKTOK_BUSINESS_API_KEY"] = nil
        let cli = CLI(binary: live.binary, environment: cliEnvironment)
        var keyIDs: [String] = []
        for _ in 0..<2 {
            try await Task.sleep(for: .seconds(4))
            let before = try String(contentsOfFile: live.directory + "/keys", encoding: .utf8)
            let rotated = try cli.run(["keys", "rotate", "--json"])
            #expect(rotated.status == 0, "\(rotated.output)")
            let json = rotated.output.split(separator: "\n").drop { !$0.hasPrefix("{") }.joined(separator: "\n")
            let report = try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))
            let current = try #require(report["current_key_id"]?.stringValue)
            keyIDs.append(current)
            #expect(
                report["retired_key_ids"]?.arrayValue?.compactMap(\.stringValue) == [
                    String(before.prefix { $0 != ":" })
                ])
            #expect(report["kept_keys"]?.arrayValue?.isEmpty == true, "\(rotated.output)")
            let after = try String(contentsOfFile: live.directory + "/keys", encoding: .utf8)
            #expect(after.hasPrefix(current + ":") && !after.contains(","), "one key left in the file")
        }
        #expect(Set(keyIDs).count == 2)
        // Let a few more refreshes happen under the newest key, then restart: every token opens.
        try await Task.sleep(for: .seconds(8))
        serve.terminate()
        serve.waitUntilExit()
        #expect(serve.terminationStatus == 0)
        serve = try live.startServe(settings, log: "serve-2.log")
        try await browser.waitUntilUp(live.serveURL + "/healthz")
        try await Task.sleep(for: .seconds(14))  // at least one more refresh each, with the stored refresh tokens
        for id in ids {
            let connection = try await api.get("/v1/connections/\(id)")
            #expect(connection["status"]?.stringValue == "active", "\(connection)")
            let info = try await api.get(
                "/v1/proxy/\(id)/business/get/?business_id=\(connection["open_id"]!.stringValue!)")
            #expect(info["code"]?.intValue == 0, "\(id): \(info)")
        }
        let counters = try await browser.get(live.emulatorURL + "/_emulator/counters")
        let values = try JSONDecoder().decode(JSONValue.self, from: Data(counters.body.utf8))
        #expect(values["refresh_failures"]?.intValue == 0, "\(counters.body)")
        #expect((values["refreshes"]?.intValue ?? 0) >= 8, "\(counters.body)")
        let log = (try? String(contentsOfFile: live.directory + "/serve-1.log", encoding: .utf8)) ?? ""
        #expect(log.contains("Key ring reloaded"))
        #expect(!log.contains("could not be opened"))
    }
}
