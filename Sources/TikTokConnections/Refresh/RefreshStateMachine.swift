import Foundation
import TikTokBusiness

/// The decisions of one refresh of an account or creator connection, as a pure state machine (after PostgresNIO's
/// connection state machines): the manager reports what happened (the lease was claimed, TikTok answered, a write
/// succeeded, failed or lost to a newer version) and does what the machine answers (call TikTok, store the pair, wait
/// and retry, re-apply onto the newer record, drop the pair, mark, release the lease). The machine does no I/O and
/// reads no clock: every time comes with the event, from the manager's injected `now()`.
///
/// The rules it holds:
/// - a refresh that finds the work done (another caller's refresh, a revocation) gives the lease back without a write;
/// - a refresh token past its lapse is never sent: the connection needs re-authorization;
/// - a lease renewed after a long wait for a QPS slot may show a newer version: re-sealed by a key rotation (same
///   refresh token, refresh it), or refreshed or marked by an instance that took the connection over (give up);
/// - only a definitive refusal (``isDefinitive(_:additionalCodes:)``) asks the user to authorize again; anything else
///   keeps the status and schedules a retry with backoff, and TikTok rejecting the app's own credentials is not the
///   connection's failure (no streak, no growing backoff);
/// - once TikTok has answered, the new pair (with rotation, the only valid refresh token) is kept until it is stored:
///   store failures are retried without a deadline, with backoff capped at
///   ``ConnectionManager/Configuration/storeRetryCap``, renewing the lease before each retry; a version conflict
///   re-applies the pair onto the newer record (restoring a connection marked `reauthorization_required` meanwhile,
///   since the refresh token it was refused for is the one this pair replaced); only a newer write that replaced the
///   refresh token (a re-authorization, another refresh) or revoked the connection makes the pair obsolete;
/// - a success ends the failure streak, with `connection.recovered` when the connection was degraded.
///
/// Events out of order are the manager's bugs: they stop the process (`preconditionFailure`), as in PostgresNIO.
struct RefreshStateMachine: Sendable {
    /// Why the lease was claimed, which decides when a refresh is unnecessary.
    enum Trigger: Sendable, Hashable {
        /// A refresh on demand (``ConnectionManager/accessToken(for:)``, ``ConnectionManager/refresh(id:)``, TikTok
        /// refusing a token) that read version `startVersion` before it waited for the lease. `force` refreshes even a
        /// fresh token that nobody else refreshed; `refusedTokenReplaced` (when a refusal triggered it) tells whether
        /// the stored access token is no longer the refused one.
        case onDemand(force: Bool, startVersion: Int, refusedTokenReplaced: Bool?)
        /// The sweeper renewing, right before the refresh, the lease of a connection it claimed at `claimedVersion`.
        case sweep(claimedVersion: Int)
    }

    /// What became of the lease while the refresh waited for its QPS slot.
    enum SlotLease: Sendable {
        /// The wait was short: the lease taken before it holds.
        case kept
        /// The wait was long, and the lease is renewed until `until`; `record` is the stored connection, which may be
        /// a newer version than the one the refresh started from, and `refreshToken` its refresh token, opened (`nil`
        /// when it has none or it cannot be opened).
        case renewed(ConnectionRecord, until: Date, refreshToken: String?)
        /// Another instance holds the lease now (or the connection is gone): the refresh must not call TikTok.
        case lost
    }

    /// A refreshed pair held in memory until it is stored.
    struct PendingPair: Sendable {
        /// TikTok's answer.
        var grant: AccountTokenGrant
        /// When TikTok answered (the new expiry times count from it).
        var obtainedAt: Date
        /// The refresh token TikTok took for the pair.
        var usedRefreshToken: String
        /// The stored version the next write is based on.
        var base: ConnectionRecord
        /// `token.refreshed`, made once: every write attempt carries the same event id.
        var event: ConnectionEvent
        /// Store failures so far (writes or reads that threw).
        var storeFailures = 0
        /// Writes that lost to a newer version so far.
        var conflicts = 0
    }

