import Foundation

/// Where the vault keeps connections, pending authorization states, the event log and the webhook outbox.
///
/// Implementations: `SQLiteConnectionStore` (embedded, the default) and `PostgresConnectionStore` (many instances).
/// Every write that changes a connection also appends its events in the same transaction, so the log and the
/// connections never disagree. All SQL goes through bound parameters.
public protocol ConnectionStore: Sendable {
    /// Applies the store's named, append-only migrations. Safe to call more than once, and concurrently.
    func migrate() async throws

    /// Whether the database answers (for readiness checks).
    func ping() async throws

    // MARK: Authorization states

    /// Stores a pending authorization state.
    func insertState(_ state: AuthorizationState) async throws

    /// The state with this hash, consumed or not.
    func state(hash: String) async throws -> AuthorizationState?

    /// Marks the state consumed at `now` if it is not yet: exactly one caller ever gets `true`.
    func consumeState(hash: String, now: Date) async throws -> Bool

    /// Deletes up to `limit` states that expired before `date` (consumed or not), oldest first; returns how many.
    /// Callers delete in small batches, so that no batch holds the database's writer long.
    func deleteStates(expiredBefore date: Date, limit: Int) async throws -> Int

    // MARK: Connections

    /// The connection with this id.
    func record(id: String) async throws -> ConnectionRecord?

    /// The id of the most recently updated connection of `kind` that belongs to the end user `endUserID` and has any
    /// of `identities` (advertiser ids, TTCM account ids, open id). `endUserID` is compared exactly: `nil` matches
    /// only connections without an end user. Connections of other end users never match, even on the same
    /// identities (in an agency several people authorize the same advertiser, each with their own grant).
    func connectionID(kind: ConnectionKind, endUserID: String?, matchingAnyOf identities: [String]) async throws
        -> String?

    /// Inserts a new connection (version must be 0; stored as 1) and appends `events`.
    func insert(_ record: ConnectionRecord, events: [ConnectionEvent]) async throws

    /// Replaces a connection if its stored version is still `record.version`, storing `record.version + 1` and
    /// appending `events`, all in one transaction. Returns `false` (and changes nothing) when the version moved on.
    ///
    /// The refresh lease is released only when it is `leaseOwner`'s (or nobody's): a write by one instance never
    /// frees a lease another instance holds while it refreshes, which would let a third claim the connection and
    /// spend the same refresh token. `nil` releases any lease (for writers that take no leases).
    func update(_ record: ConnectionRecord, events: [ConnectionEvent], leaseOwner: String?) async throws -> Bool

    /// A page of connections, ordered by id, after `cursor` (an id), filtered.
    func list(_ filter: ConnectionFilter, after cursor: String?, limit: Int) async throws -> [Connection]

    /// Counts of connections by kind and status.
    func counts() async throws -> [ConnectionCount]

    /// How many connections match `filter`.
    func count(_ filter: ConnectionFilter) async throws -> Int

    // MARK: Leases (refresh claims)

    /// Claims up to `limit` connections whose `nextActionAt <= now` and whose lease is free or expired, leasing them
    /// to `owner` until `leaseUntil`. Two claimers never get the same connection while a lease holds.
    func claimDue(now: Date, limit: Int, owner: String, leaseUntil: Date) async throws -> [ConnectionRecord]

    /// Leases one connection to `owner` until `leaseUntil` if its lease is free, expired or already `owner`'s.
    /// Returns the record when the lease was taken.
    func claim(id: String, now: Date, owner: String, leaseUntil: Date) async throws -> ConnectionRecord?

    /// Releases `owner`'s lease on a connection, if it still holds it.
    func releaseLease(id: String, owner: String) async throws

    /// The earliest `nextActionAt` among connections, or `nil` when none has work pending.
    func nextActionDate() async throws -> Date?

    /// Records sealed with a key other than `keyID`, up to `limit` (for key rotation).
    func records(notSealedWith keyID: String, limit: Int) async throws -> [ConnectionRecord]

    // MARK: Events

    /// Appends events not tied to a connection write.
    func appendEvents(_ events: [ConnectionEvent]) async throws

