import Foundation
import Logging
import Synchronization
import TikTokBusiness

/// The connection vault: issues authorization links, completes authorizations, keeps tokens sealed in a
/// ``ConnectionStore``, renews them before they expire (exactly once across instances, through store leases), checks
/// non-expiring tokens, and revokes.
///
/// ```swift
/// let manager = ConnectionManager(client: client, store: store, cipher: cipher,
///                                 configuration: .init(redirectURIs: .redirectURIs(publicURL: "https://app.example")))
/// let link = try await manager.authorizationLink(for: .tiktokAccount)
/// // … the user consents; TikTok redirects to /oauth/callback/tiktok_account?code=…&state=…
/// let callback = try AuthorizationCallback(query: query)
/// let result = try await manager.completeAuthorization(kind: .tiktokAccount, callback: callback)
/// let token = try await manager.accessToken(for: result.connection.id)
/// ```
public final class ConnectionManager: Sendable {
    /// The TikTok client used for exchanges, refreshes, checks and revocations.
    public let client: TikTokClient
    /// The store.
    public let store: any ConnectionStore
    /// The cipher that seals tokens: the current key ring (see ``useKeyRing(_:)``).
    public var cipher: TokenCipher { keyRing.withLock { $0 } }
    /// The configuration.
    public let configuration: Configuration
    /// The wall clock. Every time-dependent decision reads it.
    public let now: @Sendable () -> Date
    let logger: Logger
    let schedule: MaintenanceSchedule

    struct CachedToken: Sendable {
        var token: String
        var expiresAt: Date?
        var skew: TimeInterval
        var cachedAt: Date
        /// The connection's kind, for spans (``cachedKind(of:)``).
        var kind: ConnectionKind
    }

    let keyRing: Mutex<TokenCipher>
    let tokenCache = Mutex<[String: CachedToken]>([:])
    let eventObservers = Mutex<[@Sendable (ConnectionEvent) -> Void]>([])
    let refreshesInFlight = Mutex<[String: Task<ConnectionRecord, any Error>]>([:])
    /// TikTok's last word on this instance's app credentials (see ``configurationFault``).
    let configurationFaultState = Mutex<ConfigurationFaultState>(ConfigurationFaultState())
    /// Signalled whenever new work may be due sooner than the sweeper planned (a new connection, a failure backoff).
    let workSignals = WakeUpSignal()

    /// Creates a vault. Call ``ConnectionStore/migrate()`` on the store first.
    public init(
        client: TikTokClient,
        store: any ConnectionStore,
        cipher: TokenCipher,
        configuration: Configuration,
        now: @escaping @Sendable () -> Date = { Date() },
        logger: Logger = Logger(label: "tiktok-business.connections")
    ) {
        self.client = client
        self.store = store
        self.keyRing = Mutex(cipher)
        self.configuration = configuration
        // Whole microseconds: what every store keeps exactly, so a connection reads back equal to what was written.
        self.now = { Date(timeIntervalSince1970: (now().timeIntervalSince1970 * 1_000_000).rounded() / 1_000_000) }
        self.logger = logger
        self.schedule = MaintenanceSchedule(configuration: configuration)
    }

    /// Adopts a new key ring (a re-read key file): new tokens are sealed under its first key from now on. Keys of
    /// the old ring that `ring` lacks are kept after its own, so that a running instance never loses a key it can
    /// open stored tokens with (a restart, which re-reads the ring, drops them).
    /// - Returns: whether the sealing key or the set of keys changed.
    @discardableResult
    public func useKeyRing(_ ring: TokenCipher) -> Bool {
        keyRing.withLock { current in
            let kept = current.keys.filter { old in !ring.keys.contains { $0.id == old.id } }
            guard let merged = try? TokenCipher(keys: ring.keys + kept) else { return false }
            let changed = merged.keys.map(\.id) != current.keys.map(\.id)
            current = merged
            return changed
        }
    }

    /// One connection, never its tokens.
    public func connection(id: String) async throws -> Connection {
        try await loadRecord(id: id).connection
    }

    /// The most rows one read of ``connections(_:after:limit:)`` returns: a page of up to 1,000 rows, plus one so that
    /// the caller can tell whether another page follows.
    public static let maximumListLimit = 1_001

