import Foundation
import Logging
import Testing
import TikTokBusinessService
import TikTokConnections
import TikTokConnectionsSQLite

/// `export` and `import` in-process on SQLite vaults: the format round trip and every refusal.
@Suite("Vault export and import")
struct VaultTransferTests {
    /// A SQLite vault of a real app with `count` account connections and their events, and its key ring.
    struct Source {
        let folder: TemporaryFolder
        let settings: ServiceSettings
        let cipher: TokenCipher
        let ids: [String]
    }

    static func withSource(
        count: Int = 3, appID: String = "app-1", _ body: (Source, any ConnectionStore) async throws -> Void
    ) async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let settings = try ServiceTestSupport.realApp(folder, appID: appID)
        try await VaultEnvironment.with(settings: settings, logger: ServiceTestSupport.logger) { environment in
            var ids: [String] = []
            for index in 0..<count {
                let id = try await ServiceTestSupport.storeConnection(environment, id: "conn_\(index)")
                try await environment.store.appendEvents([
                    ConnectionEvent(
                        type: .connectionCreated, connectionID: id, occurredAt: Date(), data: ["n": "\(index)"])
                ])
                ids.append(id)
            }
            try await body(
                Source(folder: folder, settings: settings, cipher: environment.cipher, ids: ids), environment.store)
        }
    }

    static func export(_ store: any ConnectionStore, _ settings: ServiceSettings, to path: String, force: Bool = false)
        async throws -> VaultExport.Report
    {
        try await VaultExport(
            store: store, identity: settings.identity, source: "sqlite", liveness: 10, progress: { _ in }
        ).run(to: path, force: force)
    }

    /// Imports `path` into a new SQLite database in `folder` with `cipher`, as the import command does.
    static func importFile(
        _ path: String, into folder: TemporaryFolder, appID: String = "app-1", cipher: TokenCipher,
        now: @escaping @Sendable () -> Date = { Date() }, force: Bool = false,
        prepare: (any ConnectionStore) async throws -> Void = { _ in }
    ) async throws -> (VaultImport.Report, [ConnectionRecord]) {
        let settings = try ServiceTestSupport.realApp(folder, appID: appID)
        return try await VaultEnvironment.withTransferStore(settings: settings, logger: ServiceTestSupport.logger) {
            store, kind, _ in
            try await prepare(store)
            let report = try await VaultImport(
                store: store, cipher: cipher, identity: settings.identity, target: kind, now: now, progress: { _ in }
            ).run(from: path, force: force)
            return (report, try await store.records(after: nil, limit: 100))
        }
    }

    static func expectRefusal(_ code: VaultTransferError.Code, _ body: () async throws -> Void) async {
        do {
            try await body()
            Issue.record("expected a \(code) refusal")
        } catch let error as VaultTransferError {
            #expect(error.code == code, "\(error)")
        } catch {
            Issue.record("expected a \(code) refusal, got \(error)")
        }
    }

    @Test("a SQLite vault round-trips through the file: every field, sealed tokens as stored, events, the app")
    func roundTrip() async throws {
        try await Self.withSource { source, store in
            let file = source.folder.file("vault.jsonl")
            let report = try await Self.export(store, source.settings, to: file)
            #expect(report.connections == 3)
            #expect(report.events == 3)
            #expect(report.keyIDs == source.cipher.keys.map(\.id))

            // 0600, tokens sealed, no key, no secret.
            let attributes = try FileManager.default.attributesOfItem(atPath: file)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            let text = try String(contentsOfFile: file, encoding: .utf8)
            #expect(!text.contains("secret-access"))
            #expect(!text.contains("secret-refresh"))
            #expect(!text.contains("secret-of-app-1"))
            for key in source.cipher.keys {
                #expect(!text.contains(String(key.exported.split(separator: ":")[1])))
            }
            let lineCount = text.split(separator: "\n").count
            #expect(lineCount == 8)  // header, 3 connections, 3 events, end
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: source.folder.path)
                .filter { $0.hasSuffix(".partial") }
            #expect(leftovers.isEmpty)

            let target = try TemporaryFolder()
            defer { target.remove() }
            let (imported, records) = try await Self.importFile(file, into: target, cipher: source.cipher)
            #expect(imported.connections == 3)
            #expect(imported.events == 3)
            let stored: [ConnectionRecord] = try await store.records(after: nil, limit: 100)
            #expect(records == stored)
            for record in records {
                #expect(
                    try source.cipher.open(record.refreshToken!, connectionID: record.id, field: .refreshToken)
                        == "rft.secret-refresh")
            }
            // The imported vault opens as every command opens it, under the same app.
            let keys = source.cipher.keys.map(\.exported).joined(separator: ",")
            let settings = try ServiceTestSupport.realApp(target, extra: ["TIKTOK_BUSINESS_KEYS": keys])
            try await VaultEnvironment.with(settings: settings, logger: ServiceTestSupport.logger) { environment in
                #expect(try await environment.store.vaultIdentity() == source.settings.identity)
                let events = try await environment.store.events(after: 0, connectionID: nil, limit: 10)
                #expect(events.map(\.connectionID) == source.ids)
            }
        }
    }

    @Test("export refuses an existing file (unless forced) and while instances run")
    func exportRefusals() async throws {
        try await Self.withSource { source, store in
            let file = source.folder.file("vault.jsonl")
            try "keep me".write(toFile: file, atomically: true, encoding: .utf8)
            await Self.expectRefusal(.fileExists) { _ = try await Self.export(store, source.settings, to: file) }
            #expect(try String(contentsOfFile: file, encoding: .utf8) == "keep me")

            try await store.recordInstance(
                VaultInstance(id: "host-1", sealingKeyID: "k", keyIDs: ["k"], seenAt: Date()))
            let other = source.folder.file("other.jsonl")
            await Self.expectRefusal(.instancesRunning) { _ = try await Self.export(store, source.settings, to: other) }
            #expect(!FileManager.default.fileExists(atPath: other))
            // Forced: written, replacing the existing file.
            _ = try await Self.export(store, source.settings, to: file, force: true)
            #expect(try String(contentsOfFile: file, encoding: .utf8).hasPrefix("{"))
        }
    }

    @Test("import refuses a truncated or altered file, another app, a missing key and a non-empty target")
    func importRefusals() async throws {
        try await Self.withSource { source, store in
            let file = source.folder.file("vault.jsonl")
            _ = try await Self.export(store, source.settings, to: file)
            let text = try String(contentsOfFile: file, encoding: .utf8)
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)

            let target = try TemporaryFolder()
            defer { target.remove() }
            // Truncated: the end line is missing; cut in the middle of a line; a line altered.
            let truncated = source.folder.file("truncated.jsonl")
            try (lines.dropLast(2).joined(separator: "\n") + "\n").write(
                toFile: truncated, atomically: true, encoding: .utf8)
            await Self.expectRefusal(.fileTruncated) {
                _ = try await Self.importFile(truncated, into: target, cipher: source.cipher)
            }
            try String(text.prefix(text.count - 40)).write(toFile: truncated, atomically: true, encoding: .utf8)
            await Self.expectRefusal(.fileTruncated) {
                _ = try await Self.importFile(truncated, into: target, cipher: source.cipher)
            }
            let altered = source.folder.file("altered.jsonl")
            lines[1] = lines[1].replacingOccurrences(of: "\"status\":\"active\"", with: "\"status\":\"revoked\"")
            try lines.joined(separator: "\n").write(toFile: altered, atomically: true, encoding: .utf8)
            await Self.expectRefusal(.fileTruncated) {
                _ = try await Self.importFile(altered, into: target, cipher: source.cipher)
            }
            // Another app.
            await Self.expectRefusal(.wrongApp) {
                _ = try await Self.importFile(file, into: target, appID: "app-2", cipher: source.cipher)
            }
            // A key ring without the file's key: the message names the key id, never a key.
            let otherRing = try TokenCipher(keys: [.generate(id: "other")])
            do {
                _ = try await Self.importFile(file, into: target, cipher: otherRing)
                Issue.record("imported without the key")
            } catch let error as VaultTransferError {
                #expect(error.code == .missingKeys)
                #expect(error.message.contains(source.cipher.currentKeyID))
                #expect(!error.message.contains(source.cipher.keys[0].exported))
            }
            // A key of the same id but other bytes: every token is opened before anything is written.
            let impostor = try TokenCipher(keys: [.generate(id: source.cipher.currentKeyID)])
            await Self.expectRefusal(.tokensUnreadable) {
                _ = try await Self.importFile(file, into: target, cipher: impostor)
            }
            // Nothing was written by the refusals: the target is still empty, and a non-empty one is refused.
            let (report, _) = try await Self.importFile(file, into: target, cipher: source.cipher)
            #expect(report.connections == 3)
            await Self.expectRefusal(.targetNotEmpty) {
                _ = try await Self.importFile(file, into: target, cipher: source.cipher)
            }
        }
    }

    @Test("import refuses a file older than a refresh the exported vault would have made, unless forced")
    func importRefusesStaleFiles() async throws {
        try await Self.withSource { source, store in
            // A connection due for refresh in an hour.
            var record = try #require(try await store.record(id: source.ids[0]))
            record.nextActionAt = Date().addingTimeInterval(3_600)
            #expect(try await store.update(record, events: []))
            let file = source.folder.file("vault.jsonl")
            _ = try await Self.export(store, source.settings, to: file)
            let target = try TemporaryFolder()
            defer { target.remove() }
            let later: @Sendable () -> Date = { Date().addingTimeInterval(7_200) }
            do {
                _ = try await Self.importFile(file, into: target, cipher: source.cipher, now: later)
                Issue.record("imported a stale file")
            } catch let error as VaultTransferError {
                #expect(error.code == .stale)
                #expect(error.message.contains(source.ids[0]))
            }
            let (report, _) = try await Self.importFile(
                file, into: target, cipher: source.cipher, now: later, force: true)
            #expect(report.connections == 3)
            #expect(report.warnings.contains { $0.contains(source.ids[0]) })
        }
    }

    @Test("an import that stopped midway leaves the database refused by every command until it is emptied")
    func partialImportIsRefused() async throws {
        try await Self.withSource { source, store in
            let file = source.folder.file("vault.jsonl")
            _ = try await Self.export(store, source.settings, to: file)
            let target = try TemporaryFolder()
            defer { target.remove() }
            // As after a crash: the note and part of the connections.
            let settings = try ServiceTestSupport.realApp(target)
            try await VaultEnvironment.withTransferStore(settings: settings, logger: ServiceTestSupport.logger) {
                store2, _, _ in
                try await store2.setPendingImport("started at T")
                try await store2.insertTransferred(
                    [try #require(try await store.record(id: source.ids[0]))], events: [])
            }
            let message = await ServiceTestSupport.open(settings)
            #expect(message?.contains("did not finish") == true, "\(message ?? "opened")")
            await Self.expectRefusal(.partialImport) {
                _ = try await Self.importFile(file, into: target, cipher: source.cipher)
            }
        }
    }
}