    /// Events after `sequence` (exclusive), oldest first, optionally for one connection. A cursor inside a pruned
    /// range is valid: the events after it that are left are returned.
    func events(after sequence: Int64, connectionID: String?, limit: Int) async throws -> [ConnectionEvent]

    /// Deletes up to `limit` events that occurred before `date` and have no pending webhook delivery, oldest first,
    /// with their delivered or failed deliveries; returns how many events. Safe on several instances at once.
    func deleteEvents(occurredBefore date: Date, limit: Int) async throws -> Int

    // MARK: Webhook outbox

    /// Copies events appended to the log after the outbox cursor into the outbox as pending deliveries due at `now`,
    /// oldest first, at most `limit`, and advances the cursor; returns how many were added. The first call on a
    /// database starts the cursor at the current end of the log: webhooks carry the events from the moment they were
    /// first turned on. Safe to call concurrently from several instances (each event enters the outbox exactly once,
    /// none skipped even if its transaction commits late with a lower sequence).
    func enqueueWebhookDeliveries(now: Date, limit: Int) async throws -> Int

    /// Claims up to `limit` pending deliveries whose `nextAttemptAt <= now` and whose lease is free or expired, and
    /// which are the oldest pending delivery of their connection (head of line: per connection, event N+1 is never
    /// claimable while event N is pending). Leases them to `owner` until `leaseUntil`. Ordered by `nextAttemptAt`,
    /// then sequence. PostgreSQL: `FOR UPDATE SKIP LOCKED`, so instances never wait on or double-claim each other's
    /// rows.
    func claimWebhookDeliveries(now: Date, limit: Int, owner: String, leaseUntil: Date) async throws
        -> [WebhookDelivery]

    /// Records an attempt on a delivery `owner` leases: `attempts += 1`, `lastAttemptAt = at`, status and error, the
    /// new state per `outcome`, lease released. Returns `false` (and changes nothing) if `owner` no longer holds the
    /// lease (another owner claimed it after the lease expired, it was released, or it is no longer pending).
    func recordWebhookAttempt(sequence: Int64, owner: String, at: Date, outcome: WebhookAttemptOutcome) async throws
        -> Bool

    /// Releases every lease `owner` holds on deliveries (graceful shutdown).
    func releaseWebhookLeases(owner: String) async throws

    /// The earliest `nextAttemptAt` among pending deliveries that are the head of their connection, or `nil`. A head
    /// leased to someone counts from when its lease ends (the earliest it could be claimed again), so a sleeper does
    /// not wake for a delivery that another owner is working on.
    func nextWebhookAttemptDate() async throws -> Date?

    /// The deliveries of these events (missing ones are not in the outbox).
    func webhookDeliveries(sequences: [Int64]) async throws -> [Int64: WebhookDelivery]

    /// A connection's deliveries, newest first, at most `limit`.
    func webhookDeliveries(connectionID: String, limit: Int) async throws -> [WebhookDelivery]

    /// How many deliveries are in each state (states with none may be absent).
    func webhookDeliveryCounts() async throws -> [WebhookDelivery.State: Int]

    // MARK: Vault metadata

    /// The TikTok app this database serves, or `nil` when none is recorded yet.
    func vaultIdentity() async throws -> VaultIdentity?

    /// Records `identity` if the stored one is still `expected` (`nil`: none recorded). Returns `false` (and changes
    /// nothing) when another identity is stored meanwhile.
    func recordVaultIdentity(_ identity: VaultIdentity, replacing expected: VaultIdentity?) async throws -> Bool

    /// How many sealed tokens (access and refresh tokens counted separately) each key id seals.
    func sealedTokenCounts() async throws -> [String: Int]

    /// Whether any connection exists, in any status.
    func hasConnections() async throws -> Bool

    /// Records (inserts or replaces) an instance's report.
    func recordInstance(_ instance: VaultInstance) async throws

    /// Instances that reported at or after `date`.
    func instances(seenSince date: Date) async throws -> [VaultInstance]

    /// Removes an instance's report (graceful shutdown).
    func removeInstance(id: String) async throws

    /// Removes the reports of instances not seen since `date` (crashed ones); returns how many.
    func removeInstances(seenBefore date: Date) async throws -> Int