    /// One attempt to store a refreshed pair: everything but the sealed tokens, which are sealed at the write (under
    /// the key ring current then) by ``sealed(by:)``.
    struct PairWrite: Sendable {
        /// The record to write, its tokens still the previous ones until ``sealed(by:)``.
        var unsealed: ConnectionRecord
        /// The pair.
        var grant: AccountTokenGrant
        /// `token.refreshed` (with `restored_from` when restored), and `connection.recovered` when the connection was
        /// degraded.
        var events: [ConnectionEvent]
        /// Renew the lease before writing (after a store failure, the lease may have lapsed meanwhile).
        var renewLeaseFirst: Bool

        /// The record to write, with the pair sealed by `seal` (token, field).
        func sealed(by seal: (String, TokenCipher.Field) throws -> SealedToken) throws -> ConnectionRecord {
            var record = unsealed
            record.accessToken = try seal(grant.accessToken, .accessToken)
            record.refreshToken = try seal(grant.refreshToken, .refreshToken)
            return record
        }
    }

    /// A move to `reauthorization_required`, ready to write.
    struct ReauthorizationMark: Sendable {
        /// The record to write.
        var record: ConnectionRecord
        /// `refresh.failed` (when TikTok refused) and `reauthorization_required`.
        var events: [ConnectionEvent]
        /// `refresh_token_expired`, `refresh_token_invalid` or `access_token_revoked`.
        var reason: String
        /// TikTok's definitive refusal, when that is the reason.
        var tikTokError: TikTokError?
    }

    /// A transient failure, ready to write: status unchanged, a retry scheduled.
    struct TransientFailure: Sendable {
        /// The record to write.
        var record: ConnectionRecord
        /// `refresh.failed` with `definitive: false`.
        var events: [ConnectionEvent]
        /// When the refresh or check failed.
        var failedAt: Date
        /// When the vault tries again.
        var retryAt: Date
        /// TikTok's answer.
        var error: TikTokError
    }

    enum State: Sendable {
        /// Nothing claimed yet.
        case initialized
        /// The lease is held; the refresh has not started.
        case leased(ConnectionRecord, leaseUntil: Date)
        /// The refresh token is being opened and a QPS slot taken.
        case takingSlot(ConnectionRecord, leaseUntil: Date)
        /// TikTok is being asked for a new pair.
        case callingTikTok(ConnectionRecord, refreshToken: String)
        /// A write of the pair is under way.
        case storingPair(PendingPair)
        /// The write lost to a newer version, which is being read.
        case loadingNewerRecord(PendingPair)
        /// A store call failed; the pair waits for the next attempt.
        case waitingToRetryStore(PendingPair)
        /// Done: the machine has no more to say (the manager writes the mark or the failure, or returns).
        case finished
    }

    enum Action: Sendable {
        /// Give the lease back without writing and return `record`: the work is done (another caller's result
        /// stands) or not to be done (the connection is no longer active).
        case releaseLease(returning: ConnectionRecord)
        /// Refresh `record` under the lease: report ``refreshStarted(at:)``.
        case refresh(ConnectionRecord, leaseUntil: Date)
        /// Open `record`'s refresh token, take a slot of the app's QPS budget (renewing the lease after a long wait),
        /// and report ``slotTaken(_:refreshToken:)``.
        case takeQPSSlot(ConnectionRecord, leaseUntil: Date)
        /// The lease was lost while waiting for the slot: return the stored record (or `record` when it is gone);
        /// the instance holding the lease refreshes.
        case leaveToLeaseHolder(ConnectionRecord)
        /// Ask TikTok for a new pair with `refreshToken`; report ``tikTokAnswered(_:at:)`` or
        /// ``tikTokFailed(_:at:)``.
        case callTikTok(ConnectionRecord, refreshToken: String)
        /// Write the pair (renewing the lease first when asked); report ``pairStored(_:)``, ``pairConflicted()`` or
        /// ``storeFailed()``.
        case storePair(PairWrite)
        /// Read the version that won the write; report ``newerRecordLoaded(_:refreshToken:)`` or ``storeFailed()``.
        case loadNewerRecord(id: String)
        /// Wait `delay` seconds (attempt `attempt` failed), then report ``retryDelayElapsed()``.
        case retryStore(after: TimeInterval, attempt: Int)
        /// The pair is stored as `record`, after `storeFailures` failed attempts.
        case pairStored(ConnectionRecord, storeFailures: Int)
        /// Drop the pair and return `newer`: it replaced the refresh token (a re-authorization, another refresh) or
        /// revoked the connection, which supersedes the pair.
        case dropPair(keeping: ConnectionRecord)
        /// The connection kept changing under the write (a write lost to a newer version 20 times): fail with a
        /// store failure.
        case giveUpStoring(connectionID: String)
        /// Write the mark (which releases the lease).
        case markReauthorizationRequired(ReauthorizationMark)
        /// Write the failure (which releases the lease), then fail the refresh as
        /// ``ConnectionError/Code/tikTokUnavailable``.
        case recordTransientFailure(TransientFailure)
    }

