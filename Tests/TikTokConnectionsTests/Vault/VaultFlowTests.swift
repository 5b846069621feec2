import Foundation
import Synchronization
import Testing
import TikTokBusiness
import TikTokConnections
import TikTokConnectionsSQLite
import TikTokEmulator
import TikTokTestSupport

@Suite("The vault against the emulator")
struct VaultFlowTests {
    @Test func allFourKindsAuthorize() async throws {
        try await VaultHarness.run { vault in
            let user = vault.emulator.control.user(named: "alice")
            let advertiser = try await vault.connect(.advertiser, user: "alice", options: .init(endUserID: "u-1"))
            #expect(advertiser.created)
            #expect(advertiser.connection.kind == .advertiser)
            #expect(Set(advertiser.connection.advertiserIDs) == Set(user.advertiserIDs))
            #expect(advertiser.connection.endUserID == "u-1")
            #expect(advertiser.connection.accessTokenExpiresAt == nil)
            #expect(!advertiser.connection.scopes.isEmpty)

            let account = try await vault.connect(.tiktokAccount, user: "alice")
            #expect(account.connection.openID == user.openID)
            let expires = try #require(account.connection.accessTokenExpiresAt)
            #expect(abs(expires.timeIntervalSince(vault.clock.now()) - 86_400) < 30)
            #expect(account.connection.refreshTokenExpiresAt != nil)
            #expect(account.connection.scopes == ["user.info.basic", "user.info.stats", "video.list"])

            let tcm = try await vault.connect(.tcmAccount, user: "alice")
            #expect(tcm.connection.tcmAccountIDs == [user.ttoTCMAccountID])

            let creator = try await vault.connect(.creator, user: "alice")
            #expect(creator.connection.openID == user.openID)
            #expect(creator.connection.id != account.connection.id)

            // Each token works at TikTok.
            let client = vault.manager.client
            _ = try await client.authorizedAdvertisers(
                accessToken: try await vault.manager.accessToken(for: advertiser.connection.id))
            _ = try await client.tcmAccountIDs(accessToken: try await vault.manager.accessToken(for: tcm.connection.id))
            for id in [account.connection.id, creator.connection.id] {
                let token = try await vault.manager.accessToken(for: id)
                _ = try await client.businessAccount(businessID: user.openID, accessToken: token)
            }

            // The same end user authorizing the same advertiser again updates the same connection.
            let again = try await vault.connect(.advertiser, user: "alice", options: .init(endUserID: "u-1"))
            #expect(!again.created)
            #expect(again.connection.id == advertiser.connection.id)
            let events = try await vault.manager.events(connectionID: advertiser.connection.id)
            #expect(events.map(\.type) == [.connectionCreated, .connectionReauthorized])
            #expect(try await vault.manager.connections().count == 4)
        }
    }