    /// Joins or renews `instanceID`'s place in the app's shared QPS budget, in one round trip: records the `share`
    /// (calls per second) it uses and holds its place for `ttl` seconds by the database's clock, then returns every
    /// member whose place still holds, this one included, ranked by when they joined (then by id). A member whose
    /// place lapsed joins again as the newest.
    func renewBudgetMembership(instanceID: String, share: Double, ttl: TimeInterval) async throws -> [BudgetMember]

    /// Gives up `instanceID`'s place in the shared QPS budget (graceful shutdown): the others take its share at their
    /// next renewal.
    func leaveBudget(instanceID: String) async throws

    // MARK: Operations (the overview's charts, the audit trail, API keys)

    /// Events of `types` that occurred at or after `since`, counted per `bucketSeconds` (buckets start at multiples of
    /// it since 1970); series: the event type.
    func eventCounts(types: [ConnectionEvent.EventType], since: Date, bucketSeconds: Int) async throws -> [BucketCount]

    /// Active connections whose refresh token lapses in `[from, to)`, counted per `bucketSeconds` counted from
    /// `from`; series: the kind.
    func refreshTokenLapseCounts(from: Date, to: Date, bucketSeconds: Int) async throws -> [BucketCount]

    /// Records (inserts or replaces) the counts of connections by kind and status for the bucket starting at `start`.
    /// Every instance may record the same bucket; the last write wins.
    func recordStatusSnapshot(start: Date, counts: [ConnectionCount]) async throws

    /// The recorded snapshots whose bucket starts at or after `since`, oldest first; series: `kind/status`.
    func statusHistory(since: Date) async throws -> [BucketCount]

    /// Deletes snapshots older than `date`; returns how many rows.
    func deleteStatusHistory(before date: Date) async throws -> Int

    /// Appends entries to the audit trail (sequences assigned in order).
    func appendAudit(_ entries: [AuditEntry]) async throws

    /// Audit entries with a sequence below `sequence` (`nil`: from the newest), newest first, optionally for one
    /// connection, at most `limit`.
    func auditEntries(before sequence: Int64?, connectionID: String?, limit: Int) async throws -> [AuditEntry]

    /// Deletes up to `limit` audit entries that occurred before `date`, oldest first; returns how many.
    func deleteAudit(occurredBefore date: Date, limit: Int) async throws -> Int

    /// Adds these counts to the stored proxy usage (summing per connection, day and caller).
    func addProxyUsage(_ usage: [ProxyUsage]) async throws

    /// Proxy usage on days from `sinceDay` (`YYYY-MM-DD`), newest day first, optionally for one connection.
    func proxyUsage(connectionID: String?, sinceDay: String, limit: Int) async throws -> [ProxyUsage]

    /// Deletes proxy usage of days before `day`; returns how many rows.
    func deleteProxyUsage(beforeDay day: String) async throws -> Int

    /// Stores a new API key.
    func insertAPIKey(_ key: APIKey) async throws

    /// The key with this hash, revoked or not.
    func apiKey(hash: String) async throws -> APIKey?

    /// Every key, revoked ones included, oldest first.
    func apiKeys() async throws -> [APIKey]

    /// Marks the key revoked at `date` if it is not yet; returns whether it was.
    func revokeAPIKey(id: String, at date: Date) async throws -> Bool

    /// Stores a new proxy token.
    func insertProxyToken(_ token: ProxyToken) async throws

    /// The proxy token with this hash, revoked or not.
    func proxyToken(hash: String) async throws -> ProxyToken?

    /// The proxy token with this id.
    func proxyToken(id: String) async throws -> ProxyToken?

    /// A connection's proxy tokens, revoked ones included, newest first.
    func proxyTokens(connectionID: String) async throws -> [ProxyToken]

    /// Marks the proxy token revoked at `date` if it is not yet; returns whether it was.
    func revokeProxyToken(id: String, at date: Date) async throws -> Bool

    // MARK: Transfer (export and import)

    /// Up to `limit` connections of every status with their sealed tokens and bookkeeping, ordered by id, with ids
    /// after `cursor` (`nil`: from the first). Leases are not part of a record. For `tiktok-business export`, which
    /// pages through the whole vault with it.
    func records(after cursor: String?, limit: Int) async throws -> [ConnectionRecord]

