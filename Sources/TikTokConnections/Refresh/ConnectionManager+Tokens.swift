import Foundation
import Logging
import Synchronization
import TikTokBusiness

extension ConnectionManager {
    /// A valid access token for the connection: from memory when fresh, else from the store, refreshed first when it
    /// expires within ``Configuration/accessTokenSkew``. Concurrent callers for one connection share one refresh.
    ///
    /// - Throws: ``ConnectionError`` with ``ConnectionError/Code/reauthorizationRequired``,
    ///   ``ConnectionError/Code/revoked``, ``ConnectionError/Code/notFound``, or a refresh failure.
    public func accessToken(for id: String) async throws -> String {
        let time = now()
        if let cached = tokenCache.withLock({ $0[id] }),
            time.timeIntervalSince(cached.cachedAt) < configuration.tokenCacheTTL,
            cached.expiresAt.map({ $0.timeIntervalSince(time) > cached.skew }) ?? true
        {
            return cached.token
        }
        var record = try await loadRecord(id: id)
        try ensureUsable(record)
        if let expires = record.connection.accessTokenExpiresAt,
            expires.timeIntervalSince(time) <= skew(record.connection)
        {
            record = try await refreshSharingFlight(id: id, force: false)
            try ensureUsable(record)
        }
        let token = try open(record.accessToken, of: record, field: .accessToken)
        cache(token, for: record, at: time)
        return token
    }

    /// How close to expiry `accessToken(for:)` refreshes first: the configured skew, but never more than half of the
    /// token's lifetime (so short-lived tokens are not refreshed on every call).
    func skew(_ connection: Connection) -> TimeInterval {
        schedule.accessTokenSkew(for: connection)
    }

    /// Keeps `token` in memory for ``accessToken(for:)``, which alone fills the cache: a refresh (by the sweeper,
    /// or on demand) only drops the old entry when it writes, so that a full sweep does not leave 100,000 plaintext
    /// tokens nobody asked for in memory.
    func cache(_ token: String, for record: ConnectionRecord, at time: Date) {
        let entry = CachedToken(
            token: token, expiresAt: record.connection.accessTokenExpiresAt, skew: skew(record.connection),
            cachedAt: time,
            kind: record.connection.kind)
        let ttl = configuration.tokenCacheTTL
        tokenCache.withLock { cache in
            // Entries past their time to live are only replaced when read again: prune them now and then (on about
            // one new entry in 1,024, so the cost per entry stays constant), so that connections asked for once do
            // not keep their tokens in memory.
            if cache.updateValue(entry, forKey: record.id) == nil, cache.count >= 1_024, Int.random(in: 0..<1_024) == 0
            {
                cache = cache.filter { time.timeIntervalSince($0.value.cachedAt) < ttl }
            }
        }
    }

    /// Refreshes an account or creator connection's access token now, whether or not it is due.
    @discardableResult
    public func refresh(id: String) async throws -> Connection {
        let record = try await loadRecord(id: id)
        guard record.connection.kind.hasExpiringTokens else {
            throw ConnectionError(
                .invalidRequest, "A \(record.connection.kind) token does not expire and cannot be refreshed.",
                connectionID: id)
        }
        try ensureUsable(record)
        let refreshed = try await refreshSharingFlight(id: id, force: true)
        try ensureUsable(refreshed)
        return refreshed.connection
    }

    func ensureUsable(_ record: ConnectionRecord) throws {
        switch record.connection.status {
        case .active: return
        case .reauthorizationRequired:
            throw ConnectionError(
                .reauthorizationRequired,
                "The connection needs the user to authorize again (\(record.connection.statusReason ?? "unknown")).",
                connectionID: record.id)
        case .revoked:
            throw ConnectionError(.revoked, "The connection was revoked.", connectionID: record.id)
        }
    }

    /// One refresh in flight per connection in this process; across processes, the store lease decides.
    /// - Parameter refusedToken: refresh only while this is still the stored access token (a refusal by TikTok of a
    ///   token that has been replaced meanwhile needs no refresh).
    func refreshSharingFlight(id: String, force: Bool, refusedToken: String? = nil) async throws -> ConnectionRecord {
        try await sharedFlight(id: id) {
            try await self.refreshUnderLease(id: id, force: force, refusedToken: refusedToken)
        }
    }

