import Foundation
import Logging
import Synchronization
import TikTokBusiness

/// What one sweep did.
public struct SweepReport: Sendable, Hashable {
    /// Connections claimed.
    public var claimed = 0
    /// Access tokens refreshed.
    public var refreshed = 0
    /// Liveness checks passed.
    public var checked = 0
    /// Warnings sent.
    public var warned = 0
    /// Connections moved to `reauthorization_required`.
    public var reauthorizationRequired = 0
    /// Transient failures (retried later).
    public var failed = 0

    /// An empty report.
    public init() {}
}

extension ConnectionManager {
    /// Claims up to `limit` connections with work due and does it with at most `concurrency` at once: refreshes,
    /// refresh-token warnings and lapses, liveness checks of non-expiring tokens.
    ///
    /// `jitter` staggers the start: each of the first `concurrency` connections waits a random delay of up to
    /// `jitter` before its work starts; every later one starts as soon as an earlier one ends (a delay before each
    /// would cap a sweep at about `concurrency` / (`jitter` / 2) connections per second).
    public func sweep(limit: Int = 100, concurrency: Int = 8, jitter: Duration = .zero) async throws -> SweepReport {
        let time = now()
        let owner = configuration.instanceID
        // The claim runs in a task of its own: cancelled halfway (a graceful shutdown), it could commit leases whose
        // rows never reach us, and nobody would release them before they lapse.
        let claimed = try await Task {
            try await self.storeCall {
                try await self.store.claimDue(
                    now: time, limit: limit, owner: owner,
                    leaseUntil: time.addingTimeInterval(self.configuration.leaseDuration))
            }
        }.value
        var report = SweepReport()
        report.claimed = claimed.count
        guard !claimed.isEmpty else { return report }
        // Claimed connections whose work has not started: if the sweep is cancelled (a graceful shutdown), their
        // leases are released, so that another instance takes them over now rather than when the leases lapse.
        let unstarted = UnstartedClaims(claimed.map(\.id))
        if Task.isCancelled {
            await releaseUnstarted(unstarted, owner: owner)
            throw CancellationError()
        }
        do {
            try await withThrowingTaskGroup(of: SweepReport.self) { group in
                var pending = claimed[...]
                func startNext(staggered: Bool) {
                    guard let record = pending.popFirst() else { return }
                    group.addTask {
                        if staggered, jitter > .zero {
                            let nanos = Int64.random(
                                in: 0...jitter.components.seconds * 1_000_000_000 + jitter.components.attoseconds
                                    / 1_000_000_000)
                            try await Task.sleep(for: .nanoseconds(nanos))
                        }
                        guard unstarted.start(record.id) else { return SweepReport() }
                        // Once started, a connection's work runs to its end in a task of its own (a cancelled
                        // database call could leave a lease behind, or a refresh's answer unstored).
                        return await Task { await self.processDue(record) }.value
                    }
                }
                for _ in 0..<max(1, concurrency) { startNext(staggered: true) }
                while let partial = try await group.next() {
                    report.refreshed += partial.refreshed
                    report.checked += partial.checked
                    report.warned += partial.warned
                    report.reauthorizationRequired += partial.reauthorizationRequired
                    report.failed += partial.failed
                    if !Task.isCancelled { startNext(staggered: false) }
                }
            }
        } catch {
            await releaseUnstarted(unstarted, owner: owner)
            throw error
        }
        if Task.isCancelled { await releaseUnstarted(unstarted, owner: owner) }
        return report
    }

    /// Releases the leases of claimed connections whose work never started, in a task of its own (the sweep's task
    /// may be cancelled, and a cancelled task's database calls may not run).
    private func releaseUnstarted(_ unstarted: UnstartedClaims, owner: String) async {
        let ids = unstarted.takeAll()
        guard !ids.isEmpty else { return }
        await Task {
            for id in ids { try? await self.store.releaseLease(id: id, owner: owner) }
        }.value
        logger.notice(
            "Released the leases of connections claimed but not started", metadata: ["count": "\(ids.count)"])
    }