    @Test func statesAreRejectedDistinctlyAndNothingIsStored() async throws {
        try await VaultHarness.run { vault in
            func code(_ body: () async throws -> Void) async -> ConnectionError.Code? {
                do {
                    try await body()
                    return nil
                } catch let error as ConnectionError {
                    return error.code
                } catch {
                    return nil
                }
            }
            let manager = vault.manager
            // Forged.
            #expect(
                await code {
                    _ = try await manager.completeAuthorization(
                        kind: .advertiser, callback: .init(state: "forged", outcome: .authorized(code: "x", scopes: []))
                    )
                } == .unknownState)
            // Cross-kind.
            let link = try await manager.authorizationLink(for: .advertiser)
            #expect(
                await code {
                    _ = try await manager.completeAuthorization(
                        kind: .creator, callback: .init(state: link.state, outcome: .authorized(code: "x", scopes: [])))
                } == .kindMismatch)
            // Wrong cookie.
            let bound = try await manager.authorizationLink(
                for: .tiktokAccount, options: .init(browserBinding: "cookie-A"))
            #expect(
                await code {
                    _ = try await manager.completeAuthorization(
                        kind: .tiktokAccount,
                        callback: .init(state: bound.state, outcome: .authorized(code: "x", scopes: [])),
                        browserBinding: "cookie-B")
                } == .browserMismatch)
            #expect(
                await code {
                    _ = try await manager.completeAuthorization(
                        kind: .tiktokAccount,
                        callback: .init(state: bound.state, outcome: .authorized(code: "x", scopes: [])))
                } == .browserMismatch)
            // Expired.
            let short = try await manager.authorizationLink(for: .creator, options: .init(expiresIn: 60))
            try vault.advance(61)
            #expect(
                await code {
                    _ = try await manager.completeAuthorization(
                        kind: .creator, callback: .init(state: short.state, outcome: .authorized(code: "x", scopes: []))
                    )
                } == .stateExpired)
            #expect(try await manager.connections().isEmpty)
            #expect(vault.emulator.control.counters.advertiserExchanges == 0)

            // The wrongly presented states were not consumed: the right browser still completes.
            let result = try await vault.connect(
                .tiktokAccount, user: "bob", options: .init(browserBinding: "cookie-A"))
            #expect(result.created)

            // Replayed.
            let used = try await manager.authorizationLink(for: .advertiser)
            vault.emulator.control.scriptNextConsent(user: "carol", decision: .approve)
            let location = try await vault.redirect(of: used.url)
            _ = try await manager.completeAuthorization(
                kind: .advertiser, callback: try AuthorizationCallback(url: location))
            #expect(
                await code {
                    _ = try await manager.completeAuthorization(
                        kind: .advertiser, callback: try AuthorizationCallback(url: location))
                } == .stateReplayed)
            #expect(vault.emulator.control.counters.advertiserExchanges == 1)

            // Denied.
            let denied = try await manager.authorizationLink(for: .creator)
            vault.emulator.control.scriptNextConsent(user: "dave", decision: .deny)
            let deniedLocation = try await vault.redirect(of: denied.url)
            #expect(
                await code {
                    _ = try await manager.completeAuthorization(
                        kind: .creator, callback: try AuthorizationCallback(url: deniedLocation))
                } == .authorizationDenied)
            #expect(try await manager.connections().count == 2)
        }
    }

    @Test(arguments: [false, true])
    func accountTokensRenewFor400DaysUntilTheRefreshTokenLapses(rotation: Bool) async throws {
        var emulatorConfiguration = TikTokEmulatorConfiguration()
        emulatorConfiguration.rotateRefreshTokens = rotation
        try await VaultHarness.run(emulatorConfiguration: emulatorConfiguration) { vault in
            let user = vault.emulator.control.user(named: "erin")
            let id = try await vault.connect(.tiktokAccount, user: "erin").connection.id
            let client = vault.manager.client
            var day = 0.0
            var previousRefresh: String?
            var rotations = 0
            while day < 400 {
                let next = try #require(try await vault.store.nextActionDate(), "no work planned on day \(day)")
                let step = max(1, next.timeIntervalSince(vault.clock.now()) + 1)
                try vault.advance(step)
                day += step / 86_400
                try await vault.sweepUntilIdle()
                let connection = try await vault.manager.connection(id: id)
                if connection.status != .active { break }
                // Whatever the time, the vault hands out a token TikTok accepts.
                let token = try await vault.manager.accessToken(for: id)
                _ = try await client.accountTokenInfo(accessToken: token)
                let refresh = try await vault.storedTokens(id).refresh
                if let previousRefresh, previousRefresh != refresh { rotations += 1 }
                previousRefresh = refresh
            }
            let connection = try await vault.manager.connection(id: id)
            #expect(connection.status == .reauthorizationRequired)
            #expect(connection.statusReason == "refresh_token_expired")
            #expect(day > 364 && day < 367)
            let counters = vault.emulator.control.counters
            #expect(counters.refreshesByOpenID[user.openID] ?? 0 >= 364)
            #expect(counters.refreshFailures == 0)
            #expect(rotation ? rotations > 300 : rotations == 0)
            let events = try await vault.manager.events(connectionID: id, limit: 1000)
            let warnings = events.filter { $0.type == .refreshTokenExpiring }.map { $0.data["warning_days"] }
            #expect(warnings == ["30", "7"])
            #expect(events.last?.type == .reauthorizationRequired)
            #expect(events.filter { $0.type == .refreshFailed }.isEmpty)
            await #expect(throws: ConnectionError.self) { try await vault.manager.accessToken(for: id) }

            // A reconnect link restores the same connection.
            let restored = try await vault.connect(
                .tiktokAccount, user: "erin", options: .init(reconnectConnectionID: id))
            #expect(restored.connection.id == id)
            #expect(restored.connection.status == .active)
            _ = try await vault.manager.accessToken(for: id)
        }
    }

    @Test func externalRevocationIsFoundByTheLivenessCheck() async throws {
        try await VaultHarness.run { vault in
            let advertiser = try await vault.connect(.advertiser, user: "frank").connection.id
            let tcm = try await vault.connect(.tcmAccount, user: "gina").connection.id
            try vault.advance(86_401)
            let first = try await vault.sweepUntilIdle()
            #expect(first.checked == 2)
            #expect(vault.emulator.control.revokeTokens(user: "frank") >= 1)
            #expect(vault.emulator.control.revokeTokens(user: "gina") >= 1)
            try vault.advance(86_401)
            let second = try await vault.sweepUntilIdle()
            #expect(second.reauthorizationRequired == 2)
            for id in [advertiser, tcm] {
                let connection = try await vault.manager.connection(id: id)
                #expect(connection.status == .reauthorizationRequired)
                #expect(connection.statusReason == "access_token_revoked")
            }
        }
    }

    @Test func revokeUsesTheRightEndpointAndErasesTokens() async throws {
        try await VaultHarness.run { vault in
            var ids: [String] = []
            for kind in ConnectionKind.allCases {
                ids.append(try await vault.connect(kind, user: "henry-\(kind)").connection.id)
            }
            let tokens = try await vault.storedTokens(ids[0]).access!
            for id in ids {
                let connection = try await vault.manager.revoke(id: id)
                #expect(connection.status == .revoked)
                let stored = try await vault.store.record(id: id)!
                #expect(stored.accessToken == nil && stored.refreshToken == nil)
                await #expect(throws: ConnectionError.self) { try await vault.manager.accessToken(for: id) }
            }
            let counters = vault.emulator.control.counters
            #expect(counters.revokes == 4)
            #expect(counters.calls["/oauth2/revoke_token/"] == 2)
            #expect(counters.calls["/tt_user/oauth2/revoke/"] == 2)
            await #expect(throws: TikTokError.self) {
                try await vault.manager.client.authorizedAdvertisers(accessToken: tokens)
            }
            // Idempotent.
            _ = try await vault.manager.revoke(id: ids[0])
            #expect(vault.emulator.control.counters.revokes == 4)
            let events = try await vault.manager.events(connectionID: ids[0])
            #expect(events.last?.type == .connectionRevoked)
        }
    }

    @Test func concurrentCallersShareOneRefresh() async throws {
        try await VaultHarness.run { vault in
            let result = try await vault.connect(.creator, user: "ivy")
            try vault.advance(86_400 - 30)
            let tokens = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<50 { group.addTask { try await vault.manager.accessToken(for: result.connection.id) } }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(tokens.count == 1)
            #expect(vault.emulator.control.counters.refreshes == 1)
        }
    }

    @Test func keyRotationResealsEverything() async throws {
        try await VaultHarness.run { vault in
            var ids: [String] = []
            for index in 0..<12 {
                ids.append(try await vault.connectDirect(.tiktokAccount, user: "rot-\(index)").connection.id)
            }
            let before = try await vault.storedTokens(ids[0])
            let newKey = try TokenCipher.Key.generate(id: "k2")
            let rotated = ConnectionManager(
                client: vault.manager.client, store: vault.store,
                cipher: try TokenCipher(keys: [newKey] + vault.cipher.keys),
                configuration: vault.manager.configuration, now: { vault.clock.now() })
            let progress = ProgressRecorder()
            let count = try await rotated.rotateKeys(batchSize: 5) { progress.record($0) }
            #expect(count == 12)
            #expect(progress.values.last == 12)
            #expect(try await vault.store.records(notSealedWith: "k2", limit: 100).isEmpty)
            let onlyNew = ConnectionManager(
                client: vault.manager.client, store: vault.store, cipher: try TokenCipher(keys: [newKey]),
                configuration: vault.manager.configuration, now: { vault.clock.now() })
            #expect(try await onlyNew.accessToken(for: ids[0]) == before.access)
            await #expect(throws: ConnectionError.self) {
                try await ConnectionManager(
                    client: vault.manager.client, store: vault.store, cipher: vault.cipher,
                    configuration: vault.manager.configuration, now: { vault.clock.now() }
                ).accessToken(for: ids[1])
            }
        }
    }
}

final class ProgressRecorder: Sendable {
    private let storage = Mutex<[Int]>([])
    func record(_ value: Int) { storage.withLock { $0.append(value) } }
    var values: [Int] { storage.withLock { $0 } }
}
