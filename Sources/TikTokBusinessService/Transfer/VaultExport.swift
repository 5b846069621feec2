import Crypto
import Foundation
import TikTokConnections

/// `tiktok-business export`: writes a vault to a ``VaultFile``, for a backup or a move to another store.
///
/// - Tokens stay sealed exactly as stored; the file names the key ids they need, never the keys, the app secret or
///   the API key. It is written with mode 0600 to a temporary file beside the destination, synced, then moved into
///   place, so a file at the destination is always complete; an existing file is kept unless `force`.
/// - It refuses while instances run on the vault (they report every few seconds; see
///   ``ConnectionStore/instances(seenSince:)``) unless `force`: an instance that refreshed a connection after the
///   export would spend the refresh token the file holds, and with TikTok rotating refresh tokens, the imported
///   vault could not refresh that connection any more.
/// - Memory stays bounded: it pages through connections and events.
public struct VaultExport: Sendable {
    /// What an export wrote.
    public struct Report: Sendable {
        /// The file.
        public var path: String
        /// Connections written.
        public var connections: Int
        /// Events written.
        public var events: Int
        /// The key ids the tokens are sealed with.
        public var keyIDs: [String]
        /// When the export started (recorded in the file).
        public var exportedAt: Date
        /// The app the vault serves.
        public var app: VaultIdentity
        /// The file's size in bytes.
        public var bytes: Int
        /// The SHA-256 in the file's end line.
        public var sha256: String
    }

    let store: any ConnectionStore
    let identity: VaultIdentity
    let source: String
    let progress: @Sendable (String) -> Void
    /// How recent an instance's report must be for it to count as running.
    var liveness: TimeInterval
    /// The clock (tests move it).
    var now: @Sendable () -> Date = { Date() }
    /// Connections per page.
    var pageSize = 500

    /// Creates an export of `store`, which serves `identity`.
    /// - Parameters:
    ///   - source: the store's kind, `sqlite` or `postgres` (recorded in the header).
    ///   - liveness: how recent an instance's report must be for the instance to count as running.
    ///   - progress: progress lines ("… 5,000 of 10,000 connections").
    public init(
        store: any ConnectionStore, identity: VaultIdentity, source: String, liveness: TimeInterval,
        now: @escaping @Sendable () -> Date = { Date() }, progress: @escaping @Sendable (String) -> Void
    ) {
        self.store = store
        self.identity = identity
        self.source = source
        self.liveness = liveness
        self.now = now
        self.progress = progress
    }

    /// Writes the vault to `path`.
    /// - Parameter force: overwrite an existing file, and export even while instances run.
    public func run(to path: String, force: Bool = false) async throws -> Report {
        if !force, FileManager.default.fileExists(atPath: path) {
            throw VaultTransferError(
                .fileExists, "\(path) exists; nothing was written. Choose another file, or pass --force to replace it.")
        }
        if try await store.pendingImport() != nil {
            throw VaultTransferError(
                .partialImport,
                "This database holds an import that did not finish; it is not a whole vault. Export the vault the "
                    + "import came from instead.")
        }
        let exportedAt = now()
        let running = try await store.instances(seenSince: exportedAt.addingTimeInterval(-liveness))
        if !running.isEmpty {
            let names = running.map(\.id).joined(separator: ", ")
            guard force else {
                throw VaultTransferError(
                    .instancesRunning,
                    "\(running.count) instance\(running.count == 1 ? " is" : "s are") running on this vault (\(names)); "
                        + "nothing was written. Stop every instance first: one that refreshes a connection after the "
                        + "export spends the refresh token in the file, and the imported vault could not refresh it. "
                        + "(--force exports anyway, for a backup you will not import while they run.)")
            }
            progress(
                "Warning: instances are running (\(names)); connections they refresh after now are stale in the file.")
        }
        let total = try await store.counts().reduce(0) { $0 + $1.count }
        let sealedKeys = try await store.sealedTokenCounts().keys.filter { !$0.isEmpty }.sorted()
        let header = VaultFile.Header(
            format: VaultFile.format, version: VaultFile.version,
            exportedAt: exportedAt.formatted(.iso8601), exportedAtUnix: exportedAt.timeIntervalSince1970,
            app: identity, keyIDs: sealedKeys, connections: total, source: source)

        let writer = try VaultFileWriter(destination: path)
        do {
            let report = try await write(header, total: total, to: writer)
            try writer.commit(replacing: force)
            return report
        } catch {
            writer.discard()
            throw error
        }
    }

    private func write(_ header: VaultFile.Header, total: Int, to writer: VaultFileWriter) async throws -> Report {
        let encoder = VaultFile.encoder()
        var hasher = SHA256()
        func emit(_ value: some Encodable, hashed: Bool = true) throws {
            var line = try encoder.encode(value)
            line.append(UInt8(ascii: "\n"))
            if hashed { hasher.update(data: line) }
            try writer.write(line)
        }
        try emit(header)
        var connections = 0
        var keyIDs = Set<String>()
        var newestRefresh: Date?
        var cursor: String?
        let step = Self.progressStep(total)
        while true {
            let page = try await store.records(after: cursor, limit: pageSize)
            for record in page {
                try emit(VaultFile.ConnectionLine(record))
                connections += 1
                if let token = record.accessToken { keyIDs.insert(token.keyID) }
                if let token = record.refreshToken { keyIDs.insert(token.keyID) }
                if let refreshed = record.connection.lastRefreshedAt, refreshed > (newestRefresh ?? .distantPast) {
                    newestRefresh = refreshed
                }
                if connections % step == 0 {
                    progress("… \(Self.number(connections)) of \(Self.number(max(total, connections))) connections")
                }
            }
            guard page.count == pageSize, let last = page.last else { break }
            cursor = last.id
        }
        var events = 0
        var sequence: Int64 = 0
        while true {
            let page = try await store.events(after: sequence, connectionID: nil, limit: pageSize * 2)
            for event in page {
                try emit(VaultFile.EventLine(event))
                events += 1
                if events % 10_000 == 0 { progress("… \(Self.number(events)) events") }
            }
            guard let last = page.last else { break }
            sequence = last.sequence
        }
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        try emit(
            VaultFile.Trailer(
                connections: connections, events: events, keyIDs: keyIDs.sorted(),
                newestRefreshAt: newestRefresh?.timeIntervalSince1970, sha256: digest),
            hashed: false)
        progress("Wrote \(Self.number(connections)) connections and \(Self.number(events)) events.")
        return Report(
            path: writer.destination, connections: connections, events: events, keyIDs: keyIDs.sorted(),
            exportedAt: header.exportedDate, app: identity, bytes: writer.bytesWritten, sha256: digest)
    }

    /// Progress every 5,000 connections, or every tenth of a smaller vault.
    static func progressStep(_ total: Int) -> Int { max(1, min(5_000, total / 10)) }

    /// `10,000`.
    static func number(_ value: Int) -> String {
        let digits = String(value)
        var result = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return result
    }
}