    /// Does whatever is due for one leased record. Never throws: failures are recorded, and the lease lapses if
    /// even that fails.
    func processDue(_ leased: ConnectionRecord) async -> SweepReport {
        var report = SweepReport()
        do {
            var record = leased
            let time = now()
            guard record.connection.status == .active else {
                record.nextActionAt = nil
                _ = try await write(record, events: [])
                return report
            }
            if record.connection.kind.hasExpiringTokens {
                if let lapse = record.connection.refreshTokenExpiresAt, lapse <= time {
                    _ = try await markReauthorizationRequired(record, reason: "refresh_token_expired", tikTokError: nil)
                    report.reauthorizationRequired += 1
                    return report
                }
                let warnings = schedule.dueWarnings(record, now: time)
                var events: [ConnectionEvent] = []
                if let smallest = warnings.min(), let lapse = record.connection.refreshTokenExpiresAt {
                    let daysLeft = Int((lapse.timeIntervalSince(time) / 86_400).rounded(.up))
                    events.append(
                        ConnectionEvent(
                            type: .refreshTokenExpiring, connectionID: record.id, occurredAt: time,
                            data: [
                                "days_left": String(daysLeft), "warning_days": String(smallest),
                                "refresh_token_expires_at": Self.iso8601(lapse),
                            ]))
                    record.warningsSent = Array(Set(record.warningsSent + warnings)).sorted(by: >)
                    report.warned += 1
                }
                let due = schedule.refreshDue(record.connection).map { $0 <= time } ?? false
                if !events.isEmpty || !due {
                    record.nextActionAt = schedule.nextAction(for: record)
                    guard let stored = try await write(record, events: events) else { return report }
                    record = stored
                    if !due { return report }
                    // Re-take the lease the write released, to refresh under it.
                    guard
                        let leasedAgain = try await store.claim(
                            id: record.id, now: time, owner: configuration.instanceID,
                            leaseUntil: time.addingTimeInterval(configuration.leaseDuration))
                    else { return report }
                    record = leasedAgain
                }
                let claimed = record
                let refreshed = try await sharedFlight(id: record.id) {
                    // Renew the lease right before calling TikTok (a large batch may have waited for its turn), so
                    // that the whole lease covers the call and the write; refresh only what was claimed: if anything
                    // wrote meanwhile (an on-demand refresh), use that.
                    let renewedAt = self.now()
                    let leaseUntil = renewedAt.addingTimeInterval(self.configuration.leaseDuration)
                    guard
                        let renewed = try await self.storeCall({
                            try await self.store.claim(
                                id: claimed.id, now: renewedAt, owner: self.configuration.instanceID,
                                leaseUntil: leaseUntil)
                        })
                    else {
                        // Our lease lapsed and another instance holds it now: its refresh stands.
                        return try await self.loadRecord(id: claimed.id)
                    }
                    return try await self.refreshClaimed(
                        renewed, leaseUntil: leaseUntil, claimedAt: renewedAt,
                        trigger: .sweep(claimedVersion: claimed.version))
                }
                if refreshed.connection.status == .active {
                    report.refreshed += 1
                } else {
                    report.reauthorizationRequired += 1
                }
            } else {
                let outcome = try await checkLiveness(record)
                if outcome { report.checked += 1 } else { report.reauthorizationRequired += 1 }
            }
        } catch let error as ConnectionError where error.code == .tikTokUnavailable {
            report.failed += 1
        } catch {
            report.failed += 1
            logger.error(
                "Maintenance of a connection failed",
                metadata: metadata(leased).merging(["error": "\(error)"], uniquingKeysWith: { $1 }))
        }
        return report
    }

    /// Whether a liveness check's failure means the token is dead (the connection needs re-authorization).
    static func revokesToken(_ error: TikTokError) -> Bool { error.category == .accessTokenInvalid }