    /// A token to retry with after TikTok refused `refusedToken` of connection `id` as expired or invalid
    /// (40102/40105), or `nil` when there is nothing better to try (a never-expiring kind: its token is what it is).
    ///
    /// The connection is refreshed only while `refusedToken` is still its current access token, its last refresh
    /// is older than ``Configuration/refusalRefreshInterval``, and concurrent refusals share one refresh: 50 calls
    /// refused at once make one refresh, and no caller can force refreshes (with a stale token, or an endpoint that
    /// refuses a token in the request body).
    public func accessToken(for id: String, afterRefusalOf refusedToken: String) async throws -> String? {
        let record = try await loadRecord(id: id)
        try ensureUsable(record)
        guard record.connection.kind.hasExpiringTokens else { return nil }
        let current = try open(record.accessToken, of: record, field: .accessToken)
        guard current == refusedToken else { return current }
        if let last = record.connection.lastRefreshedAt,
            now().timeIntervalSince(last) < configuration.refusalRefreshInterval
        {
            logger.notice(
                "TikTok refused a token issued moments ago; not refreshing again", metadata: metadata(record))
            return nil
        }
        invalidateCache(id: id)
        let refreshed = try await refreshSharingFlight(id: id, force: true, refusedToken: refusedToken)
        try ensureUsable(refreshed)
        let token = try open(refreshed.accessToken, of: refreshed, field: .accessToken)
        return token == refusedToken ? nil : token
    }

    /// Runs `operation` unless a refresh of the same connection is already running in this process, in which case
    /// its result is shared. Every refresh, on demand or by the sweeper, goes through here, so one instance never
    /// refreshes a connection twice at once (which would spend a rotated refresh token twice).
    ///
    /// The operation runs in its own task: a caller that is cancelled stops waiting, but the refresh completes and
    /// stores what TikTok returned.
    func sharedFlight(id: String, _ operation: @escaping @Sendable () async throws -> ConnectionRecord) async throws
        -> ConnectionRecord
    {
        let task = refreshesInFlight.withLock { tasks -> Task<ConnectionRecord, any Error> in
            if let running = tasks[id] { return running }
            let task = Task { try await operation() }
            tasks[id] = task
            return task
        }
        defer {
            refreshesInFlight.withLock { tasks in
                if tasks[id] == task { tasks[id] = nil }
            }
        }
        return try await task.value
    }

    /// Takes the connection's lease, then refreshes it unless another instance already did. Waits for the holder
    /// when another instance holds the lease.
    private func refreshUnderLease(id: String, force: Bool, refusedToken: String? = nil) async throws
        -> ConnectionRecord
    {
        let owner = configuration.instanceID
        let startVersion = try await loadRecord(id: id).version
        // Elapsed time, for waiting only (how long to wait for another instance's write): no decision about a
        // connection reads this clock, only the injected `now()`.
        let deadline = ContinuousClock.now + .seconds(configuration.leaseDuration + 5)
        while true {
            let time = now()
            let leaseUntil = time.addingTimeInterval(configuration.leaseDuration)
            if let record = try await storeCall({
                try await self.store.claim(id: id, now: time, owner: owner, leaseUntil: leaseUntil)
            }) {
                let replaced = try refusedToken.map {
                    try open(record.accessToken, of: record, field: .accessToken) != $0
                }
                return try await refreshClaimed(
                    record, leaseUntil: leaseUntil, claimedAt: time,
                    trigger: .onDemand(force: force, startVersion: startVersion, refusedTokenReplaced: replaced))
            }
            // Another instance holds the lease: wait for its write.
            guard ContinuousClock.now < deadline else {
                throw ConnectionError(
                    .tikTokUnavailable, "Another instance is refreshing this connection; try again.", connectionID: id)
            }
            try await Task.sleep(for: .milliseconds(50))
            let current = try await loadRecord(id: id)
            if current.version != startVersion {
                return current
            }
        }
    }

