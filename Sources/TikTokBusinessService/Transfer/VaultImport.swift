import Foundation
import TikTokConnections

/// `tiktok-business import`: loads a ``VaultFile`` into an empty store of either kind.
///
/// Before it writes anything it reads the whole file once and checks:
/// 1. the target is empty (no connection, no event) and holds no unfinished import;
/// 2. the file is whole: a header of a known version, an end line whose counts and SHA-256 match;
/// 3. the file's app is the settings' app (and the target's, if it records one);
/// 4. every key id the tokens name is in the key ring, and every sealed token opens with it (a missing key id is
///    named, never a key or a token);
/// 5. no refresh token in the file can have been spent since the export (unless `force`): no connection's
///    `last_refreshed_at` is after the export, and none was due for refresh before now (a vault still running after
///    the export would have refreshed it, and TikTok rotates refresh tokens).
///
/// Then it records a pending-import note and the app identity, writes connections in batches (each batch with its
/// identities in one transaction), then events in batches, and clears the note. A crash midway leaves the note:
/// every command refuses the database (``AppIdentityCheck``) and import says how to recover (empty the database and
/// import again), so a half-imported vault never serves.
public struct VaultImport: Sendable {
    /// What an import did.
    public struct Report: Sendable {
        /// The file.
        public var path: String
        /// Connections imported.
        public var connections: Int
        /// Events imported.
        public var events: Int
        /// The key ids the tokens are sealed with.
        public var keyIDs: [String]
        /// When the file was exported.
        public var exportedAt: Date
        /// How old the file was when imported, in seconds.
        public var age: TimeInterval
        /// The app.
        public var app: VaultIdentity
        /// The store's kind (`sqlite` or `postgres`).
        public var target: String
        /// Checks overridden by `force`, and other things to know.
        public var warnings: [String]
    }

    let store: any ConnectionStore
    let cipher: TokenCipher
    let identity: VaultIdentity
    let target: String
    let progress: @Sendable (String) -> Void
    var now: @Sendable () -> Date
    /// Connections per transaction.
    var batchSize = 500

    /// Creates an import into `store` for the app `identity` (the settings'), opening tokens with `cipher`.
    /// - Parameters:
    ///   - target: the store's kind, `sqlite` or `postgres`.
    ///   - progress: progress lines ("… 5,000 of 10,000 connections imported").
    public init(
        store: any ConnectionStore, cipher: TokenCipher, identity: VaultIdentity, target: String,
        now: @escaping @Sendable () -> Date = { Date() }, progress: @escaping @Sendable (String) -> Void
    ) {
        self.store = store
        self.cipher = cipher
        self.identity = identity
        self.target = target
        self.now = now
        self.progress = progress
    }

    /// What to do about a database whose import did not finish.
    public static func partialImportMessage(_ note: String) -> String {
        "An import into this database did not finish (\(note)); it holds part of a vault, so nothing may use it. "
            + "Empty it and run `tiktok-business import` again: for PostgreSQL, drop and create the database (or "
            + "drop its tiktok_business_* tables); for SQLite, delete the database file with its -wal and -shm "
            + "files. The vault file is unchanged."
    }

    /// Imports the file at `path`.
    /// - Parameter force: import even if refresh tokens in the file may have been spent since the export.
    public func run(from path: String, force: Bool = false) async throws -> Report {
        try await checkTarget()
        let verified = try await verify(path, force: force)
        try await write(path, verified)
        let age = now().timeIntervalSince(verified.header.exportedDate)
        return Report(
            path: path, connections: verified.trailer.connections, events: verified.trailer.events,
            keyIDs: verified.keyIDs, exportedAt: verified.header.exportedDate, age: age, app: verified.header.app,
            target: target, warnings: verified.warnings)
    }

    // MARK: Checks

    private func checkTarget() async throws {
        if let note = try await store.pendingImport() {
            throw VaultTransferError(.partialImport, Self.partialImportMessage(note))
        }
        let hasEvents = !(try await store.events(after: 0, connectionID: nil, limit: 1).isEmpty)
        if try await store.hasConnections() || hasEvents {
            throw VaultTransferError(
                .targetNotEmpty,
                "The target database is not empty (it holds \(hasEvents ? "events" : "connections")); nothing was "
                    + "imported. Import into a new, empty database (TIKTOK_BUSINESS_DATABASE_URL).")
        }
    }

    private struct Verified {
        var header: VaultFile.Header
        var trailer: VaultFile.Trailer
        var keyIDs: [String]
        var warnings: [String]
    }

