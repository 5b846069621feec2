import Foundation
import Testing
import TikTokBusinessService
import TikTokConnections

/// Key files are never replaced by accident, and a database never opens without the keys its tokens need.
@Suite("Key and API key files")
struct KeyFileTests {
    /// Makes a vault with one sealed connection; returns the key file's bytes.
    static func vaultWithToken(_ folder: TemporaryFolder) async throws -> Data {
        let settings = try ServiceTestSupport.realApp(folder)
        try await VaultEnvironment.with(settings: settings, logger: ServiceTestSupport.logger) {
            _ = try await ServiceTestSupport.storeConnection($0)
        }
        return try Data(contentsOf: URL(fileURLWithPath: folder.file("keys")))
    }

    @Test func anUnreadableKeyFileIsAnErrorAndIsNeverReplaced() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        _ = try await Self.vaultWithToken(folder)
        let settings = try ServiceTestSupport.realApp(folder)
        let cases: [(Data, String)] = [
            (Data([0xFF, 0xFE, 0x00, 0x41]), "is not UTF-8 text"),
            (Data(), "is empty"),
            (Data("k1:not-base64!!".utf8), "is not a valid key ring"),
        ]
        for (bytes, expected) in cases {
            try bytes.write(to: URL(fileURLWithPath: folder.file("keys")))
            let message = try #require(await ServiceTestSupport.open(settings))
            #expect(message.contains(folder.file("keys")) && message.contains(expected), "\(message)")
            // The bad file is still there as it was: nothing generated a key over it.
            #expect(try Data(contentsOf: URL(fileURLWithPath: folder.file("keys"))) == bytes)
        }
        // A folder where the file should be.
        try FileManager.default.removeItem(atPath: folder.file("keys"))
        try FileManager.default.createDirectory(atPath: folder.file("keys"), withIntermediateDirectories: false)
        #expect(try #require(await ServiceTestSupport.open(settings)).contains("is not a regular file"))
    }

    @Test func aMissingKeyFileIsGeneratedOnlyWhenNoTokenIsSealed() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let original = try await Self.vaultWithToken(folder)
        let settings = try ServiceTestSupport.realApp(folder)
        try FileManager.default.removeItem(atPath: folder.file("keys"))
        let message = try #require(await ServiceTestSupport.open(settings))
        #expect(message.contains("does not exist, but the database holds tokens sealed with key"), "\(message)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("keys")))
        // Put back, it opens again.
        try original.write(to: URL(fileURLWithPath: folder.file("keys")))
        #expect(await ServiceTestSupport.open(settings) == nil)
        // A fresh database gets a new key file, 0600.
        let fresh = try TemporaryFolder()
        defer { fresh.remove() }
        #expect(await ServiceTestSupport.open(try ServiceTestSupport.realApp(fresh)) == nil)
        let attributes = try FileManager.default.attributesOfItem(atPath: fresh.file("keys"))
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test func aRingWithoutAKeyInUseIsRefusedNamingIt() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let original = String(decoding: try await Self.vaultWithToken(folder), as: UTF8.self)
        let usedID = String(original.prefix { $0 != ":" })
        let other = try TokenCipher.Key.generate(id: "k-other").exported
        // The environment's ring lacks the key the tokens are sealed with.
        let settings = try ServiceTestSupport.realApp(folder, extra: ["TIKTOK_BUSINESS_KEYS": other])
        let message = try #require(await ServiceTestSupport.open(settings))
        #expect(message.contains("key \(usedID) (2 tokens)") && message.contains("k-other"), "\(message)")
        #expect(!message.contains(String(other.drop { $0 != ":" }.dropFirst())), "a key is echoed: \(message)")
        // With both, it opens.
        let both = try ServiceTestSupport.realApp(
            folder,
            extra: ["TIKTOK_BUSINESS_KEYS": other + "," + original.trimmingCharacters(in: .whitespacesAndNewlines)])
        #expect(await ServiceTestSupport.open(both) == nil)
    }

    @Test func aTokenWhoseKeyIsGoneIsAnErrorNamingTheKeyAndChangesNoStatus() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        _ = try await Self.vaultWithToken(folder)
        let settings = try ServiceTestSupport.realApp(folder)
        try await VaultEnvironment.with(settings: settings, logger: ServiceTestSupport.logger) { environment in
            let id = try await ServiceTestSupport.storeConnection(environment)
            // This process's ring loses the key (say, a bad reload): the token cannot be opened.
            let usedID = environment.cipher.currentKeyID
            let manager = ConnectionManager(
                client: environment.client, store: environment.store,
                cipher: try TokenCipher(keys: [.generate(id: "k-new")]),
                configuration: environment.manager.configuration)
            let error = await #expect(throws: ConnectionError.self) { try await manager.accessToken(for: id) }
            #expect(error?.code == .tokenUnreadable)
            #expect(error?.message.contains("No key \(usedID)") == true, "\(String(describing: error))")
            // Due for refresh: the sweep fails it without touching the connection.
            var record = try #require(try await environment.store.record(id: id))
            record.connection.accessTokenExpiresAt = Date().addingTimeInterval(-10)
            record.connection.refreshTokenExpiresAt = Date().addingTimeInterval(86_400)
            record.nextActionAt = Date().addingTimeInterval(-10)
            #expect(try await environment.store.update(record, events: []))
            let report = try await manager.sweep()
            #expect(report.failed == 1 && report.reauthorizationRequired == 0)
            let after = try #require(try await environment.store.record(id: id))
            #expect(after.connection.status == .active)
            #expect(after.refreshToken == record.refreshToken)
        }
    }

    @Test func anUnreadableAPIKeyFileIsAnErrorAndIsNeverReplaced() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let settings = try ServiceTestSupport.realApp(folder)
        let (key, generatedAt) = try APIKeyFile.load(settings: settings, directory: folder.path)
        #expect(generatedAt == folder.file("api-key") && key.hasPrefix("tbk_"))
        #expect(try APIKeyFile.load(settings: settings, directory: folder.path) == (key, nil))
        let bad = Data([0xC3, 0x28])
        try bad.write(to: URL(fileURLWithPath: folder.file("api-key")))
        #expect(throws: SettingsError.self) { try APIKeyFile.load(settings: settings, directory: folder.path) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder.file("api-key"))) == bad)
    }
}

