import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import ServiceLifecycle
import Testing

@testable import TikTokEmulator

/// A fresh temporary folder for `body`, removed afterwards.
private func withTemporaryFolder<T>(_ body: (String) async throws -> T) async throws -> T {
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("tiktok-emulator-state-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    return try await body(folder)
}

/// An emulator with `path` as its state file; background writes wait `writeDelay` (an hour by default, so that only
/// explicit flushes write unless a test says otherwise).
private func loadEmulator(
    _ path: String,
    _ configuration: TikTokEmulatorConfiguration = .init(),
    writeDelay: Duration = .seconds(3_600)
) throws -> TikTokEmulator {
    var configuration = configuration
    configuration.stateFile = path
    return try TikTokEmulator.load(configuration: configuration, logger: Fixture.quietLogger, writeDelay: writeDelay)
}

/// Runs `body` against an in-process router of `emulator`.
private func withClient<T: Sendable>(
    _ emulator: TikTokEmulator,
    _ body: @Sendable (any TestClientProtocol) async throws -> T
) async throws -> T {
    let app = Application(router: emulator.makeRouter(), logger: Fixture.quietLogger)
    return try await app.test(.router) { client in try await body(client) }
}

extension TestClientProtocol {
    /// `/tt_user/token_info/get/` for an account access token.
    fileprivate func tokenInfo(_ accessToken: String) async throws -> Envelope {
        try await self.apiPost(
            "/tt_user/token_info/get/", ["app_id": .string(Fixture.appID), "access_token": .string(accessToken)])
    }

    /// `/oauth2/advertiser/get/` for an advertiser access token.
    fileprivate func advertisers(_ accessToken: String) async throws -> Envelope {
        try await self.apiGet(
            "/oauth2/advertiser/get/", [("app_id", Fixture.appID), ("secret", Fixture.secret)], token: accessToken)
    }

    /// The account consent screen approved as `user`: the redirect's code.
    fileprivate func approveAccountConsent(user: String) async throws -> String {
        let page = try await self.page(accountAuthURL())
        #expect(page.status == .ok)
        let consentID = try hiddenField("consent_id", in: page.text)
        let redirect = try await self.form(
            "/v2/auth/authorize/confirm", [("consent_id", consentID), ("user", user), ("decision", "approve")])
        #expect(redirect.status == .found)
        return try #require(try redirect.redirectQuery["code"])
    }

    /// Exchanges an account-flow code.
    fileprivate func exchangeAccountCode(_ code: String) async throws -> Envelope {
        try await self.apiPost(
            "/tt_user/oauth2/token/",
            [
                "client_id": .string(Fixture.appID), "client_secret": .string(Fixture.secret),
                "grant_type": "authorization_code", "auth_code": .string(code),
                "redirect_uri": .string(Fixture.accountRedirect),
            ]
        )
    }
}

@Suite("State file")
struct PersistenceTests {
    /// What the first emulator handed out.
    private struct Handed: Sendable {
        var advertiserToken: String
        var accountAccessToken: String
        var refreshToken: String
        var retiredRefreshToken: String
        var revokedAccessToken: String
    }

    @Test("grants, tokens, rotations, revocations, remembered consent and the clock survive a restart")
    func restart() async throws {
        try await withTemporaryFolder { folder in
            let path = folder + "/state.json"
            let configuration = TikTokEmulatorConfiguration(rotateRefreshTokens: true)
            let first = try loadEmulator(path, configuration)
            let handed = try await withClient(first) { client in
                let advertiserToken = try await client.advertiserToken(first, user: "ana")

                // An account grant through the real consent screen and token endpoint, then a rotating refresh.
                let code = try await client.approveAccountConsent(user: "bob")
                let tokens = try await client.exchangeAccountCode(code)
                #expect(tokens.code == 0)
                let firstRefresh = try #require(try tokens["refresh_token"].stringValue)
                let refreshed = try await client.refresh(firstRefresh)
                #expect(refreshed.code == 0)
                let latestRefresh = try #require(try refreshed["refresh_token"].stringValue)
                #expect(latestRefresh != firstRefresh)

                // Another grant, revoked by the app.
                let other = try await client.accountTokens(first, user: "cy")
                let revoked = try #require(try other["access_token"].stringValue)
                let revoke = try await client.apiPost(
                    "/tt_user/oauth2/revoke/",
                    [
                        "client_id": .string(Fixture.appID), "client_secret": .string(Fixture.secret),
                        "access_token": .string(revoked),
                    ])
                #expect(revoke.code == 0)
                return Handed(
                    advertiserToken: advertiserToken,
                    accountAccessToken: try #require(try refreshed["access_token"].stringValue),
                    refreshToken: latestRefresh,
                    retiredRefreshToken: firstRefresh,
                    revokedAccessToken: revoked
                )
            }
            try first.control.advanceClock(bySeconds: 600)
            try await first.flush()

            let second = try loadEmulator(path, configuration)
            let offset = second.control.preciseNow - Date().timeIntervalSince1970
            #expect(offset > 599 && offset < 601, "clock offset \(offset)")
            try await withClient(second) { client in
                let ana = second.control.user(named: "ana")
                let bob = second.control.user(named: "bob")
                let advertisers = try await client.advertisers(handed.advertiserToken)
                #expect(advertisers.code == 0, "\(advertisers.message)")
                #expect(try advertisers["list"].arrayValue?.count == ana.advertiserIDs.count)

                let info = try await client.tokenInfo(handed.accountAccessToken)
                #expect(info.code == 0, "\(info.message)")
                #expect(try info["creator_id"].stringValue == bob.openID)
                let account = try await client.apiGet(
                    "/business/get/", [("business_id", bob.openID)], token: handed.accountAccessToken)
                #expect(account.code == 0, "\(account.message)")

                #expect(try await client.tokenInfo(handed.revokedAccessToken).code == 40105)
                #expect(try await client.refresh(handed.retiredRefreshToken).code == 40110)
                let refreshed = try await client.refresh(handed.refreshToken)
                #expect(refreshed.code == 0, "\(refreshed.message)")
                #expect(try refreshed["open_id"].stringValue == bob.openID)

                // Remembered consent: straight back with a code, no screen.
                let again = try await client.page(accountAuthURL(state: "again"), user: "bob")
                #expect(again.status == .found)
                let code = try #require(try again.redirectQuery["code"])
                #expect(try await client.exchangeAccountCode(code).code == 0)

                // New grants continue the id counter: the restored advertiser token still belongs to ana.
                _ = try await client.advertiserToken(second, user: "dan")
                let stillAna = try await client.advertisers(handed.advertiserToken)
                let list = try #require(try stillAna["list"].arrayValue)
                #expect(list.compactMap { $0["advertiser_id"]?.stringValue } == ana.advertiserIDs)

                // Expiries are kept too: a day later the restored access token has expired (not become unknown).
                try second.control.advanceClock(bySeconds: 86_400)
                #expect(try await client.tokenInfo(handed.accountAccessToken).code == 40102)
            }
        }
    }

    @Test("a rotated-out refresh token's grace survives a restart")
    func graceSurvivesRestart() async throws {
        try await withTemporaryFolder { folder in
            let path = folder + "/state.json"
            let configuration = TikTokEmulatorConfiguration(rotateRefreshTokens: true, refreshTokenGracePeriod: 60)
            let first = try loadEmulator(path, configuration)
            let (retired, current) = try await withClient(first) { client in
                let tokens = try await client.accountTokens(first, user: "eve")
                let retired = try #require(try tokens["refresh_token"].stringValue)
                let current = try #require(try await client.refresh(retired)["refresh_token"].stringValue)
                return (retired, current)
            }
            try await first.flush()

            let second = try loadEmulator(path, configuration)
            try await withClient(second) { client in
                let retried = try await client.refresh(retired)
                #expect(retried.code == 0, "\(retried.message)")
                #expect(try retried["refresh_token"].stringValue == current)
                try second.control.advanceClock(bySeconds: 61)
                #expect(try await client.refresh(retired).code == 40110)
                #expect(try await client.refresh(current).code == 0)
            }
        }
    }

    @Test(
        "a file that cannot be parsed is refused and left untouched",
        arguments: [
            ("{ not json", EmulatorStateFileError.Kind.corrupt),
            ("", .corrupt),
            ("[1, 2, 3]", .corrupt),
            (#"{"format": "something-else", "version": 1}"#, .corrupt),
            (#"{"format": "tiktok-emulator-state", "version": 1}"#, .corrupt),
            (#"{"format": "tiktok-emulator-state", "version": 99, "future": true}"#, .unsupportedVersion),
            (
                #"{"format": "tiktok-emulator-state", "version": 1, "clockOffsetMilliseconds": 0, "approvals": [],"#
                    + #""authorizations": {"nextGrantID": 1, "grants": [{"id": 5, "flow": "advertiser","#
                    + #""appID": "emulator-app", "user": {"name": "a", "displayName": "A", "username": "a","#
                    + #""advertiserIDs": [], "openID": "o", "ttoTCMAccountID": "t"}, "scopes": [], "scopeIDs": [],"#
                    + #""previousRefreshTokenRetiredAt": 0, "accessTokens": [{"token": "x"}]}]}}"#,
                .corrupt
            ),
        ]
    )
    func corruptFileRefused(content: String, kind: EmulatorStateFileError.Kind) async throws {
        try await withTemporaryFolder { folder in
            let path = folder + "/state.json"
            try Data(content.utf8).write(to: URL(fileURLWithPath: path))
            let error = try #require(throws: EmulatorStateFileError.self) { try loadEmulator(path) }
            #expect(error.kind == kind)
            #expect(error.path == path)
            #expect(error.description.contains(path))
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(content.utf8))
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["state.json"])
        }
    }

    @Test("a path that cannot be read or written fails clearly")
    func unusablePaths() async throws {
        try await withTemporaryFolder { folder in
            try FileManager.default.createDirectory(atPath: folder + "/dir", withIntermediateDirectories: false)
            let unreadable = try #require(throws: EmulatorStateFileError.self) { try loadEmulator(folder + "/dir") }
            #expect(unreadable.kind == .unreadable)
            let unwritable = try #require(throws: EmulatorStateFileError.self) {
                try loadEmulator(folder + "/missing/state.json")
            }
            #expect(unwritable.kind == .writeFailed)
        }
    }

    @Test("a missing file is created at once, 0600; changes are written soon after, atomically")
    func backgroundWrites() async throws {
        try await withTemporaryFolder { folder in
            let path = folder + "/state.json"
            let emulator = try loadEmulator(path, writeDelay: .milliseconds(50))
            let created = try #require(try StateFile.read(path))
            #expect(created.authorizations.grants.isEmpty)
            #expect(created.version == PersistedEmulatorState.currentVersion)
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

            // A burst of changes, no flush: the background writer saves the last of them.
            for _ in 0..<20 {
                try emulator.control.advanceClock(bySeconds: 1)
            }
            let code = try emulator.control.mintAuthorizationCode(
                flow: .advertiser, appID: Fixture.appID, redirectURI: Fixture.advertiserRedirect, user: "fay")
            _ = try emulator.state.authorizations.exchangeAdvertiserCode(
                code, appID: Fixture.appID, now: emulator.state.now())
            var saved = try #require(try StateFile.read(path))
            let deadline = ContinuousClock.now + .seconds(10)
            while saved.authorizations.grants.count != 1 || saved.clockOffsetMilliseconds != 20_000,
                ContinuousClock.now < deadline
            {
                try await Task.sleep(for: .milliseconds(20))
                saved = try #require(try StateFile.read(path))
            }
            #expect(saved.clockOffsetMilliseconds == 20_000)
            #expect(saved.authorizations.grants.count == 1)
            #expect(saved.authorizations.nextGrantID == 2)
            #expect(saved == emulator.state.persistedState())
            let rewritten = try FileManager.default.attributesOfItem(atPath: path)
            #expect((rewritten[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["state.json"])
        }
    }

    @Test("flush writes only when something changed; without a state file it does nothing")
    func flushOnlyWhenChanged() async throws {
        try await Fixture.emulator().flush()
        try await withTemporaryFolder { folder in
            let path = folder + "/state.json"
            let emulator = try loadEmulator(path)
            try Data("sentinel".utf8).write(to: URL(fileURLWithPath: path))
            try await emulator.flush()
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "sentinel")
            try emulator.control.advanceClock(bySeconds: 5)
            try await emulator.flush()
            #expect(try StateFile.read(path)?.clockOffsetMilliseconds == 5_000)
        }
    }

    @Test("makeService runs in a host's ServiceGroup, stops on its graceful shutdown and flushes the state")
    func serviceInHostGroup() async throws {
        try await withTemporaryFolder { folder in
            let path = folder + "/state.json"
            let emulator = try loadEmulator(path)
            let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
            let service = emulator.makeService(host: "127.0.0.1", port: 0) { port in
                continuation.yield(port)
                continuation.finish()
            }
            let group = ServiceGroup(
                configuration: .init(services: [service], gracefulShutdownSignals: [], logger: Fixture.quietLogger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                var iterator = ports.makeAsyncIterator()
                let port = try #require(await iterator.next())
                let code = try emulator.control.mintAuthorizationCode(
                    flow: .advertiser, appID: Fixture.appID, redirectURI: Fixture.advertiserRedirect, user: "gus")
                try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                    let body: JSONValue = [
                        "app_id": .string(Fixture.appID), "secret": .string(Fixture.secret),
                        "auth_code": .string(code),
                    ]
                    let response = try await client.post(
                        Fixture.api + "/oauth2/access_token/",
                        headers: [.contentType: "application/json"],
                        body: ByteBuffer(string: body.serialized)
                    )
                    let json = try #require(response.body.flatMap { JSONValue.parse($0.readableBytesView) })
                    #expect(json["code"] == 0)
                }
                // Nothing written yet (the background write waits an hour): only the final flush can save the grant.
                #expect(try StateFile.read(path)?.authorizations.grants.isEmpty == true)
                await group.triggerGracefulShutdown()
                try await tasks.next()
            }
            let saved = try #require(try StateFile.read(path))
            #expect(saved.authorizations.grants.count == 1)
            #expect(saved.authorizations.grants.first?.user.name == "gus")
        }
    }

    @Test("run flushes the state when it stops")
    func runFlushes() async throws {
        try await withTemporaryFolder { folder in
            let path = folder + "/state.json"
            let emulator = try loadEmulator(path)
            let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
            let server = Task {
                try await emulator.run(host: "127.0.0.1", port: 0) { port in
                    continuation.yield(port)
                    continuation.finish()
                }
            }
            var iterator = ports.makeAsyncIterator()
            _ = try #require(await iterator.next())
            try emulator.control.advanceClock(bySeconds: 42)
            server.cancel()
            _ = await server.result
            #expect(try StateFile.read(path)?.clockOffsetMilliseconds == 42_000)
        }
    }
}