    private final class Tally: @unchecked Sendable {
        // @unchecked: touched only by the one task that scans the file.
        var connections = 0
        var keyIDs = Set<String>()
        var missing = Set<String>()
        var unreadable: [String] = []
        var unreadableCount = 0
        var newestRefresh: Date?
        var firstDue: (id: String, at: Date)?
    }

    private func verify(_ path: String, force: Bool) async throws -> Verified {
        let tally = Tally()
        let ring = Set(cipher.keys.map(\.id))
        let stored = try await store.vaultIdentity()
        let identity = self.identity
        var total = 0
        var step = 1
        var visitor = VaultFileReader.Visitor()
        visitor.header = { header in
            guard header.app == identity else {
                throw VaultTransferError(
                    .wrongApp,
                    "The file is a vault of TikTok \(header.app), but the settings are for \(identity) "
                        + "(TIKTOK_APP_ID, TIKTOK_API_BASE_URL); nothing was imported. Import with the settings of "
                        + "that app (`tiktok-business app move` can move the vault to another app afterwards).")
            }
            if let stored, stored != header.app {
                throw VaultTransferError(
                    .wrongApp,
                    "The target database is recorded for TikTok \(stored), the file for \(header.app); nothing was "
                        + "imported. Use a new, empty database.")
            }
            let missing = Set(header.keyIDs).subtracting(ring)
            if !missing.isEmpty { throw self.missingKeys(missing) }
            total = header.connections
            step = VaultExport.progressStep(total)
        }
        visitor.connection = { line in
            let record = try line.record()
            tally.connections += 1
            for (token, field) in [
                (record.accessToken, TokenCipher.Field.accessToken), (record.refreshToken, .refreshToken),
            ] {
                guard let token else { continue }
                tally.keyIDs.insert(token.keyID)
                guard ring.contains(token.keyID) else {
                    tally.missing.insert(token.keyID)
                    continue
                }
                do {
                    _ = try self.cipher.open(token, connectionID: record.id, field: field)
                } catch {
                    tally.unreadableCount += 1
                    if tally.unreadable.count < 5, tally.unreadable.last != record.id {
                        tally.unreadable.append(record.id)
                    }
                }
            }
            let c = record.connection
            if let refreshed = c.lastRefreshedAt, refreshed > (tally.newestRefresh ?? .distantPast) {
                tally.newestRefresh = refreshed
            }
            if c.kind.hasExpiringTokens, c.status == .active, record.refreshToken != nil,
                let due = record.nextActionAt, due < (tally.firstDue?.at ?? .distantFuture)
            {
                tally.firstDue = (record.id, due)
            }
            if tally.connections % step == 0 {
                self.progress(
                    "… \(VaultExport.number(tally.connections)) of "
                        + "\(VaultExport.number(max(total, tally.connections))) connections verified")
            }
        }
        let (header, trailer) = try await VaultFileReader(path: path).scan(visitor)
        if !tally.missing.isEmpty { throw missingKeys(tally.missing) }
        if tally.unreadableCount > 0 {
            throw VaultTransferError(
                .tokensUnreadable,
                "\(tally.unreadableCount) sealed token\(tally.unreadableCount == 1 ? "" : "s") of the file do not open "
                    + "with the key ring (connections \(tally.unreadable.joined(separator: ", "))\(tally.unreadableCount > tally.unreadable.count ? ", …" : "")): "
                    + "a key with the same id but other bytes, or a damaged file. Nothing was imported. Use the key "
                    + "ring of the exported vault.")
        }
        var warnings: [String] = []
        let exportedAt = header.exportedDate
        let age = now().timeIntervalSince(exportedAt)
        warnings.append("The file was exported at \(exportedAt.formatted(.iso8601)), \(Self.duration(age)) ago.")
        if let newest = tally.newestRefresh, newest > exportedAt.addingTimeInterval(1) {
            let message =
                "A connection of the file was refreshed at \(newest.formatted(.iso8601)), after the export "
                + "(\(exportedAt.formatted(.iso8601))): the file is inconsistent (clocks of the instances differ?)."
            guard force else {
                throw VaultTransferError(.stale, message + " Nothing was imported; --force imports it anyway.")
            }
            warnings.append(message)
        }
        if let due = tally.firstDue, due.at <= now() {
            let message =
                "Connection \(due.id) was due for a token refresh at \(due.at.formatted(.iso8601)), after the export "
                + "(\(exportedAt.formatted(.iso8601))). If any instance still ran on the exported vault since then, it "
                + "has refreshed that connection and, where TikTok rotates refresh tokens, the token in the file is "
                + "spent."
            guard force else {
                throw VaultTransferError(
                    .stale,
                    message + " Nothing was imported. Stop every instance, export again and import the new file; or, "
                        + "if no instance ran on the exported vault since the export, pass --force.")
            }
            warnings.append(message)
        }
        let keyIDs = tally.keyIDs.sorted()
        return Verified(header: header, trailer: trailer, keyIDs: keyIDs, warnings: warnings)
    }

