import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing
import TikTokBusiness
import TikTokConnections

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
            "/v1/proxy/\(advertiser["id"]!.stringValue!)/advertiser/info/?advertiser_ids=" + QueryEncoding.escape("[\"\(advertiserID)\"]"))
        #expect(info["code"]?.intValue == 0)
        let account = try connection("tiktok_account")
        let accountID = account["id"]!.stringValue!
        let business = try await api.get("/v1/proxy/\(accountID)/business/get/?business_id=\(account["open_id"]!.stringValue!)")
        #expect(business["code"]?.intValue == 0)
        let tcm = try connection("tcm_account")
        let tcmID = try #require(tcm["tto_tcm_account_ids"]?.arrayValue?.first?.stringValue)
        let tcmInfo = try await api.get("/v1/proxy/\(tcm["id"]!.stringValue!)/tto/oauth2/info/?tto_tcm_account_id=\(tcmID)")
        #expect(tcmInfo["code"]?.intValue == 0)
        let creator = try connection("creator")
        let videos = try await api.get(
            "/v1/proxy/\(creator["id"]!.stringValue!)/business/video/list/?business_id=\(creator["open_id"]!.stringValue!)&max_count=5")
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
        let afterRefresh = try await api.get("/v1/proxy/\(accountID)/business/get/?business_id=\(account["open_id"]!.stringValue!)")
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
        #expect(link.output.contains(emulatorURL + "/v2/auth/authorize/?client_key=e2e-app"))
        let called = try cli.run([
            "call", accountID, "GET", "/business/get/", "--query", "business_id=\(account["open_id"]!.stringValue!)",
        ])
        #expect(called.status == 0)
        #expect(called.output.contains("\"display_name\""))
        let rotated = try cli.run(["keys", "rotate"])
        #expect(rotated.status == 0, "\(rotated.output)")
        #expect(rotated.output.contains("Re-encrypted 4 connections") || rotated.output.contains("Re-encrypted 3 connections"))
        let again = try cli.run(["call", accountID, "GET", "/business/get/", "--query", "business_id=\(account["open_id"]!.stringValue!)"])
        #expect(again.status == 0)
        let bad = try cli.run(["connections", "show", "conn_nope"])
        #expect(bad.status != 0)
        #expect(bad.output.contains("not_found"))
        let badKind = try cli.run(["link", "robot"])
        #expect(badKind.status != 0)
        #expect(try cli.run(["migrate"]).status == 0)
    }
}

/// Runs the CLI and collects its output.
struct CLI {
    let binary: String
    let environment: [String: String]

    func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("TIKTOK_") }
        env.merge(environment) { $1 }
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// The emulator as a process, with every kind's redirect URI for a `serve` process on a reserved port, and that
/// `serve`'s settings, in a temporary directory (kept when TIKTOK_BUSINESS_KEEP_E2E is set).
struct LiveServices {
    let binary: String
    let directory: String
    let emulatorURL: String
    let servePort: Int
    let serveURL: String
    let appID: String
    let apiKey: String
    let emulator: Process

    static func start(_ name: String, emulatorArguments: [String] = []) throws -> LiveServices {
        let binary = try ProcessHarness.binary()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let emulatorPort = try ProcessHarness.freePort()
        let servePort = try ProcessHarness.freePort()
        let serveURL = "http://127.0.0.1:\(servePort)"
        let appID = "\(name)-app"
        var arguments = [
            "emulator", "--port", "\(emulatorPort)", "--auto-consent", "--app-id", appID, "--secret", "\(name)-secret",
        ]
        for kind in ConnectionKind.allCases {
            arguments += ["--redirect-uri", "\(serveURL)/oauth/callback/\(kind.rawValue)"]
        }
        let emulator = try ProcessHarness.start(
            binary, arguments + emulatorArguments, environment: [:], log: directory + "/emulator.log")
        return LiveServices(
            binary: binary, directory: directory, emulatorURL: "http://127.0.0.1:\(emulatorPort)", servePort: servePort,
            serveURL: serveURL, appID: appID, apiKey: "\(name)-api-key-0123456789abcdef", emulator: emulator)
    }