    /// Inserts connections exactly as given (every field, sealed tokens as they are, `version` kept, no lease) with
    /// their identities, then appends `events` keeping their ids, types, times and data (the store assigns sequences
    /// in the given order), all in one transaction. For `tiktok-business import`.
    ///
    /// - Throws: ``ConnectionStoreError`` when a connection id or an event id is already stored (then nothing is
    ///   written).
    func insertTransferred(_ records: [ConnectionRecord], events: [ConnectionEvent]) async throws

    /// The note of an import that started and has not finished, or `nil`. While one is recorded the database holds
    /// part of a vault and must not serve.
    func pendingImport() async throws -> String?

    /// Records (`note`) or clears (`nil`) the pending-import note.
    func setPendingImport(_ note: String?) async throws
}

extension ConnectionStore {
    /// ``update(_:events:leaseOwner:)`` releasing any lease: for writers that take no leases (tools and tests).
    public func update(_ record: ConnectionRecord, events: [ConnectionEvent]) async throws -> Bool {
        try await update(record, events: events, leaseOwner: nil)
    }
}

/// Which connections to list.
public struct ConnectionFilter: Sendable, Hashable {
    /// Only this kind.
    public var kind: ConnectionKind?
    /// Only this status.
    public var status: ConnectionStatus?
    /// Only this end user.
    public var endUserID: String?
    /// Only connections whose id, end user, identities or names contain this text (case-insensitive).
    public var search: String?
    /// Only active connections failing transiently since before this date (degraded ones, when it is
    /// `now - degradedAfter`).
    public var failingSinceBefore: Date?
    /// Only connections whose refresh token lapses before this date.
    public var refreshTokenExpiresBefore: Date?
    /// Only connections that need a person: re-authorization required, or active and failing since before
    /// ``Attention/degradedBefore``, or active with a refresh token lapsing before ``Attention/lapsingBefore``.
    public var needsAttention: Attention?

    /// What makes a connection need attention.
    public struct Attention: Sendable, Hashable {
        /// Failing since before this date (degraded).
        public var degradedBefore: Date
        /// A refresh token lapsing before this date.
        public var lapsingBefore: Date

        /// Creates the thresholds.
        public init(degradedBefore: Date, lapsingBefore: Date) {
            self.degradedBefore = degradedBefore
            self.lapsingBefore = lapsingBefore
        }
    }

    /// Creates a filter; `nil` fields match everything.
    public init(
        kind: ConnectionKind? = nil, status: ConnectionStatus? = nil, endUserID: String? = nil, search: String? = nil,
        failingSinceBefore: Date? = nil, refreshTokenExpiresBefore: Date? = nil, needsAttention: Attention? = nil
    ) {
        self.kind = kind
        self.status = status
        self.endUserID = endUserID
        self.search = search
        self.failingSinceBefore = failingSinceBefore
        self.refreshTokenExpiresBefore = refreshTokenExpiresBefore
        self.needsAttention = needsAttention
    }

    /// ``search`` as the store matches it: lowercased, `nil` when empty.
    public var searchPattern: String? {
        guard let search = search?.trimmingCharacters(in: .whitespaces).lowercased(), !search.isEmpty else {
            return nil
        }
        return search
    }
}

/// How many connections have a kind and status.
public struct ConnectionCount: Sendable, Hashable {
    /// The kind.
    public var kind: ConnectionKind
    /// The status.
    public var status: ConnectionStatus
    /// How many.
    public var count: Int

    /// Creates a count.
    public init(kind: ConnectionKind, status: ConnectionStatus, count: Int) {
        self.kind = kind
        self.status = status
        self.count = count
    }
}

/// A store failure: a database error, or a row the store could not read.
public struct ConnectionStoreError: Error, Sendable, CustomStringConvertible {
    /// What failed, without secrets or SQL arguments.
    public var message: String
    /// The underlying error.
    public var underlying: (any Error)?

    /// Creates an error.
    public init(_ message: String, underlying: (any Error)? = nil) {
        self.message = message
        self.underlying = underlying
    }

    public var description: String { "ConnectionStoreError: \(message)" }
}