/// The documented procedure with `TIKTOK_BUSINESS_KEYS`: add the new key, restart, rotate, remove the old key,
/// restart — checked at each step, so a key still in use is never accepted as removed.
@Suite("Key rotation with TIKTOK_BUSINESS_KEYS")
struct EnvironmentKeyRotationTests {
    @Test func eachStepOfTheProcedureIsChecked() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let old = try TokenCipher.Key.generate(id: "k-old").exported
        let new = try TokenCipher.Key.generate(id: "k-new").exported
        func settings(_ ring: String) throws -> ServiceSettings {
            try ServiceTestSupport.realApp(folder, extra: ["TIKTOK_BUSINESS_KEYS": ring])
        }
        let id = try await VaultEnvironment.with(settings: try settings(old), logger: ServiceTestSupport.logger) {
            try await ServiceTestSupport.storeConnection($0)
        }
        // Removing the old key before rotating is refused.
        #expect(try #require(await ServiceTestSupport.open(try settings(new))).contains("key k-old (2 tokens)"))

        // New key first, old after it: a running instance that still seals with the old key blocks the rotation.
        try await VaultEnvironment.with(settings: try settings(new + "," + old), logger: ServiceTestSupport.logger) {
            environment in
            try await environment.store.recordInstance(
                VaultInstance(id: "not-restarted", sealingKeyID: "k-old", keyIDs: ["k-old"], seenAt: Date()))
            let rotation = KeyRotation(environment: environment, output: { _ in })
            let error = await #expect(throws: SettingsError.self) { try await rotation.run() }
            #expect(error?.description.contains("not-restarted (key k-old)") == true, "\(String(describing: error))")
            try await environment.store.removeInstance(id: "not-restarted")

            let report = try await rotation.run()
            #expect(report.currentKeyID == "k-new" && report.resealed == 1)
            #expect(report.retiredKeyIDs == ["k-old"] && report.keptKeys.isEmpty)
            #expect(try await environment.store.sealedTokenCounts() == ["k-new": 2])
        }
        // Now the old key may go, and the token opens with the new one alone.
        try await VaultEnvironment.with(settings: try settings(new), logger: ServiceTestSupport.logger) {
            environment in
            let record = try #require(try await environment.store.record(id: id))
            let token = try environment.cipher.open(
                try #require(record.refreshToken), connectionID: id, field: .refreshToken)
            #expect(token == "rft.secret-refresh")
        }
    }
}