    /// A page of connections ordered by id, after `cursor`; `limit` is clamped to 1…``maximumListLimit``.
    public func connections(_ filter: ConnectionFilter = .init(), after cursor: String? = nil, limit: Int = 100)
        async throws -> [Connection]
    {
        try await storeCall {
            try await self.store.list(filter, after: cursor, limit: max(1, min(limit, Self.maximumListLimit)))
        }
    }

    /// The event log after `sequence`, oldest first.
    public func events(after sequence: Int64 = 0, connectionID: String? = nil, limit: Int = 100) async throws
        -> [ConnectionEvent]
    {
        try await storeCall {
            try await self.store.events(after: sequence, connectionID: connectionID, limit: max(1, min(limit, 1000)))
        }
    }

    // MARK: Internals shared by the extensions

    func loadRecord(id: String) async throws -> ConnectionRecord {
        guard let record = try await storeCall({ try await self.store.record(id: id) }) else {
            throw ConnectionError(.notFound, "No connection \(id).", connectionID: id)
        }
        return record
    }

    /// Runs a store call, wrapping its failures as ``ConnectionError/Code/storeFailure``. A `CancellationError` is
    /// passed on only when this task was cancelled; otherwise it came from the database driver (a connection that
    /// went away mid-call) and is a store failure like any other, so that callers retry it (dropping freshly
    /// refreshed tokens on it would lose a rotated refresh token).
    func storeCall<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ConnectionError {
            throw error
        } catch is CancellationError where Task.isCancelled {
            throw CancellationError()
        } catch {
            throw ConnectionError(.storeFailure, "The connection store failed: \(error)", underlying: error)
        }
    }

    func open(_ sealed: SealedToken?, of record: ConnectionRecord, field: TokenCipher.Field) throws -> String {
        guard let sealed else {
            throw ConnectionError(.tokenUnreadable, "The connection has no \(field.rawValue).", connectionID: record.id)
        }
        do {
            return try cipher.open(sealed, connectionID: record.id, field: field)
        } catch {
            throw ConnectionError(
                .tokenUnreadable, "The \(field.rawValue) could not be opened: \(error)", connectionID: record.id,
                underlying: error)
        }
    }

    func seal(_ token: String, connectionID: String, field: TokenCipher.Field) throws -> SealedToken {
        do {
            return try cipher.seal(token, connectionID: connectionID, field: field)
        } catch {
            throw ConnectionError(.tokenUnreadable, "Sealing failed: \(error)", connectionID: connectionID)
        }
    }

    /// Writes `record` (compare-and-swap on its version) with `events`; returns the stored record, or `nil` when
    /// the version moved on. The write releases the connection's lease if `leaseOwner` (default: this instance)
    /// holds it, and leaves any other owner's lease in place.
    func write(_ record: ConnectionRecord, events: [ConnectionEvent], leaseOwner: String? = nil) async throws
        -> ConnectionRecord?
    {
        var next = record
        let owner = leaseOwner ?? configuration.instanceID
        let stored = try await storeCall { try await self.store.update(next, events: events, leaseOwner: owner) }
        guard stored else { return nil }
        next.version += 1
        invalidateCache(id: record.id)
        notify(events)
        return next
    }

    /// Calls `observer` with every event this instance records, after it is stored (for metrics and wake-ups).
    /// The observer must return quickly.
    public func addEventObserver(_ observer: @escaping @Sendable (ConnectionEvent) -> Void) {
        eventObservers.withLock { $0.append(observer) }
    }

    func notify(_ events: [ConnectionEvent]) {
        guard !events.isEmpty else { return }
        let observers = eventObservers.withLock { $0 }
        for event in events {
            for observer in observers { observer(event) }
        }
    }

    func invalidateCache(id: String) {
        _ = tokenCache.withLock { $0.removeValue(forKey: id) }
    }

    func signalWork() {
        workSignals.signal()
    }

    /// `date` as event data carries it, e.g. `2026-01-01T00:00:00Z` (what `ISO8601DateFormatter` writes, without
    /// creating one per event: a refresh sweep writes thousands per second).
    static func iso8601(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }

    func metadata(_ record: ConnectionRecord) -> Logger.Metadata {
        ["connection.id": "\(record.id)", "connection.kind": "\(record.connection.kind)"]
    }
}
