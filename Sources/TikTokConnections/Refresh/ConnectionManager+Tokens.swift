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
        if let cached = tokenCache.withLock({ $0[id] }), time.timeIntervalSince(cached.cachedAt) < configuration.tokenCacheTTL,
            cached.expiresAt.map({ $0.timeIntervalSince(time) > cached.skew }) ?? true
        {
            return cached.token
        }
        var record = try await loadRecord(id: id)
        try ensureUsable(record)
        if let expires = record.connection.accessTokenExpiresAt, expires.timeIntervalSince(time) <= skew(record.connection) {
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
        guard let lifetime = schedule.lifetime(of: connection), lifetime > 0 else { return configuration.accessTokenSkew }
        return min(configuration.accessTokenSkew, lifetime / 2)
    }

    /// Keeps `token` in memory for ``accessToken(for:)``, which alone fills the cache: a refresh (by the sweeper,
    /// or on demand) only drops the old entry when it writes, so that a full sweep does not leave 100,000 plaintext
    /// tokens nobody asked for in memory.
    func cache(_ token: String, for record: ConnectionRecord, at time: Date) {
        let entry = CachedToken(
            token: token, expiresAt: record.connection.accessTokenExpiresAt, skew: skew(record.connection), cachedAt: time,
            kind: record.connection.kind)
        let ttl = configuration.tokenCacheTTL
        tokenCache.withLock { cache in
            // Entries past their time to live are only replaced when read again: prune them now and then (on about
            // one new entry in 1,024, so the cost per entry stays constant), so that connections asked for once do
            // not keep their tokens in memory.
            if cache.updateValue(entry, forKey: record.id) == nil, cache.count >= 1_024, Int.random(in: 0..<1_024) == 0 {
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
        let deadline = ContinuousClock.now + .seconds(configuration.leaseDuration + 5)
        while true {
            let time = now()
            let leaseUntil = time.addingTimeInterval(configuration.leaseDuration)
            if let record = try await storeCall({
                try await self.store.claim(id: id, now: time, owner: owner, leaseUntil: leaseUntil)
            }) {
                let fresh = record.connection.accessTokenExpiresAt.map {
                    $0.timeIntervalSince(time) > skew(record.connection)
                } ?? true
                // Another caller refreshed (or revoked) while we waited for the lease: use its result.
                let replaced = try refusedToken.map { try open(record.accessToken, of: record, field: .accessToken) != $0 }
                if record.connection.status != .active || (record.version != startVersion && fresh) || (!force && fresh)
                    || replaced == true
                {
                    try? await store.releaseLease(id: id, owner: owner)
                    return record
                }
                return try await performRefresh(record, leaseUntil: leaseUntil)
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

    /// Refreshes a leased account/creator record at TikTok and stores the new tokens. The previous refresh token is
    /// replaced only by the same write that stores the new pair. Releases the lease by writing. `leaseUntil` is when
    /// the lease ends: storing the new tokens is retried through database failures until then.
    ///
    /// - Returns: the stored record (active with new tokens, or moved to `reauthorization_required` on a definitive
    ///   refusal).
    /// - Throws: ``ConnectionError/Code/tikTokUnavailable`` on a transient failure (status unchanged, a retry
    ///   scheduled), or a store failure.
    func performRefresh(_ leased: ConnectionRecord, leaseUntil: Date) async throws -> ConnectionRecord {
        var record = leased
        var leaseUntil = leaseUntil
        let time = now()
        if let lapse = record.connection.refreshTokenExpiresAt, lapse <= time {
            return try await markReauthorizationRequired(record, reason: "refresh_token_expired", tikTokError: nil)
        }
        let refreshToken = try open(record.refreshToken, of: record, field: .refreshToken)
        let slot = try await takeQPSSlot(keepingLeaseOf: record, until: leaseUntil)
        switch slot.lease {
        case .kept:
            break
        case .lost:
            // Another instance took the connection over while this one waited for its turn: it refreshes, not us.
            return try await store.record(id: record.id) ?? record
        case .renewed(let renewed, let until):
            leaseUntil = until
            if renewed.version != record.version {
                // Written while this one waited: re-sealed by a key rotation (the same refresh token: refresh the
                // stored version), or refreshed or marked by an instance that took the connection over while the
                // lease had lapsed (nothing left to do: give the lease back).
                let current = renewed.refreshToken.flatMap { try? open($0, of: renewed, field: .refreshToken) }
                guard renewed.connection.status == .active, current == refreshToken else {
                    try? await store.releaseLease(id: renewed.id, owner: configuration.instanceID)
                    return renewed
                }
                record = renewed
            }
        }
        let grant: AccountTokenGrant
        do {
            grant = try await VaultTracing.tikTokCall(
                VaultTracing.refresh, connection: record.connection, definitive: isDefinitiveRefreshFailure
            ) {
                try await RateGovernor.$prepaidSlot.withValue(slot.prepaid) {
                    try await client.refreshAccountToken(refreshToken)
                }
            }
            noteTikTokOutcome(nil)
        } catch let error as TikTokError {
            noteTikTokOutcome(error)
            if isDefinitiveRefreshFailure(error) {
                logger.warning(
                    "TikTok refused the refresh token", metadata: metadata(record).merging(
                        ["tiktok.code": "\(error.code ?? 0)", "tiktok.request_id": "\(error.requestID ?? "-")"],
                        uniquingKeysWith: { $1 }))
                return try await markReauthorizationRequired(record, reason: "refresh_token_invalid", tikTokError: error)
            }
            try await recordTransientFailure(record, error: error)
            throw ConnectionError(
                .tikTokUnavailable, "The refresh failed transiently and will be retried: \(error.message)",
                connectionID: record.id, tikTokError: error)
        }
        let after = now()
        let rotated = grant.refreshToken != refreshToken
        let event = ConnectionEvent(
            type: .tokenRefreshed, connectionID: record.id, occurredAt: after,
            data: [
                "access_token_expires_at": Self.iso8601(after.addingTimeInterval(Double(grant.expiresIn))),
                "refresh_token_rotated": rotated ? "true" : "false",
            ])
        let stored = try await writeFreshTokens(
            grant, obtainedAt: after, usedRefreshToken: refreshToken, onto: record, event: event, leaseUntil: leaseUntil)
        logger.debug("Access token refreshed", metadata: metadata(stored))
        return stored
    }

    /// What became of a refresh's lease while it waited for its QPS slot.
    enum SlotLease {
        /// The wait was short: the lease taken before it holds.
        case kept
        /// The wait was long, and the lease is renewed until `until`; `record` is the stored connection, which may be
        /// a newer version than the one the refresh started from.
        case renewed(ConnectionRecord, until: Date)
        /// Another instance holds the lease now (or the connection is gone): the refresh must not call TikTok.
        case lost
    }

    /// Waits for a slot of the app's QPS budget before a refresh spends a refresh token. A wait of a second or more
    /// may have outlasted part of the lease, so the lease is then renewed, which also tells whether it is still this
    /// instance's. The slot is handed to the client call through ``RateGovernor/prepaidSlot``.
    private func takeQPSSlot(keepingLeaseOf record: ConnectionRecord, until leaseUntil: Date) async throws
        -> (lease: SlotLease, prepaid: RateGovernor.PrepaidSlot?)
    {
        guard let governor = client.configuration.rateGovernor else { return (.kept, nil) }
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
            logger.notice("The lease lapsed while waiting for a QPS slot; another instance refreshes", metadata: metadata(record))
            return (.lost, nil)
        }
        return (.renewed(renewed, until: renewedUntil), prepaid)
    }

    /// `record` with a freshly refreshed token pair applied.
    private func applying(_ grant: AccountTokenGrant, obtainedAt time: Date, to base: ConnectionRecord) throws
        -> ConnectionRecord
    {
        var record = base
        record.connection.accessTokenExpiresAt = time.addingTimeInterval(Double(grant.expiresIn))
        record.connection.refreshTokenExpiresAt = time.addingTimeInterval(Double(grant.refreshTokenExpiresIn))
        record.connection.lastRefreshedAt = time
        record.connection.updatedAt = time
        if !grant.scopes.isEmpty { record.connection.scopes = grant.scopes }
        record.accessToken = try seal(grant.accessToken, connectionID: record.id, field: .accessToken)
        record.refreshToken = try seal(grant.refreshToken, connectionID: record.id, field: .refreshToken)
        record.failureCount = 0
        record.nextActionAt = schedule.nextAction(for: record)
        return record
    }

    /// Stores freshly refreshed tokens. Once TikTok has answered, the new pair (and, with rotation, the only valid
    /// refresh token) exists only in memory until this write succeeds, so it is kept until it is stored:
    /// - store failures (a database restart or a long outage) are retried without a deadline, with backoff capped at
    ///   ``Configuration/storeRetryCap``; before each retry the lease is renewed when the database answers again, so
    ///   that another instance does not take the connection over meanwhile;
    /// - a version conflict (a key rotation, a warning, any write that left the tokens alone) re-applies the pair
    ///   onto the newer record and writes again. So does a conflict with another instance that, after our lease
    ///   lapsed during an outage, tried the refresh token this pair replaced and marked the connection
    ///   `reauthorization_required` (TikTok refused a token we had already rotated): the pair restores it;
    /// - only when the stored tokens were replaced meanwhile (a re-authorization, or another instance's successful
    ///   refresh) or the connection was revoked is the pair dropped, because the newer write supersedes it.
    private func writeFreshTokens(
        _ grant: AccountTokenGrant, obtainedAt time: Date, usedRefreshToken: String, onto base: ConnectionRecord,
        event: ConnectionEvent, leaseUntil: Date
    ) async throws -> ConnectionRecord {
        var current = base
        var failures = 0
        var conflicts = 0
        while conflicts < 20 {
            do {
                if failures > 0 { try? await renewLease(id: base.id) }
                var base = current
                var events = [event]
                if base.connection.status == .reauthorizationRequired {
                    // Restored before the pair is applied, so that the schedule sees an active connection.
                    base.connection.status = .active
                    base.connection.statusReason = nil
                    events[0].data["restored_from"] = ConnectionStatus.reauthorizationRequired.rawValue
                }
                var next = try applying(grant, obtainedAt: time, to: base)
                events += clearFailures(&next, at: time)
                if let stored = try await write(next, events: events) {
                    if failures > 0 {
                        logger.notice(
                            "Refreshed tokens stored after database failures",
                            metadata: metadata(base).merging(["attempts": "\(failures + 1)"], uniquingKeysWith: { $1 }))
                    }
                    return stored
                }
                conflicts += 1
                let newer = try await loadRecord(id: base.id)
                let storedRefresh = try? newer.refreshToken.map {
                    try cipher.open($0, connectionID: newer.id, field: .refreshToken)
                }
                guard newer.connection.status != .revoked, storedRefresh == usedRefreshToken else {
                    logger.notice(
                        "Connection re-authorized, refreshed elsewhere or revoked during refresh; keeping the newer write",
                        metadata: metadata(newer))
                    return newer
                }
                current = newer
            } catch let error as ConnectionError where error.code == .storeFailure {
                failures += 1
                logger.error(
                    "Storing refreshed tokens failed; retrying until stored",
                    metadata: metadata(base).merging(["attempt": "\(failures)"], uniquingKeysWith: { $1 }))
                let delay = min(configuration.storeRetryCap, 0.1 * Double(1 << min(failures, 10)))
                try await Task.sleep(for: .milliseconds(Int64(delay * 1000)))
            }
        }
        throw ConnectionError(
            .storeFailure, "The connection kept changing while its refreshed tokens were stored.", connectionID: base.id)
    }

    /// Takes (or keeps) this instance's lease on a connection, for another lease duration.
    private func renewLease(id: String) async throws {
        let time = now()
        _ = try await store.claim(
            id: id, now: time, owner: configuration.instanceID,
            leaseUntil: time.addingTimeInterval(configuration.leaseDuration))
    }

    func isDefinitiveRefreshFailure(_ error: TikTokError) -> Bool {
        if error.category == .authCodeInvalid || error.category == .accessTokenInvalid { return true }
        if let code = error.code, configuration.additionalDefinitiveRefreshCodes.contains(code) { return true }
        return false
    }

    func markReauthorizationRequired(_ leased: ConnectionRecord, reason: String, tikTokError: TikTokError?)
        async throws -> ConnectionRecord
    {
        var record = leased
        let time = now()
        record.connection.status = .reauthorizationRequired
        record.connection.statusReason = reason
        record.connection.updatedAt = time
        record.nextActionAt = nil
        var data = ["reason": reason, "definitive": "true"]
        if let code = tikTokError?.code { data["tiktok_code"] = String(code) }
        if let requestID = tikTokError?.requestID { data["tiktok_request_id"] = requestID }
        var events: [ConnectionEvent] = []
        if tikTokError != nil {
            events.append(ConnectionEvent(type: .refreshFailed, connectionID: record.id, occurredAt: time, data: data))
        }
        events.append(
            ConnectionEvent(
                type: .reauthorizationRequired, connectionID: record.id, occurredAt: time, data: ["reason": reason]))
        guard let stored = try await write(record, events: events) else {
            return try await loadRecord(id: record.id)
        }
        logger.notice(
            "Connection needs re-authorization",
            metadata: metadata(stored).merging(["reason": "\(reason)"], uniquingKeysWith: { $1 }))
        return stored
    }

    /// Records a transient failure: status unchanged, a retry scheduled with backoff, an event for the log.
    /// TikTok rejecting the app's own credentials (40101) is the instance's fault, not the connection's: it does not
    /// count as a failure of the connection, so its backoff does not grow (the retry comes as soon as after a first
    /// failure, ready for when the configuration is fixed).
    func recordTransientFailure(_ leased: ConnectionRecord, error: TikTokError) async throws {
        var record = leased
        let time = now()
        if error.category != .appCredentials {
            record.failureCount += 1
            if record.connection.failingSince == nil { record.connection.failingSince = time }
        }
        let retryAt = time.addingTimeInterval(schedule.failureBackoff(failures: max(1, record.failureCount)))
        record.nextActionAt = retryAt
        var data = ["reason": error.category.description, "definitive": "false", "attempts": String(record.failureCount)]
        if let code = error.code { data["tiktok_code"] = String(code) }
        if let requestID = error.requestID { data["tiktok_request_id"] = requestID }
        let event = ConnectionEvent(type: .refreshFailed, connectionID: record.id, occurredAt: time, data: data)
        _ = try await write(record, events: [event])
        logger.warning(
            "TikTok call failed transiently; will retry",
            metadata: metadata(record).merging(
                ["tiktok.error_category": "\(error.category)", "retry_in_s": "\(Int(retryAt.timeIntervalSince(time)))"],
                uniquingKeysWith: { $1 }))
    }

    /// Ends a connection's failure streak after a success: the failure count and ``Connection/failingSince`` are
    /// cleared, and when the connection was degraded (failing for at least ``Configuration/degradedAfter``) the
    /// `connection.recovered` event is returned for the same write.
    func clearFailures(_ record: inout ConnectionRecord, at time: Date) -> [ConnectionEvent] {
        record.failureCount = 0
        guard let since = record.connection.failingSince else { return [] }
        record.connection.failingSince = nil
        let failing = time.timeIntervalSince(since)
        guard failing >= configuration.degradedAfter else { return [] }
        return [
            ConnectionEvent(
                type: .connectionRecovered, connectionID: record.id, occurredAt: time,
                data: ["failing_since": since.formatted(.iso8601), "failing_seconds": String(Int(failing))])
        ]
    }
}