    /// Refreshes a claimed account/creator record at TikTok and stores the new tokens, unless `trigger` finds the
    /// work done, doing what ``RefreshStateMachine`` decides: this function does the I/O, the machine every decision.
    /// The previous refresh token is replaced only by the same write that stores the new pair. Releases the lease by
    /// writing (or explicitly when there is nothing to write).
    ///
    /// - Parameters:
    ///   - claimed: the record as the claim returned it.
    ///   - leaseUntil: when the lease ends.
    ///   - claimedAt: the time (`now()`) the claim was made at.
    /// - Returns: the stored record (active with new tokens, or moved to `reauthorization_required` on a definitive
    ///   refusal), or the record another writer left.
    /// - Throws: ``ConnectionError/Code/tikTokUnavailable`` on a transient failure (status unchanged, a retry
    ///   scheduled), or a store failure.
    func refreshClaimed(
        _ claimed: ConnectionRecord, leaseUntil: Date, claimedAt: Date, trigger: RefreshStateMachine.Trigger
    ) async throws -> ConnectionRecord {
        var machine = RefreshStateMachine(configuration: configuration)
        var action = machine.claimed(claimed, leaseUntil: leaseUntil, at: claimedAt, trigger: trigger)
        var prepaid: RateGovernor.PrepaidSlot?
        while true {
            switch action {
            case .releaseLease(let record):
                try? await store.releaseLease(id: record.id, owner: configuration.instanceID)
                return record
            case .refresh:
                action = machine.refreshStarted(at: now())
            case .takeQPSSlot(let record, let leaseUntil):
                let refreshToken = try open(record.refreshToken, of: record, field: .refreshToken)
                let slot = try await takeQPSSlot(keepingLeaseOf: record, until: leaseUntil)
                prepaid = slot.prepaid
                action = machine.slotTaken(slot.lease, refreshToken: refreshToken)
            case .leaveToLeaseHolder(let record):
                return try await store.record(id: record.id) ?? record
            case .callTikTok(let record, let refreshToken):
                do {
                    let grant = try await VaultTracing.tikTokCall(
                        VaultTracing.refresh, connection: record.connection, definitive: isDefinitiveRefreshFailure
                    ) {
                        try await RateGovernor.$prepaidSlot.withValue(prepaid) {
                            try await client.refreshAccountToken(refreshToken)
                        }
                    }
                    noteTikTokOutcome(nil)
                    action = machine.tikTokAnswered(grant, at: now())
                } catch let error as TikTokError {
                    noteTikTokOutcome(error)
                    action = machine.tikTokFailed(error, at: now())
                }
            case .markReauthorizationRequired(let mark):
                if let error = mark.tikTokError {
                    logger.warning(
                        "TikTok refused the refresh token",
                        metadata: metadata(mark.record).merging(
                            ["tiktok.code": "\(error.code ?? 0)", "tiktok.request_id": "\(error.requestID ?? "-")"],
                            uniquingKeysWith: { $1 }))
                }
                return try await writeMark(mark)
            case .recordTransientFailure(let failure):
                try await writeTransientFailure(failure)
                throw ConnectionError(
                    .tikTokUnavailable, "The refresh failed transiently and will be retried: \(failure.error.message)",
                    connectionID: failure.record.id, tikTokError: failure.error)
            case .storePair(let pair):
                do {
                    if pair.renewLeaseFirst { try? await renewLease(id: pair.unsealed.id) }
                    let record = try pair.sealed { try seal($0, connectionID: pair.unsealed.id, field: $1) }
                    if let stored = try await write(record, events: pair.events) {
                        action = machine.pairStored(stored)
                    } else {
                        action = machine.pairConflicted()
                    }
                } catch let error as ConnectionError where error.code == .storeFailure {
                    action = machine.storeFailed()
                }
            case .loadNewerRecord(let id):
                do {
                    let newer = try await loadRecord(id: id)
                    let refreshToken = try? newer.refreshToken.map {
                        try cipher.open($0, connectionID: newer.id, field: .refreshToken)
                    }
                    action = machine.newerRecordLoaded(newer, refreshToken: refreshToken)
                } catch let error as ConnectionError where error.code == .storeFailure {
                    action = machine.storeFailed()
                }
            case .retryStore(let delay, let attempt):
                logger.error(
                    "Storing refreshed tokens failed; retrying until stored",
                    metadata: metadata(claimed).merging(["attempt": "\(attempt)"], uniquingKeysWith: { $1 }))
                try await Task.sleep(for: .milliseconds(Int64(delay * 1000)))
                action = machine.retryDelayElapsed()
            case .pairStored(let stored, let storeFailures):
                if storeFailures > 0 {
                    logger.notice(
                        "Refreshed tokens stored after database failures",
                        metadata: metadata(stored).merging(
                            ["attempts": "\(storeFailures + 1)"], uniquingKeysWith: { $1 }))
                }
                logger.debug("Access token refreshed", metadata: metadata(stored))
                return stored
            case .dropPair(let newer):
                logger.notice(
                    "Connection re-authorized, refreshed elsewhere or revoked during refresh; keeping the newer write",
                    metadata: metadata(newer))
                logger.debug("Access token refreshed", metadata: metadata(newer))
                return newer
            case .giveUpStoring(let id):
                throw ConnectionError(
                    .storeFailure, "The connection kept changing while its refreshed tokens were stored.",
                    connectionID: id)
            }
        }
    }

