import Foundation
import Testing
import TikTokBusinessService
import TikTokConnections

/// A database belongs to one TikTok app: another app's settings, or sandbox mode, never open it.
@Suite("A database belongs to one TikTok app")
struct AppIdentityTests {
    @Test func theFirstStartRecordsTheAppAndAnotherAppIsRefused() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let real = try ServiceTestSupport.realApp(folder)
        #expect(await ServiceTestSupport.open(real) == nil)
        try await VaultEnvironment.with(settings: real, logger: ServiceTestSupport.logger) { environment in
            let stored = try await environment.store.vaultIdentity()
            #expect(
                stored == VaultIdentity(appID: "app-1", apiBaseURL: ServiceSettings.defaultAPIBaseURL, sandbox: false))
            _ = try await ServiceTestSupport.storeConnection(environment)
        }

        let otherApp = try ServiceTestSupport.realApp(folder, appID: "app-2")
        let message = try #require(await ServiceTestSupport.open(otherApp))
        #expect(message.contains("app-1") && message.contains("app-2"), "\(message)")
        #expect(message.contains("tiktok-business app move"), "\(message)")
        #expect(!message.contains("secret-of"), "a secret is echoed: \(message)")

        // TikTok's sandbox host instead of production: another TikTok.
        let otherHost = try ServiceTestSupport.realApp(
            folder, apiBaseURL: "https://sandbox-ads.tiktok.com/open_api/v1.3/")
        let hostMessage = try #require(await ServiceTestSupport.open(otherHost))
        #expect(hostMessage.contains("sandbox-ads.tiktok.com") && hostMessage.contains("business-api.tiktok.com"))

        // The same app with the URL written differently is the same app.
        let sameApp = try ServiceTestSupport.realApp(
            folder, apiBaseURL: "https://BUSINESS-API.tiktok.com/open_api/v1.3")
        #expect(await ServiceTestSupport.open(sameApp) == nil)
    }

    @Test func sandboxModeUsesItsOwnDatabaseAndRefusesARealOne() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        // No TIKTOK_APP_ID (an environment file that was not loaded): sandbox mode, on its own file by default.
        let defaults = try ServiceTestSupport.settings([:])
        #expect(defaults.sandbox)
        #expect(defaults.databaseURL == "sqlite://./.tiktok-business/sandbox.sqlite")
        #expect(
            try ServiceTestSupport.settings(["TIKTOK_APP_ID": "a", "TIKTOK_APP_SECRET": "s"]).databaseURL
                == "sqlite://./.tiktok-business/connections.sqlite")

        let real = try ServiceTestSupport.realApp(folder)
        let id = try await VaultEnvironment.with(settings: real, logger: ServiceTestSupport.logger) {
            try await ServiceTestSupport.storeConnection($0)
        }
        let sandbox = try ServiceTestSupport.settings([
            "TIKTOK_BUSINESS_DATABASE_URL": "sqlite://\(folder.path)/connections.sqlite"
        ])
        let message = try #require(await ServiceTestSupport.open(sandbox))
        #expect(message.contains("Sandbox mode refuses this database") && message.contains("app-1"), "\(message)")
        // Nothing was touched: the real connection is as it was, its identity too.
        try await VaultEnvironment.with(settings: real, logger: ServiceTestSupport.logger) { environment in
            let record = try #require(try await environment.store.record(id: id))
            #expect(record.connection.status == .active && record.version == 1)
        }

        // A real app's settings never open a sandbox database either.
        let sandboxFolder = try TemporaryFolder()
        defer { sandboxFolder.remove() }
        let sandboxOwn = try ServiceTestSupport.settings([
            "TIKTOK_BUSINESS_DATABASE_URL": "sqlite://\(sandboxFolder.path)/sandbox.sqlite"
        ])
        #expect(await ServiceTestSupport.open(sandboxOwn) == nil)
        let realOnSandbox = try ServiceTestSupport.settings([
            "TIKTOK_APP_ID": "app-1", "TIKTOK_APP_SECRET": "s",
            "TIKTOK_BUSINESS_DATABASE_URL": "sqlite://\(sandboxFolder.path)/sandbox.sqlite",
        ])
        #expect(try #require(await ServiceTestSupport.open(realOnSandbox)).contains("sandbox database"))
    }

    @Test func aDatabaseFromBeforeIdentitiesIsAdoptedButNeverBySandboxMode() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let real = try ServiceTestSupport.realApp(folder)
        try await VaultEnvironment.with(settings: real, logger: ServiceTestSupport.logger) { environment in
            _ = try await ServiceTestSupport.storeConnection(environment)
        }
        // Forget the identity, as in a database made before it was recorded.
        let sqlite = try SQLiteFixture(path: folder.path + "/connections.sqlite")
        try sqlite.execute("DELETE FROM vault_metadata")
        let sandbox = try ServiceTestSupport.settings([
            "TIKTOK_BUSINESS_DATABASE_URL": "sqlite://\(folder.path)/connections.sqlite"
        ])
        #expect(try #require(await ServiceTestSupport.open(sandbox)).contains("records no app"))
        #expect(await ServiceTestSupport.open(real) == nil)
        try await VaultEnvironment.with(settings: real, logger: ServiceTestSupport.logger) { environment in
            let identity = try await environment.store.vaultIdentity()
            #expect(identity?.appID == "app-1")
        }
    }

    @Test func aDeliberateMoveIsExplicit() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        #expect(await ServiceTestSupport.open(try ServiceTestSupport.realApp(folder)) == nil)
        let moved = try ServiceTestSupport.realApp(folder, appID: "app-2")
        #expect(await ServiceTestSupport.open(moved) != nil)
        try await VaultEnvironment.with(settings: moved, checks: .exceptAppIdentity, logger: ServiceTestSupport.logger)
        {
            let previous = try await AppIdentityCheck.move(store: $0.store, settings: moved)
            #expect(previous?.appID == "app-1")
        }
        #expect(await ServiceTestSupport.open(moved) == nil)
        #expect(await ServiceTestSupport.open(try ServiceTestSupport.realApp(folder)) != nil)
        // Into sandbox mode: refused.
        let sandbox = try ServiceTestSupport.settings([
            "TIKTOK_BUSINESS_DATABASE_URL": "sqlite://\(folder.path)/connections.sqlite"
        ])
        await #expect(throws: SettingsError.self) {
            try await VaultEnvironment.with(
                settings: sandbox, checks: .exceptAppIdentity, logger: ServiceTestSupport.logger
            ) { try await AppIdentityCheck.move(store: $0.store, settings: sandbox) }
        }
    }
}