@Suite("State file under load")
struct PersistenceLoadTests {
    @Test("concurrent exchanges and rotating refreshes with background writes: the last state is saved and restored")
    func concurrentChanges() async throws {
        try await withTemporaryFolder { folder in try await self.concurrentChanges(folder: folder) }
    }

    private func concurrentChanges(folder: String) async throws {
        let path = folder + "/state.json"
        let configuration = TikTokEmulatorConfiguration(rotateRefreshTokens: true)
        let first = try loadEmulator(path, configuration, writeDelay: .milliseconds(5))
        let state = first.state
        let settings = state.settings
        let latest = try await withThrowingTaskGroup(of: (String, String).self) { group in
            for index in 0..<200 {
                group.addTask {
                    let code = try first.control.mintAuthorizationCode(
                        flow: .account, appID: Fixture.appID, redirectURI: Fixture.accountRedirect,
                        user: "user-\(index)", scopes: ["user.info.basic"])
                    var tokens = try state.authorizations.exchangeAccountCode(
                        code, appID: Fixture.appID, redirectURI: Fixture.accountRedirect, now: state.now(),
                        settings: settings)
                    for _ in 0..<5 {
                        tokens = try state.authorizations.refresh(
                            tokens.refreshToken, appID: Fixture.appID, now: state.now(), settings: settings)
                        await Task.yield()
                    }
                    return (tokens.accessToken, tokens.refreshToken)
                }
            }
            return try await group.reduce(into: [(String, String)]()) { $0.append($1) }
        }
        try await first.flush()
        let started = ContinuousClock.now
        try first.state.stateFile?.writeNow()
        let writeTime = ContinuousClock.now - started
        #expect(writeTime < .seconds(5), "one write of 200 grants took \(writeTime)")

        let second = try loadEmulator(path, configuration)
        #expect(second.state.persistedState() == first.state.persistedState())
        let restored = second.state
        for (accessToken, refreshToken) in latest {
            #expect(throws: Never.self) {
                _ = try restored.authorizations.authenticate(accessToken, now: restored.now())
            }
            #expect(throws: Never.self) {
                _ = try restored.authorizations.refresh(
                    refreshToken, appID: Fixture.appID, now: restored.now(), settings: settings)
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["state.json"])
    }
}