    /// Waits for a slot of the app's QPS budget before a refresh spends a refresh token. A wait of a second or more
    /// may have outlasted part of the lease, so the lease is then renewed, which also tells whether it is still this
    /// instance's. The slot is handed to the client call through ``RateGovernor/prepaidSlot``.
    private func takeQPSSlot(keepingLeaseOf record: ConnectionRecord, until leaseUntil: Date) async throws
        -> (lease: RefreshStateMachine.SlotLease, prepaid: RateGovernor.PrepaidSlot?)
    {
        guard let governor = client.configuration.rateGovernor else { return (.kept, nil) }
        // Elapsed time, for waiting only (how long the wait for the slot took): no decision about a connection reads
        // this clock, only the injected `now()`.
        let started = ContinuousClock.now
        try await governor.acquire(priority: .authorization)
        let prepaid = RateGovernor.PrepaidSlot(governor)
        guard ContinuousClock.now - started >= .seconds(1) else { return (.kept, prepaid) }
        let time = now()
        let renewedUntil = time.addingTimeInterval(configuration.leaseDuration)
        guard
            let renewed = try await store.claim(
                id: record.id, now: time, owner: configuration.instanceID, leaseUntil: renewedUntil)
        else {
            logger.notice(
                "The lease lapsed while waiting for a QPS slot; another instance refreshes", metadata: metadata(record))
            return (.lost, nil)
        }
        let refreshToken = renewed.refreshToken.flatMap { try? open($0, of: renewed, field: .refreshToken) }
        return (.renewed(renewed, until: renewedUntil, refreshToken: refreshToken), prepaid)
    }

    /// Takes (or keeps) this instance's lease on a connection, for another lease duration.
    private func renewLease(id: String) async throws {
        let time = now()
        _ = try await store.claim(
            id: id, now: time, owner: configuration.instanceID,
            leaseUntil: time.addingTimeInterval(configuration.leaseDuration))
    }

    func isDefinitiveRefreshFailure(_ error: TikTokError) -> Bool {
        RefreshStateMachine.isDefinitive(error, additionalCodes: configuration.additionalDefinitiveRefreshCodes)
    }

    /// Moves a leased connection to `reauthorization_required` for `reason` (see
    /// ``RefreshStateMachine/reauthorizationMark(_:reason:tikTokError:at:)``).
    func markReauthorizationRequired(_ leased: ConnectionRecord, reason: String, tikTokError: TikTokError?)
        async throws -> ConnectionRecord
    {
        try await writeMark(
            RefreshStateMachine.reauthorizationMark(leased, reason: reason, tikTokError: tikTokError, at: now()))
    }

    /// Writes a move to `reauthorization_required`; when another write won meanwhile, returns that one.
    func writeMark(_ mark: RefreshStateMachine.ReauthorizationMark) async throws -> ConnectionRecord {
        guard let stored = try await write(mark.record, events: mark.events) else {
            return try await loadRecord(id: mark.record.id)
        }
        logger.notice(
            "Connection needs re-authorization",
            metadata: metadata(stored).merging(["reason": "\(mark.reason)"], uniquingKeysWith: { $1 }))
        return stored
    }

    /// Records a transient failure: status unchanged, a retry scheduled with backoff, an event for the log (see
    /// ``RefreshStateMachine/transientFailure(_:error:at:schedule:)``).
    func recordTransientFailure(_ leased: ConnectionRecord, error: TikTokError) async throws {
        try await writeTransientFailure(
            RefreshStateMachine.transientFailure(leased, error: error, at: now(), schedule: schedule))
    }

    /// Writes a transient failure (a write that lost to a newer version is left at that).
    func writeTransientFailure(_ failure: RefreshStateMachine.TransientFailure) async throws {
        _ = try await write(failure.record, events: failure.events)
        logger.warning(
            "TikTok call failed transiently; will retry",
            metadata: metadata(failure.record).merging(
                [
                    "tiktok.error_category": "\(failure.error.category)",
                    "retry_in_s": "\(Int(failure.retryAt.timeIntervalSince(failure.failedAt)))",
                ],
                uniquingKeysWith: { $1 }))
    }

    /// Ends a connection's failure streak after a success (see
    /// ``RefreshStateMachine/clearingFailures(_:at:degradedAfter:)``): returns `connection.recovered` for the same
    /// write when the connection was degraded.
    func clearFailures(_ record: inout ConnectionRecord, at time: Date) -> [ConnectionEvent] {
        RefreshStateMachine.clearingFailures(&record, at: time, degradedAfter: configuration.degradedAfter)
    }
}