    /// `serve`'s environment: the emulator as TikTok, SQLite in the directory, plus `extra`.
    func serveEnvironment(_ extra: [String: String] = [:]) -> [String: String] {
        [
            "TIKTOK_APP_ID": appID, "TIKTOK_APP_SECRET": appID.replacingOccurrences(of: "-app", with: "-secret"),
            "TIKTOK_API_BASE_URL": "\(emulatorURL)/open_api/v1.3/",
            "TIKTOK_ADVERTISER_AUTH_URL": "\(emulatorURL)/portal/auth",
            "TIKTOK_ACCOUNT_AUTH_URL": "\(emulatorURL)/v2/auth/authorize/",
            "TIKTOK_BUSINESS_PUBLIC_URL": serveURL, "TIKTOK_BUSINESS_PORT": "\(servePort)",
            "TIKTOK_BUSINESS_DATABASE_URL": "sqlite://\(directory)/connections.sqlite",
            "TIKTOK_BUSINESS_API_KEY": apiKey, "TIKTOK_RATE_LIMIT_QPS": "500",
        ].merging(extra) { $1 }
    }

    /// Starts `serve` with ``serveEnvironment(_:)``, logging to `log` in the directory.
    func startServe(_ extra: [String: String] = [:], log: String) throws -> Process {
        try ProcessHarness.start(binary, ["serve"], environment: serveEnvironment(extra), log: directory + "/" + log)
    }

    /// Stops the emulator and removes the directory.
    func cleanUp() {
        emulator.terminate()
        if ProcessInfo.processInfo.environment["TIKTOK_BUSINESS_KEEP_E2E"] == nil {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }
}

/// Starts the project's executable.
enum ProcessHarness {
    static func binary() throws -> String {
        if let path = ProcessInfo.processInfo.environment["TIKTOK_BUSINESS_BINARY"] { return path }
        let candidates = [".build/debug/tiktok-business", ".build/x86_64-unknown-linux-gnu/debug/tiktok-business",
                          ".build/aarch64-unknown-linux-gnu/debug/tiktok-business"]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw HarnessError("Build the executable first (swift build), or set TIKTOK_BUSINESS_BINARY.")
        }
        return found
    }

    static func start(_ binary: String, _ arguments: [String], environment: [String: String], log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("TIKTOK_") }
        env.merge(environment) { $1 }
        process.environment = env
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// A free loopback port (bound then released).
    static func freePort() throws -> Int {
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).wait()
        let port = channel.localAddress!.port!
        try channel.close().wait()
        return port
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// An HTTP client that keeps cookies per host and follows redirects by hand, like a browser.
final class Browser: @unchecked Sendable {
    // Used from one test task at a time; the jar is not shared across tasks.
    private var cookies: [String: [String: String]] = [:]
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

    struct Page { var status: Int; var body: String; var location: String?; var visited: [String] }

    func shutdown() { try? client.syncShutdown() }

    func get(_ url: String, headers: [(String, String)] = []) async throws -> Page {
        var request = HTTPClientRequest(url: url)
        let host = URLComponents(string: url).map { "\($0.host ?? ""):\($0.port ?? 80)" } ?? ""
        if let jar = cookies[host], !jar.isEmpty {
            request.headers.add(name: "Cookie", value: jar.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
        }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await client.execute(request, timeout: .seconds(15))
        for header in response.headers[canonicalForm: "set-cookie"] {
            let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            if pair.count == 2 { cookies[host, default: [:]][String(pair[0])] = String(pair[1]) }
        }
        let body = try await response.body.collect(upTo: 4 << 20)
        return Page(
            status: Int(response.status.code), body: String(buffer: body), location: response.headers.first(name: "location"),
            visited: [url])
    }

    func follow(_ url: String) async throws -> Page {
        var page = try await get(url)
        var visited: [String] = []
        while let location = page.location, (300..<400).contains(page.status), visited.count < 10 {
            visited.append(location)
            page = try await get(location)
        }
        page.visited = visited
        return page
    }

    func waitUntilUp(_ url: String) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let page = try? await get(url), page.status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError("\(url) did not come up")
    }
}

struct APIClient {
    let base: String
    let key: String
    let browser: Browser

    func get(_ path: String) async throws -> JSONValue { try await send("GET", path) }

    func send(_ method: String, _ path: String) async throws -> JSONValue {
        var request = HTTPClientRequest(url: base + path)
        request.method = .init(rawValue: method)
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        let response = try await browser.client.execute(request, timeout: .seconds(15))
        let body = try await response.body.collect(upTo: 4 << 20)
        return (try? JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView))) ?? .null
    }
}