    /// The most writes of one pair that may lose to a newer version.
    static let maximumConflicts = 20

    private(set) var state: State = .initialized
    let configuration: ConnectionManager.Configuration
    let schedule: MaintenanceSchedule

    init(configuration: ConnectionManager.Configuration) {
        self.configuration = configuration
        self.schedule = MaintenanceSchedule(configuration: configuration)
    }

    // MARK: Events

    /// The lease on `record` was taken (or renewed) at `now`, until `leaseUntil`.
    mutating func claimed(_ record: ConnectionRecord, leaseUntil: Date, at now: Date, trigger: Trigger) -> Action {
        guard case .initialized = state else { preconditionFailure("claimed in \(state)") }
        let refresh: Bool
        switch trigger {
        case .onDemand(let force, let startVersion, let refusedTokenReplaced):
            let fresh =
                record.connection.accessTokenExpiresAt.map {
                    $0.timeIntervalSince(now) > schedule.accessTokenSkew(for: record.connection)
                } ?? true
            // Another caller refreshed (or revoked) while we waited for the lease: use its result.
            refresh =
                !(record.connection.status != .active || (record.version != startVersion && fresh)
                || (!force && fresh) || refusedTokenReplaced == true)
        case .sweep(let claimedVersion):
            // Refresh only what was claimed: if anything wrote meanwhile (an on-demand refresh), use that.
            refresh = record.version == claimedVersion
        }
        guard refresh else {
            state = .finished
            return .releaseLease(returning: record)
        }
        state = .leased(record, leaseUntil: leaseUntil)
        return .refresh(record, leaseUntil: leaseUntil)
    }

    /// The refresh of the leased record starts at `now`.
    mutating func refreshStarted(at now: Date) -> Action {
        guard case .leased(let record, let leaseUntil) = state else {
            preconditionFailure("refreshStarted in \(state)")
        }
        if let lapse = record.connection.refreshTokenExpiresAt, lapse <= now {
            state = .finished
            return .markReauthorizationRequired(
                Self.reauthorizationMark(record, reason: "refresh_token_expired", tikTokError: nil, at: now))
        }
        state = .takingSlot(record, leaseUntil: leaseUntil)
        return .takeQPSSlot(record, leaseUntil: leaseUntil)
    }

    /// A QPS slot was taken; `refreshToken` is the leased record's refresh token, opened.
    mutating func slotTaken(_ lease: SlotLease, refreshToken: String) -> Action {
        guard case .takingSlot(var record, _) = state else { preconditionFailure("slotTaken in \(state)") }
        switch lease {
        case .kept:
            break
        case .lost:
            // Another instance took the connection over while this one waited for its turn: it refreshes, not us.
            state = .finished
            return .leaveToLeaseHolder(record)
        case .renewed(let renewed, _, let current):
            if renewed.version != record.version {
                // Written while this one waited: re-sealed by a key rotation (the same refresh token: refresh the
                // stored version), or refreshed or marked by an instance that took the connection over while the
                // lease had lapsed (nothing left to do: give the lease back).
                guard renewed.connection.status == .active, current == refreshToken else {
                    state = .finished
                    return .releaseLease(returning: renewed)
                }
                record = renewed
            }
        }
        state = .callingTikTok(record, refreshToken: refreshToken)
        return .callTikTok(record, refreshToken: refreshToken)
    }