    private func missingKeys(_ missing: Set<String>) -> VaultTransferError {
        let have = cipher.keys.map(\.id).joined(separator: ", ")
        return VaultTransferError(
            .missingKeys,
            "The file's tokens are sealed with key id\(missing.count == 1 ? "" : "s") "
                + "\(missing.sorted().joined(separator: ", ")), not in the key ring (which has \(have)); nothing was "
                + "imported. Give import the exported vault's keys: TIKTOK_BUSINESS_KEYS, or TIKTOK_BUSINESS_KEY_FILE "
                + "(for a SQLite vault, the `keys` file beside its database).")
    }

    // MARK: Writing

    private final class Batches: @unchecked Sendable {
        // @unchecked: touched only by the one task that scans the file.
        var records: [ConnectionRecord] = []
        var events: [ConnectionEvent] = []
        var connections = 0
        var eventCount = 0
    }

    private func write(_ path: String, _ verified: Verified) async throws {
        let note =
            "started at \(now().formatted(.iso8601)) from a file exported at "
            + "\(verified.header.exportedDate.formatted(.iso8601)), sha256 \(verified.trailer.sha256.prefix(12))…"
        try await store.setPendingImport(note)
        if try await store.vaultIdentity() == nil {
            guard try await store.recordVaultIdentity(verified.header.app, replacing: nil) else {
                throw VaultTransferError(
                    .wrongApp, "Another process recorded an app in the target database meanwhile; nothing was imported."
                )
            }
        }
        let batches = Batches()
        let total = verified.trailer.connections
        let step = VaultExport.progressStep(total)
        let store = self.store
        let batchSize = self.batchSize
        let progress = self.progress
        func flushRecords() async throws {
            guard !batches.records.isEmpty else { return }
            try await store.insertTransferred(batches.records, events: [])
            let before = batches.connections
            batches.connections += batches.records.count
            batches.records.removeAll(keepingCapacity: true)
            if batches.connections / step != before / step || batches.connections == total {
                progress(
                    "… \(VaultExport.number(batches.connections)) of \(VaultExport.number(total)) connections imported")
            }
        }
        func flushEvents() async throws {
            guard !batches.events.isEmpty else { return }
            try await store.insertTransferred([], events: batches.events)
            batches.eventCount += batches.events.count
            batches.events.removeAll(keepingCapacity: true)
        }
        var visitor = VaultFileReader.Visitor()
        visitor.connection = { line in
            batches.records.append(try line.record())
            if batches.records.count >= batchSize { try await flushRecords() }
        }
        visitor.event = { line in
            try await flushRecords()
            batches.events.append(line.connectionEvent)
            if batches.events.count >= batchSize * 2 { try await flushEvents() }
        }
        do {
            let (_, trailer) = try await VaultFileReader(path: path).scan(visitor)
            try await flushRecords()
            try await flushEvents()
            guard trailer.sha256 == verified.trailer.sha256 else {
                throw VaultTransferError(.fileInvalid, "The file changed while it was imported.")
            }
        } catch {
            throw VaultTransferError(
                .writeFailed,
                "The import stopped after \(batches.connections) of \(total) connections: \(error). "
                    + Self.partialImportMessage(note))
        }
        progress(
            "Imported \(VaultExport.number(batches.connections)) connections and \(VaultExport.number(batches.eventCount)) events."
        )
        try await store.setPendingImport(nil)
    }

    /// `3 h 5 min`, `42 s`.
    static func duration(_ seconds: TimeInterval) -> String {
        let total = Int(max(0, seconds))
        if total < 60 { return "\(total) s" }
        if total < 3_600 { return "\(total / 60) min" }
        if total < 86_400 { return "\(total / 3_600) h \(total % 3_600 / 60) min" }
        return "\(total / 86_400) d \(total % 86_400 / 3_600) h"
    }
}