    /// Checks a non-expiring token with TikTok and tracks the advertisers (or TTCM accounts) it covers.
    /// Returns `false` when the token turned out revoked.
    func checkLiveness(_ leased: ConnectionRecord) async throws -> Bool {
        var record = leased
        let token = try open(record.accessToken, of: record, field: .accessToken)
        let current: [String]
        var names: [String: String] = [:]
        do {
            switch record.connection.kind {
            case .advertiser:
                let advertisers = try await VaultTracing.tikTokCall(
                    VaultTracing.livenessCheck, connection: record.connection, definitive: Self.revokesToken
                ) { try await client.authorizedAdvertisers(accessToken: token) }
                current = advertisers.map(\.advertiserID)
                for advertiser in advertisers { names[advertiser.advertiserID] = advertiser.advertiserName }
            default:
                current = try await VaultTracing.tikTokCall(
                    VaultTracing.livenessCheck, connection: record.connection, definitive: Self.revokesToken
                ) { try await client.tcmAccountIDs(accessToken: token) }
                // Names of accounts not named yet (a TTCM grant covers one account, or a few).
                let unnamed = current.filter { record.connection.names[$0] == nil }.prefix(5)
                names = await tcmAccountNames(Array(unnamed), accessToken: token)
            }
            noteTikTokOutcome(nil)
        } catch let error as TikTokError {
            noteTikTokOutcome(error)
            if Self.revokesToken(error) {
                let stored = try await markReauthorizationRequired(
                    record, reason: "access_token_revoked", tikTokError: error)
                return stored.connection.status == .active
            }
            try await recordTransientFailure(record, error: error)
            throw ConnectionError(
                .tikTokUnavailable, "The liveness check failed transiently: \(error.message)", connectionID: record.id,
                tikTokError: error)
        }
        let time = now()
        let previous =
            record.connection.kind == .advertiser ? record.connection.advertiserIDs : record.connection.tcmAccountIDs
        var events: [ConnectionEvent] = []
        if Set(previous) != Set(current) {
            let added = current.filter { !previous.contains($0) }
            let removed = previous.filter { !current.contains($0) }
            events.append(
                ConnectionEvent(
                    type: .advertisersChanged, connectionID: record.id, occurredAt: time,
                    data: ["added": added.joined(separator: ","), "removed": removed.joined(separator: ",")]))
            if record.connection.kind == .advertiser {
                record.connection.advertiserIDs = current
            } else {
                record.connection.tcmAccountIDs = current
            }
            record.connection.updatedAt = time
        }
        record.connection.lastCheckedAt = time
        record.connection.applyNames(names, keeping: current)
        events += clearFailures(&record, at: time)
        record.nextActionAt = schedule.nextAction(for: record)
        _ = try await write(record, events: events)
        return true
    }

    /// Checks a non-expiring connection with TikTok now (the periodic liveness check, on demand).
    @discardableResult
    public func checkLiveness(id: String) async throws -> Connection {
        let time = now()
        guard
            let record = try await storeCall({
                try await self.store.claim(
                    id: id, now: time, owner: self.configuration.instanceID,
                    leaseUntil: time.addingTimeInterval(self.configuration.leaseDuration))
            })
        else {
            _ = try await loadRecord(id: id)
            throw ConnectionError(
                .tikTokUnavailable, "Another instance is working on this connection.", connectionID: id)
        }
        guard !record.connection.kind.hasExpiringTokens, record.connection.status == .active else {
            try? await store.releaseLease(id: id, owner: configuration.instanceID)
            try ensureUsable(record)
            throw ConnectionError(
                .invalidRequest, "Only advertiser and TTCM account connections are checked.", connectionID: id)
        }
        _ = try await checkLiveness(record)
        return try await loadRecord(id: id).connection
    }
}

/// The claimed connections of a sweep whose work has not started.
final class UnstartedClaims: Sendable {
    private let ids: Mutex<Set<String>>

    init(_ ids: [String]) { self.ids = Mutex(Set(ids)) }

    /// Marks `id` started; `false` when it was already taken (released after a cancellation).
    func start(_ id: String) -> Bool { ids.withLock { $0.remove(id) != nil } }

    /// Every id not started, leaving none.
    func takeAll() -> Set<String> {
        ids.withLock { ids in
            defer { ids.removeAll() }
            return ids
        }
    }
}
