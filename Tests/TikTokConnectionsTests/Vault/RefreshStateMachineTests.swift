import Foundation
import Testing
import TikTokBusiness

@testable import TikTokConnections

/// The refresh's decisions without I/O: every event in every state of ``RefreshStateMachine``.
@Suite("Refresh state machine")
struct RefreshStateMachineTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let configuration = ConnectionManager.Configuration(
        redirectURIs: ConnectionManager.Configuration.redirectURIs(publicURL: "https://app.example"),
        additionalDefinitiveRefreshCodes: [40999])

    /// An active account connection refreshed an hour ago, its access token expiring in `expiresIn` seconds.
    static func record(
        expiresIn: TimeInterval = 86_400, status: ConnectionStatus = .active, version: Int = 3,
        refreshToken: String = "rt-1", failingSince: Date? = nil, failureCount: Int = 0
    ) -> ConnectionRecord {
        let connection = Connection(
            id: "conn_1", kind: .tiktokAccount, status: status,
            statusReason: status == .reauthorizationRequired ? "refresh_token_invalid" : nil,
            openID: "open-1", scopes: ["user.info.basic"], accessTokenExpiresAt: now.addingTimeInterval(expiresIn),
            refreshTokenExpiresAt: now.addingTimeInterval(300 * 86_400),
            lastRefreshedAt: now.addingTimeInterval(-3_600), failingSince: failingSince,
            createdAt: now.addingTimeInterval(-86_400 * 10), updatedAt: now.addingTimeInterval(-3_600))
        return ConnectionRecord(
            connection: connection, accessToken: SealedToken(keyID: "k1", box: Array("at-1".utf8)),
            refreshToken: SealedToken(keyID: "k1", box: Array(refreshToken.utf8)),
            nextActionAt: now.addingTimeInterval(expiresIn - 600), failureCount: failureCount, version: version)
    }

    static func grant(refreshToken: String = "rt-2", scopes: [String] = ["user.info.basic", "video.list"])
        -> AccountTokenGrant
    {
        AccountTokenGrant(
            accessToken: "at-2", scopes: scopes, expiresIn: 86_400,
            accessTokenExpiresAt: now.addingTimeInterval(86_400),
            refreshToken: refreshToken, refreshTokenExpiresIn: 365 * 86_400,
            refreshTokenExpiresAt: now.addingTimeInterval(365 * 86_400), openID: "open-1")
    }

    // MARK: States, reached by events

    enum Phase: String, CaseIterable, Sendable, Codable {
        case initialized, leased, takingSlot, callingTikTok, storingPair, loadingNewerRecord, waitingToRetryStore
        case finished
    }

    /// A machine in `phase`, reached through the events that lead there.
    static func machine(in phase: Phase, record: ConnectionRecord = record()) -> RefreshStateMachine {
        var machine = RefreshStateMachine(configuration: configuration)
        if phase == .initialized { return machine }
        _ = machine.claimed(
            record, leaseUntil: now.addingTimeInterval(120), at: now, trigger: .sweep(claimedVersion: record.version))
        if phase == .leased { return machine }
        _ = machine.refreshStarted(at: now)
        if phase == .takingSlot { return machine }
        _ = machine.slotTaken(.kept, refreshToken: "rt-1")
        if phase == .callingTikTok { return machine }
        _ = machine.tikTokAnswered(grant(), at: now)
        if phase == .storingPair { return machine }
        if phase == .finished {
            _ = machine.pairStored(record)
            return machine
        }
        _ = machine.pairConflicted()
        if phase == .loadingNewerRecord { return machine }
        _ = machine.storeFailed()
        return machine
    }

    @Test("the helper reaches every state")
    func everyStateIsReached() {
        for phase in Phase.allCases {
            let state = Self.machine(in: phase).state
            let name = String(describing: state).prefix { $0 != "(" }
            #expect(name == phase.rawValue)
        }
    }

    // MARK: claimed

    @Test("on demand: a token that is not fresh is refreshed, a forced one too, whatever the version")
    func onDemandRefreshes() {
        let leaseUntil = Self.now.addingTimeInterval(120)
        for (expiresIn, force, startVersion) in [(30.0, false, 3), (30, true, 3), (30, false, 2), (86_400, true, 3)] {
            var machine = RefreshStateMachine(configuration: Self.configuration)
            let record = Self.record(expiresIn: expiresIn)
            let action = machine.claimed(
                record, leaseUntil: leaseUntil, at: Self.now,
                trigger: .onDemand(force: force, startVersion: startVersion, refusedTokenReplaced: nil))
            guard case .refresh(let leased, let until) = action else {
                Issue.record("expected a refresh for \(expiresIn) \(force) \(startVersion), got \(action)")
                continue
            }
            #expect(leased == record)
            #expect(until == leaseUntil)
        }
    }

    @Test("on demand: the lease is released without a write when the work is done or not to be done")
    func onDemandReleases() {
        let cases: [(ConnectionRecord, Bool, Int, Bool?)] = [
            (Self.record(status: .reauthorizationRequired), true, 3, nil),  // not active
            (Self.record(status: .revoked), true, 3, nil),
            (Self.record(expiresIn: 86_400), false, 3, nil),  // fresh, not forced
            (Self.record(expiresIn: 86_400), true, 2, nil),  // fresh, written by another caller meanwhile
            (Self.record(expiresIn: 30), true, 3, true),  // the refused token was replaced meanwhile
        ]
        for (record, force, startVersion, replaced) in cases {
            var machine = RefreshStateMachine(configuration: Self.configuration)
            let action = machine.claimed(
                record, leaseUntil: Self.now.addingTimeInterval(120), at: Self.now,
                trigger: .onDemand(force: force, startVersion: startVersion, refusedTokenReplaced: replaced))
            guard case .releaseLease(let returned) = action else {
                Issue.record("expected a release, got \(action)")
                continue
            }
            #expect(returned == record)
            guard case .finished = machine.state else { Issue.record("not finished: \(machine.state)"); continue }
        }
    }

    @Test(
        "on demand: a refused token still stored is refreshed; fresh means beyond the skew, capped at half the lifetime"
    )
    func onDemandFreshness() {
        var machine = RefreshStateMachine(configuration: Self.configuration)
        let refused = machine.claimed(
            Self.record(expiresIn: 86_400), leaseUntil: Self.now, at: Self.now,
            trigger: .onDemand(force: true, startVersion: 3, refusedTokenReplaced: false))
        guard case .refresh = refused else { Issue.record("\(refused)"); return }
        // Lifetime one hour (refreshed an hour ago, expiring now + 61 s): skew 60 s, so 61 s left is fresh.
        for (left, fresh) in [(61.0, true), (60, false), (59, false)] {
            var machine = RefreshStateMachine(configuration: Self.configuration)
            let action = machine.claimed(
                Self.record(expiresIn: left), leaseUntil: Self.now, at: Self.now,
                trigger: .onDemand(force: false, startVersion: 3, refusedTokenReplaced: nil))
            switch action {
            case .releaseLease: #expect(fresh, "\(left) s left")
            case .refresh: #expect(!fresh, "\(left) s left")
            default: Issue.record("\(action)")
            }
        }
        // A token without an expiry is fresh.
        var record = Self.record()
        record.connection.accessTokenExpiresAt = nil
        var noExpiry = RefreshStateMachine(configuration: Self.configuration)
        let action = noExpiry.claimed(
            record, leaseUntil: Self.now, at: Self.now,
            trigger: .onDemand(force: false, startVersion: 3, refusedTokenReplaced: nil))
        guard case .releaseLease = action else { Issue.record("\(action)"); return }
    }

    @Test("sweep: only the claimed version is refreshed")
    func sweepClaims() {
        var same = RefreshStateMachine(configuration: Self.configuration)
        guard
            case .refresh = same.claimed(
                Self.record(), leaseUntil: Self.now, at: Self.now, trigger: .sweep(claimedVersion: 3))
        else { Issue.record("no refresh"); return }
        var moved = RefreshStateMachine(configuration: Self.configuration)
        guard
            case .releaseLease(let record) = moved.claimed(
                Self.record(version: 4), leaseUntil: Self.now, at: Self.now, trigger: .sweep(claimedVersion: 3))
        else { Issue.record("no release"); return }
        #expect(record.version == 4)
    }

    // MARK: refreshStarted

    @Test("a lapsed refresh token is never sent: the connection needs re-authorization")
    func lapsedRefreshToken() throws {
        for lapse in [Self.now, Self.now.addingTimeInterval(-1)] {
            var record = Self.record()
            record.connection.refreshTokenExpiresAt = lapse
            var machine = RefreshStateMachine(configuration: Self.configuration)
            _ = machine.claimed(record, leaseUntil: Self.now, at: Self.now, trigger: .sweep(claimedVersion: 3))
            guard case .markReauthorizationRequired(let mark) = machine.refreshStarted(at: Self.now) else {
                Issue.record("no mark")
                continue
            }
            #expect(mark.reason == "refresh_token_expired")
            #expect(mark.tikTokError == nil)
            #expect(mark.record.connection.status == .reauthorizationRequired)
            #expect(mark.record.connection.statusReason == "refresh_token_expired")
            #expect(mark.record.connection.updatedAt == Self.now)
            #expect(mark.record.nextActionAt == nil)
            #expect(mark.record.refreshToken == record.refreshToken)
            #expect(mark.events.map(\.type) == [.reauthorizationRequired])
            #expect(mark.events[0].data == ["reason": "refresh_token_expired"])
        }
    }

    @Test("a refresh token that has not lapsed (or never does) goes to TikTok after a QPS slot")
    func takesSlot() {
        var never = Self.record()
        never.connection.refreshTokenExpiresAt = nil
        for record in [Self.record(), never] {
            var machine = RefreshStateMachine(configuration: Self.configuration)
            let leaseUntil = Self.now.addingTimeInterval(120)
            _ = machine.claimed(record, leaseUntil: leaseUntil, at: Self.now, trigger: .sweep(claimedVersion: 3))
            guard case .takeQPSSlot(let leased, let until) = machine.refreshStarted(at: Self.now) else {
                Issue.record("no slot")
                continue
            }
            #expect(leased == record)
            #expect(until == leaseUntil)
        }
    }

    // MARK: slotTaken

    @Test("the lease kept, or renewed at the same version: TikTok is called with the leased record")
    func slotKept() {
        let record = Self.record()
        for lease in [
            RefreshStateMachine.SlotLease.kept,
            .renewed(Self.record(), until: Self.now.addingTimeInterval(200), refreshToken: "rt-1"),
        ] {
            var machine = Self.machine(in: .takingSlot, record: record)
            guard case .callTikTok(let called, let token) = machine.slotTaken(lease, refreshToken: "rt-1") else {
                Issue.record("no call")
                continue
            }
            #expect(called == record)
            #expect(token == "rt-1")
        }
    }

    @Test("the lease lost while waiting for the slot: the holder refreshes")
    func slotLost() {
        var machine = Self.machine(in: .takingSlot)
        guard case .leaveToLeaseHolder(let record) = machine.slotTaken(.lost, refreshToken: "rt-1") else {
            Issue.record("not left")
            return
        }
        #expect(record == Self.record())
        guard case .finished = machine.state else { Issue.record("\(machine.state)"); return }
    }

    @Test("renewed at a newer version with the same refresh token (a key rotation): the newer version is refreshed")
    func slotRenewedResealed() {
        var resealed = Self.record(version: 4)
        resealed.refreshToken = SealedToken(keyID: "k2", box: [1, 2, 3])
        var machine = Self.machine(in: .takingSlot)
        let action = machine.slotTaken(
            .renewed(resealed, until: Self.now.addingTimeInterval(200), refreshToken: "rt-1"), refreshToken: "rt-1")
        guard case .callTikTok(let called, let token) = action else { Issue.record("\(action)"); return }
        #expect(called == resealed)
        #expect(token == "rt-1")
    }

    @Test("renewed at a newer version refreshed, marked, revoked or unreadable: the lease is given back")
    func slotRenewedSuperseded() {
        let newer: [(ConnectionRecord, String?)] = [
            (Self.record(version: 4, refreshToken: "rt-9"), "rt-9"),
            (Self.record(status: .reauthorizationRequired, version: 4), "rt-1"),
            (Self.record(status: .revoked, version: 4), nil),
            (Self.record(version: 4), nil),
        ]
        for (renewed, token) in newer {
            var machine = Self.machine(in: .takingSlot)
            let action = machine.slotTaken(
                .renewed(renewed, until: Self.now.addingTimeInterval(200), refreshToken: token), refreshToken: "rt-1")
            guard case .releaseLease(let returned) = action else { Issue.record("\(action)"); continue }
            #expect(returned == renewed)
        }
    }

    // MARK: tikTokAnswered

    @Test("TikTok's pair is applied: expiries from the answer's time, scopes, the schedule, no streak")
    func answerApplied() throws {
        var machine = Self.machine(in: .callingTikTok, record: Self.record(failureCount: 2))
        let answeredAt = Self.now.addingTimeInterval(2)
        guard case .storePair(let pair) = machine.tikTokAnswered(Self.grant(), at: answeredAt) else {
            Issue.record("no store")
            return
        }
        let record = pair.unsealed
        #expect(!pair.renewLeaseFirst)
        #expect(record.connection.accessTokenExpiresAt == answeredAt.addingTimeInterval(86_400))
        #expect(record.connection.refreshTokenExpiresAt == answeredAt.addingTimeInterval(365 * 86_400))
        #expect(record.connection.lastRefreshedAt == answeredAt)
        #expect(record.connection.updatedAt == answeredAt)
        #expect(record.connection.scopes == ["user.info.basic", "video.list"])
        #expect(record.failureCount == 0)
        #expect(record.version == 3)
        #expect(record.nextActionAt == MaintenanceSchedule(configuration: Self.configuration).nextAction(for: record))
        #expect(record.nextActionAt == answeredAt.addingTimeInterval(86_400 - 600))
        #expect(pair.events.map(\.type) == [.tokenRefreshed])
        #expect(pair.events[0].occurredAt == answeredAt)
        #expect(pair.events[0].data["refresh_token_rotated"] == "true")
        #expect(
            pair.events[0].data["access_token_expires_at"]
                == ConnectionManager.iso8601(answeredAt.addingTimeInterval(86_400)))
        #expect(pair.events[0].data["restored_from"] == nil)
        // Sealing puts the pair in, and only then.
        let cipher = try TokenCipher(keys: [.init(id: "k1", bytes: Array(repeating: 7, count: 32))])
        let sealed = try pair.sealed { try cipher.seal($0, connectionID: record.id, field: $1) }
        #expect(try cipher.open(#require(sealed.accessToken), connectionID: record.id, field: .accessToken) == "at-2")
        #expect(try cipher.open(#require(sealed.refreshToken), connectionID: record.id, field: .refreshToken) == "rt-2")
        #expect(record.refreshToken == Self.record().refreshToken)
    }

    @Test("an answer without scopes keeps the old ones; the same refresh token back is not a rotation")
    func answerWithoutRotation() {
        var machine = Self.machine(in: .callingTikTok)
        guard
            case .storePair(let pair) = machine.tikTokAnswered(
                Self.grant(refreshToken: "rt-1", scopes: []), at: Self.now)
        else { Issue.record("no store"); return }
        #expect(pair.unsealed.connection.scopes == ["user.info.basic"])
        #expect(pair.events[0].data["refresh_token_rotated"] == "false")
    }

    @Test("a success ends the failure streak; connection.recovered only after failing for degradedAfter")
    func answerEndsStreak() {
        for (failingFor, recovered) in [(3_600.0, true), (7_200, true), (3_599, false)] {
            let since = Self.now.addingTimeInterval(-failingFor)
            var machine = Self.machine(in: .callingTikTok, record: Self.record(failingSince: since, failureCount: 4))
            guard case .storePair(let pair) = machine.tikTokAnswered(Self.grant(), at: Self.now) else {
                Issue.record("no store")
                continue
            }
            #expect(pair.unsealed.connection.failingSince == nil)
            #expect(pair.unsealed.failureCount == 0)
            if recovered {
                #expect(pair.events.map(\.type) == [.tokenRefreshed, .connectionRecovered])
                #expect(pair.events[1].data["failing_seconds"] == String(Int(failingFor)))
                #expect(pair.events[1].data["failing_since"] == since.formatted(.iso8601))
            } else {
                #expect(pair.events.map(\.type) == [.tokenRefreshed])
            }
        }
    }

    // MARK: tikTokFailed

    @Test(
        "a definitive refusal marks reauthorization_required with TikTok's code and request id",
        arguments: [40110, 40102, 40104, 40105, 40999])
    func definitiveRefusal(code: Int) {
        var machine = Self.machine(in: .callingTikTok)
        let error = TikTokError(code: code, message: "no", requestID: "req-1", httpStatus: 200, endpoint: "/oauth2/")
        guard case .markReauthorizationRequired(let mark) = machine.tikTokFailed(error, at: Self.now) else {
            Issue.record("no mark")
            return
        }
        #expect(mark.reason == "refresh_token_invalid")
        #expect(mark.tikTokError?.code == code)
        #expect(mark.record.connection.status == .reauthorizationRequired)
        #expect(mark.record.connection.statusReason == "refresh_token_invalid")
        #expect(mark.record.nextActionAt == nil)
        #expect(mark.events.map(\.type) == [.refreshFailed, .reauthorizationRequired])
        #expect(
            mark.events[0].data == [
                "reason": "refresh_token_invalid", "definitive": "true", "tiktok_code": String(code),
                "tiktok_request_id": "req-1",
            ])
        guard case .finished = machine.state else { Issue.record("\(machine.state)"); return }
    }

    @Test(
        "anything else is transient: status kept, the streak grows, a retry with backoff",
        arguments: [40100, 50000, 50002, 40001, 40002, 40007, 12345])
    func transientFailure(code: Int) {
        let since = Self.now.addingTimeInterval(-60)
        for record in [Self.record(), Self.record(failingSince: since, failureCount: 2)] {
            var machine = Self.machine(in: .callingTikTok, record: record)
            let error = TikTokError(code: code, message: "busy", requestID: "req-2", httpStatus: 200, endpoint: nil)
            guard case .recordTransientFailure(let failure) = machine.tikTokFailed(error, at: Self.now) else {
                Issue.record("not transient")
                continue
            }
            let failures = record.failureCount + 1
            #expect(failure.record.connection.status == .active)
            #expect(failure.record.failureCount == failures)
            #expect(failure.record.connection.failingSince == (record.connection.failingSince ?? Self.now))
            #expect(failure.failedAt == Self.now)
            #expect(failure.record.nextActionAt == failure.retryAt)
            let bound = min(900, 30 * pow(2, Double(failures - 1)))
            let backoff = failure.retryAt.timeIntervalSince(Self.now)
            #expect(backoff >= bound * 0.8 - 0.001 && backoff <= bound * 1.2 + 0.001)
            #expect(failure.events.map(\.type) == [.refreshFailed])
            #expect(
                failure.events[0].data == [
                    "reason": error.category.description, "definitive": "false", "attempts": String(failures),
                    "tiktok_code": String(code), "tiktok_request_id": "req-2",
                ])
        }
    }

    @Test("a failure without a TikTok code (a timeout) is transient")
    func transportFailure() {
        var machine = Self.machine(in: .callingTikTok)
        let error = TikTokError(category: .transient, message: "timed out")
        guard case .recordTransientFailure(let failure) = machine.tikTokFailed(error, at: Self.now) else {
            Issue.record("not transient")
            return
        }
        #expect(failure.events[0].data == ["reason": "transient", "definitive": "false", "attempts": "1"])
    }

    @Test("TikTok rejecting the app's credentials is not the connection's failure: no streak, first backoff")
    func appCredentials() {
        for record in [Self.record(), Self.record(failureCount: 5)] {
            var machine = Self.machine(in: .callingTikTok, record: record)
            let error = TikTokError(code: 40101, message: "bad secret", requestID: nil, httpStatus: 200, endpoint: nil)
            guard case .recordTransientFailure(let failure) = machine.tikTokFailed(error, at: Self.now) else {
                Issue.record("not transient")
                continue
            }
            #expect(failure.record.failureCount == record.failureCount)
            #expect(failure.record.connection.failingSince == nil)
            let bound = min(900, 30 * pow(2, Double(max(1, record.failureCount) - 1)))
            let backoff = failure.retryAt.timeIntervalSince(Self.now)
            #expect(backoff >= bound * 0.8 - 0.001 && backoff <= bound * 1.2 + 0.001)
            #expect(failure.events[0].data["reason"] == "app_credentials")
        }
    }

    // MARK: Storing the pair

    @Test("stored at the first attempt")
    func storedAtOnce() {
        var machine = Self.machine(in: .storingPair)
        let stored = Self.record(version: 4)
        guard case .pairStored(let record, let failures) = machine.pairStored(stored) else {
            Issue.record("not stored")
            return
        }
        #expect(record == stored)
        #expect(failures == 0)
        guard case .finished = machine.state else { Issue.record("\(machine.state)"); return }
    }

    @Test("store failures are retried without a deadline, with capped backoff, renewing the lease, the same event")
    func storeFailuresRetried() {
        var machine = Self.machine(in: .storingPair)
        guard case .storingPair(let first) = machine.state else { Issue.record("\(machine.state)"); return }
        var delays: [TimeInterval] = []
        for attempt in 1...40 {
            guard case .retryStore(let delay, let reported) = machine.storeFailed() else {
                Issue.record("no retry at \(attempt)")
                return
            }
            #expect(reported == attempt)
            delays.append(delay)
            guard case .storePair(let pair) = machine.retryDelayElapsed() else {
                Issue.record("no write at \(attempt)")
                return
            }
            #expect(pair.renewLeaseFirst)
            #expect(pair.events[0].id == first.event.id)
            #expect(pair.unsealed.version == 3)
        }
        #expect(Array(delays.prefix(7)) == [0.2, 0.4, 0.8, 1.6, 3.2, 5, 5])
        #expect(delays.allSatisfy { $0 <= 5 })
        guard case .pairStored(_, let failures) = machine.pairStored(Self.record(version: 4)) else {
            Issue.record("not stored")
            return
        }
        #expect(failures == 40)
    }

    @Test("the retry pause is capped at storeRetryCap")
    func storeRetryCap() {
        var configuration = Self.configuration
        configuration.storeRetryCap = 0.5
        var machine = RefreshStateMachine(configuration: configuration)
        _ = machine.claimed(Self.record(), leaseUntil: Self.now, at: Self.now, trigger: .sweep(claimedVersion: 3))
        _ = machine.refreshStarted(at: Self.now)
        _ = machine.slotTaken(.kept, refreshToken: "rt-1")
        _ = machine.tikTokAnswered(Self.grant(), at: Self.now)
        var delays: [TimeInterval] = []
        for _ in 1...4 {
            guard case .retryStore(let delay, _) = machine.storeFailed() else { return }
            delays.append(delay)
            _ = machine.retryDelayElapsed()
        }
        #expect(delays == [0.2, 0.4, 0.5, 0.5])
    }

    @Test("a version conflict reads the newer version")
    func conflictLoadsNewer() {
        var machine = Self.machine(in: .storingPair)
        guard case .loadNewerRecord(let id) = machine.pairConflicted() else { Issue.record("no load"); return }
        #expect(id == "conn_1")
    }

    @Test("a newer version with the same refresh token (a key rotation, a warning) gets the pair re-applied")
    func conflictReapplies() {
        var machine = Self.machine(in: .loadingNewerRecord)
        var newer = Self.record(version: 5)
        newer.warningsSent = [30]
        newer.connection.displayName = "Renamed"
        guard case .storePair(let pair) = machine.newerRecordLoaded(newer, refreshToken: "rt-1") else {
            Issue.record("no write")
            return
        }
        #expect(pair.unsealed.version == 5)
        #expect(pair.unsealed.warningsSent == [30])
        #expect(pair.unsealed.connection.displayName == "Renamed")
        #expect(pair.unsealed.connection.lastRefreshedAt == Self.now)
        #expect(!pair.renewLeaseFirst)
        #expect(pair.events[0].data["restored_from"] == nil)
    }

    @Test("our rotated pair wins over a reauthorization_required written by an instance that tried the replaced token")
    func conflictRestores() {
        var machine = Self.machine(in: .loadingNewerRecord)
        let marked = Self.record(status: .reauthorizationRequired, version: 5)
        guard case .storePair(let pair) = machine.newerRecordLoaded(marked, refreshToken: "rt-1") else {
            Issue.record("no write")
            return
        }
        #expect(pair.unsealed.connection.status == .active)
        #expect(pair.unsealed.connection.statusReason == nil)
        #expect(pair.unsealed.nextActionAt != nil)
        #expect(pair.events[0].data["restored_from"] == "reauthorization_required")
        #expect(pair.events[0].type == .tokenRefreshed)
    }

    @Test("the pair is dropped for a re-authorization, a refresh elsewhere, a revocation, an unreadable token")
    func conflictDrops() {
        let newer: [(ConnectionRecord, String?)] = [
            (Self.record(version: 5, refreshToken: "rt-new"), "rt-new"),  // re-authorized or refreshed elsewhere
            (Self.record(status: .reauthorizationRequired, version: 5, refreshToken: "rt-x"), "rt-x"),
            (Self.record(status: .revoked, version: 5), nil),  // revoked: tokens erased
            (Self.record(status: .revoked, version: 5), "rt-1"),  // revoked, even with the same token
            (Self.record(version: 5), nil),  // a token that cannot be opened
        ]
        for (record, token) in newer {
            var machine = Self.machine(in: .loadingNewerRecord)
            guard case .dropPair(let kept) = machine.newerRecordLoaded(record, refreshToken: token) else {
                Issue.record("not dropped: \(record.connection.status) \(token ?? "nil")")
                continue
            }
            #expect(kept == record)
            guard case .finished = machine.state else { Issue.record("\(machine.state)"); continue }
        }
    }

    @Test("a connection that keeps changing: the 20th conflict gives up, unless the newer write supersedes the pair")
    func conflictsGiveUp() {
        var machine = Self.machine(in: .storingPair)
        for conflict in 1...20 {
            _ = machine.pairConflicted()
            let action = machine.newerRecordLoaded(Self.record(version: 3 + conflict), refreshToken: "rt-1")
            if conflict < 20 {
                guard case .storePair = action else { Issue.record("no write at \(conflict)"); return }
            } else {
                guard case .giveUpStoring(let id) = action else { Issue.record("\(action)"); return }
                #expect(id == "conn_1")
            }
        }
        var superseded = Self.machine(in: .storingPair)
        for conflict in 1...19 {
            _ = superseded.pairConflicted()
            _ = superseded.newerRecordLoaded(Self.record(version: 3 + conflict), refreshToken: "rt-1")
        }
        _ = superseded.pairConflicted()
        guard
            case .dropPair = superseded.newerRecordLoaded(
                Self.record(version: 30, refreshToken: "rt-9"), refreshToken: "rt-9")
        else { Issue.record("not dropped"); return }
    }

    @Test("a failed read of the newer version is a store failure: the write is retried onto the version it had")
    func newerReadFails() {
        var machine = Self.machine(in: .loadingNewerRecord)
        guard case .retryStore(let delay, let attempt) = machine.storeFailed() else { Issue.record("no retry"); return }
        #expect(delay == 0.2)
        #expect(attempt == 1)
        guard case .storePair(let pair) = machine.retryDelayElapsed() else { Issue.record("no write"); return }
        #expect(pair.unsealed.version == 3)
        #expect(pair.renewLeaseFirst)
    }

    @Test("a failed read after the 20th conflict gives up")
    func newerReadFailsAfterLastConflict() {
        var machine = Self.machine(in: .storingPair)
        for conflict in 1...19 {
            _ = machine.pairConflicted()
            _ = machine.newerRecordLoaded(Self.record(version: 3 + conflict), refreshToken: "rt-1")
        }
        _ = machine.pairConflicted()
        _ = machine.storeFailed()
        guard case .giveUpStoring = machine.retryDelayElapsed() else { Issue.record("did not give up"); return }
    }

    // MARK: Events out of order

    /// Every event, by name, sent to `machine`.
    enum Event: String, CaseIterable, Sendable, Codable {
        case claimed, refreshStarted, slotTaken, tikTokAnswered, tikTokFailed, pairStored, pairConflicted
        case newerRecordLoaded, storeFailed, retryDelayElapsed

        func send(to machine: inout RefreshStateMachine) {
            let record = RefreshStateMachineTests.record()
            let now = RefreshStateMachineTests.now
            switch self {
            case .claimed: _ = machine.claimed(record, leaseUntil: now, at: now, trigger: .sweep(claimedVersion: 3))
            case .refreshStarted: _ = machine.refreshStarted(at: now)
            case .slotTaken: _ = machine.slotTaken(.kept, refreshToken: "rt-1")
            case .tikTokAnswered: _ = machine.tikTokAnswered(RefreshStateMachineTests.grant(), at: now)
            case .tikTokFailed: _ = machine.tikTokFailed(TikTokError(category: .transient, message: "x"), at: now)
            case .pairStored: _ = machine.pairStored(record)
            case .pairConflicted: _ = machine.pairConflicted()
            case .newerRecordLoaded: _ = machine.newerRecordLoaded(record, refreshToken: "rt-1")
            case .storeFailed: _ = machine.storeFailed()
            case .retryDelayElapsed: _ = machine.retryDelayElapsed()
            }
        }
    }

    /// The events each state accepts; every other one is a bug of the driver.
    static let accepted: [Phase: Set<Event>] = [
        .initialized: [.claimed],
        .leased: [.refreshStarted],
        .takingSlot: [.slotTaken],
        .callingTikTok: [.tikTokAnswered, .tikTokFailed],
        .storingPair: [.pairStored, .pairConflicted, .storeFailed],
        .loadingNewerRecord: [.newerRecordLoaded, .storeFailed],
        .waitingToRetryStore: [.retryDelayElapsed],
        .finished: [],
    ]

    @Test("every accepted event in every state is answered")
    func acceptedEvents() {
        for (phase, events) in Self.accepted {
            for event in events {
                var machine = Self.machine(in: phase)
                event.send(to: &machine)
            }
        }
    }

    static let refused: [(Phase, Event)] = Phase.allCases.flatMap { phase in
        Event.allCases.filter { !(accepted[phase] ?? []).contains($0) }.map { (phase, $0) }
    }

    @Test("an event out of order stops the process", arguments: refused)
    func refusedEvent(phase: Phase, event: Event) async {
        await #expect(processExitsWith: .failure) { [phase, event] in
            var machine = RefreshStateMachineTests.machine(in: phase)
            event.send(to: &machine)
        }
    }
}