/// `keys rotate` against another running instance, played by the test through the instance reports: the new key is
/// made current only once every instance holds it, so no instance meets a token sealed with a key it lacks.
@Suite("Key rotation with running instances")
struct KeyRotationStagingTests {
    /// The key ids in the key file, in order.
    static func ring(_ file: String) throws -> [String] {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        return text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",")
            .map { String($0.split(separator: ":").first ?? "") }
    }

    /// A real app's vault with one sealed connection and a key file re-read every second: `body` gets the environment,
    /// the key file and its one key's id.
    static func withVault(_ body: (VaultEnvironment, String, String) async throws -> Void) async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let settings = try ServiceTestSupport.realApp(folder, extra: ["TIKTOK_BUSINESS_KEY_RELOAD_SECONDS": "1"])
        try await VaultEnvironment.with(settings: settings, logger: ServiceTestSupport.logger) { environment in
            _ = try await ServiceTestSupport.storeConnection(environment)
            let keyFile = try #require(environment.keyFile)
            try await body(environment, keyFile, try #require(try ring(keyFile).first))
        }
    }

    @Test func aNewKeyIsStagedUntilEveryInstanceHoldsItThenMadeCurrent() async throws {
        try await Self.withVault { environment, keyFile, old in
            let store = environment.store
            let report = { (sealing: String, keys: [String]) in
                try await store.recordInstance(
                    VaultInstance(id: "other", sealingKeyID: sealing, keyIDs: keys, seenAt: environment.manager.now()))
            }
            try await report(old, [old])
            let rotation = Task { try await KeyRotation(environment: environment, output: { _ in }).run() }

            // The new key appears in the file, but not first: the other instance cannot open it yet.
            var ring = [old]
            let deadline = ContinuousClock.now + .seconds(10)
            while ring.count < 2, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                ring = try Self.ring(keyFile)
            }
            try #require(ring.count == 2, "no key was added: \(ring)")
            let new = try #require(ring.first { $0 != old })
            #expect(ring == [old, new], "the new key was made current before every instance held it")
            try await Task.sleep(for: .seconds(1))
            #expect(try Self.ring(keyFile) == [old, new])
            // The instance loads it (still sealing with the old key): the key becomes current.
            try await report(old, [old, new])
            while try Self.ring(keyFile).first != new, ContinuousClock.now < deadline + .seconds(10) {
                try await Task.sleep(for: .milliseconds(50))
            }
            // It adopts it: the rotation re-seals and retires the old key.
            try await report(new, [new, old])
            let done = try await rotation.value
            #expect(done.currentKeyID == new && done.resealed == 1 && done.retiredKeyIDs == [old])
            #expect(try Self.ring(keyFile) == [new])
        }
    }

    @Test func anInstanceThatNeverLoadsTheKeyStopsTheRotationBeforeAnythingIsSealedWithIt() async throws {
        try await Self.withVault { environment, keyFile, old in
            // An instance that keeps reporting without the new key (another key file, say). Its first report lands
            // before the rotation starts: a rotation that finds no other instance rightly goes on.
            let report = {
                try await environment.store.recordInstance(
                    VaultInstance(id: "stuck", sealingKeyID: old, keyIDs: [old], seenAt: environment.manager.now()))
            }
            try await report()
            let reporting = Task {
                while !Task.isCancelled {
                    try await Task.sleep(for: .milliseconds(300))
                    try? await report()
                }
            }
            defer { reporting.cancel() }
            await #expect(throws: SettingsError.self) {
                try await KeyRotation(environment: environment, output: { _ in }).run()
            }
            let ring = try Self.ring(keyFile)
            #expect(ring.first == old && ring.count == 2, "the old key stays current")
            #expect(try await environment.store.sealedTokenCounts().keys.sorted() == [old])
        }
    }
}