    /// TikTok answered the refresh with `grant` at `now`.
    mutating func tikTokAnswered(_ grant: AccountTokenGrant, at now: Date) -> Action {
        guard case .callingTikTok(let record, let refreshToken) = state else {
            preconditionFailure("tikTokAnswered in \(state)")
        }
        let event = ConnectionEvent(
            type: .tokenRefreshed, connectionID: record.id, occurredAt: now,
            data: [
                "access_token_expires_at": ConnectionManager.iso8601(now.addingTimeInterval(Double(grant.expiresIn))),
                "refresh_token_rotated": grant.refreshToken != refreshToken ? "true" : "false",
            ])
        let pair = PendingPair(
            grant: grant, obtainedAt: now, usedRefreshToken: refreshToken, base: record, event: event)
        return store(pair)
    }

    /// TikTok refused the refresh (or could not be reached) at `now`.
    mutating func tikTokFailed(_ error: TikTokError, at now: Date) -> Action {
        guard case .callingTikTok(let record, _) = state else { preconditionFailure("tikTokFailed in \(state)") }
        state = .finished
        if Self.isDefinitive(error, additionalCodes: configuration.additionalDefinitiveRefreshCodes) {
            return .markReauthorizationRequired(
                Self.reauthorizationMark(record, reason: "refresh_token_invalid", tikTokError: error, at: now))
        }
        return .recordTransientFailure(Self.transientFailure(record, error: error, at: now, schedule: schedule))
    }

    /// The pair was stored as `stored`.
    mutating func pairStored(_ stored: ConnectionRecord) -> Action {
        guard case .storingPair(let pair) = state else { preconditionFailure("pairStored in \(state)") }
        state = .finished
        return .pairStored(stored, storeFailures: pair.storeFailures)
    }

    /// The write of the pair lost to a newer version.
    mutating func pairConflicted() -> Action {
        guard case .storingPair(var pair) = state else { preconditionFailure("pairConflicted in \(state)") }
        pair.conflicts += 1
        state = .loadingNewerRecord(pair)
        return .loadNewerRecord(id: pair.base.id)
    }

    /// The version that won is `newer`; `refreshToken` is its refresh token, opened (`nil` when it has none or it
    /// cannot be opened).
    mutating func newerRecordLoaded(_ newer: ConnectionRecord, refreshToken: String?) -> Action {
        guard case .loadingNewerRecord(var pair) = state else { preconditionFailure("newerRecordLoaded in \(state)") }
        guard newer.connection.status != .revoked, refreshToken == pair.usedRefreshToken else {
            state = .finished
            return .dropPair(keeping: newer)
        }
        pair.base = newer
        guard pair.conflicts < Self.maximumConflicts else {
            state = .finished
            return .giveUpStoring(connectionID: newer.id)
        }
        return store(pair)
    }

    /// A write of the pair, or the read of the newer version, failed (a store failure).
    mutating func storeFailed() -> Action {
        let pair: PendingPair
        switch state {
        case .storingPair(let current), .loadingNewerRecord(let current):
            pair = current
        default:
            preconditionFailure("storeFailed in \(state)")
        }
        var next = pair
        next.storeFailures += 1
        state = .waitingToRetryStore(next)
        let delay = min(configuration.storeRetryCap, 0.1 * Double(1 << min(next.storeFailures, 10)))
        return .retryStore(after: delay, attempt: next.storeFailures)
    }

    /// The pause after a store failure is over.
    mutating func retryDelayElapsed() -> Action {
        guard case .waitingToRetryStore(let pair) = state else { preconditionFailure("retryDelayElapsed in \(state)") }
        // The read after the last allowed conflict failed: the write would only lose again.
        guard pair.conflicts < Self.maximumConflicts else {
            state = .finished
            return .giveUpStoring(connectionID: pair.base.id)
        }
        return store(pair)
    }

    /// The next write of `pair`, onto its base.
    private mutating func store(_ pair: PendingPair) -> Action {
        state = .storingPair(pair)
        var base = pair.base
        var events = [pair.event]
        if base.connection.status == .reauthorizationRequired {
            // Restored before the pair is applied, so that the schedule sees an active connection.
            base.connection.status = .active
            base.connection.statusReason = nil
            events[0].data["restored_from"] = ConnectionStatus.reauthorizationRequired.rawValue
        }
        var next = Self.applying(pair.grant, obtainedAt: pair.obtainedAt, to: base, schedule: schedule)
        events += Self.clearingFailures(&next, at: pair.obtainedAt, degradedAfter: configuration.degradedAfter)
        return .storePair(
            PairWrite(unsealed: next, grant: pair.grant, events: events, renewLeaseFirst: pair.storeFailures > 0))
    }

    // MARK: Pure decisions shared with the sweeper and the liveness check

    /// Whether TikTok's refusal of a refresh means the refresh token is unusable (the user must authorize again):
    /// an invalid authorization code or refresh token (40110), an invalid access token (40102/40104/40105), or one
    /// of `additionalCodes`.
    static func isDefinitive(_ error: TikTokError, additionalCodes: Set<Int>) -> Bool {
        if error.category == .authCodeInvalid || error.category == .accessTokenInvalid { return true }
        if let code = error.code, additionalCodes.contains(code) { return true }
        return false
    }

    /// `base` with a freshly refreshed pair's times and scopes applied and its next action scheduled; its sealed
    /// tokens are left to the caller.
    static func applying(
        _ grant: AccountTokenGrant, obtainedAt time: Date, to base: ConnectionRecord, schedule: MaintenanceSchedule
    ) -> ConnectionRecord {
        var record = base
        record.connection.accessTokenExpiresAt = time.addingTimeInterval(Double(grant.expiresIn))
        record.connection.refreshTokenExpiresAt = time.addingTimeInterval(Double(grant.refreshTokenExpiresIn))
        record.connection.lastRefreshedAt = time
        record.connection.updatedAt = time
        if !grant.scopes.isEmpty { record.connection.scopes = grant.scopes }
        record.failureCount = 0
        record.nextActionAt = schedule.nextAction(for: record)
        return record
    }

    /// `leased` moved to `reauthorization_required` for `reason` at `time`, with its events.
    static func reauthorizationMark(
        _ leased: ConnectionRecord, reason: String, tikTokError: TikTokError?, at time: Date
    ) -> ReauthorizationMark {
        var record = leased
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
        return ReauthorizationMark(record: record, events: events, reason: reason, tikTokError: tikTokError)
    }

    /// `leased` after a transient failure at `time`: status unchanged, a retry scheduled with backoff, an event for
    /// the log. TikTok rejecting the app's own credentials (40101) is the instance's fault, not the connection's: it
    /// does not count as a failure of the connection, so its backoff does not grow (the retry comes as soon as after
    /// a first failure, ready for when the configuration is fixed).
    static func transientFailure(
        _ leased: ConnectionRecord, error: TikTokError, at time: Date, schedule: MaintenanceSchedule
    ) -> TransientFailure {
        var record = leased
        if error.category != .appCredentials {
            record.failureCount += 1
            if record.connection.failingSince == nil { record.connection.failingSince = time }
        }
        let retryAt = time.addingTimeInterval(schedule.failureBackoff(failures: max(1, record.failureCount)))
        record.nextActionAt = retryAt
        var data = [
            "reason": error.category.description, "definitive": "false", "attempts": String(record.failureCount),
        ]
        if let code = error.code { data["tiktok_code"] = String(code) }
        if let requestID = error.requestID { data["tiktok_request_id"] = requestID }
        let event = ConnectionEvent(type: .refreshFailed, connectionID: record.id, occurredAt: time, data: data)
        return TransientFailure(record: record, events: [event], failedAt: time, retryAt: retryAt, error: error)
    }

    /// Ends a connection's failure streak after a success at `time`: the failure count and
    /// ``Connection/failingSince`` are cleared, and when the connection was degraded (failing for at least
    /// `degradedAfter`) the `connection.recovered` event is returned for the same write.
    static func clearingFailures(_ record: inout ConnectionRecord, at time: Date, degradedAfter: TimeInterval)
        -> [ConnectionEvent]
    {
        record.failureCount = 0
        guard let since = record.connection.failingSince else { return [] }
        record.connection.failingSince = nil
        let failing = time.timeIntervalSince(since)
        guard failing >= degradedAfter else { return [] }
        return [
            ConnectionEvent(
                type: .connectionRecovered, connectionID: record.id, occurredAt: time,
                data: ["failing_since": since.formatted(.iso8601), "failing_seconds": String(Int(failing))])
        ]
    }
}
