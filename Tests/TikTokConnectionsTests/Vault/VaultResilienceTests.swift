import Foundation
import Synchronization
import Testing
import TikTokBusiness
import TikTokConnections
import TikTokConnectionsSQLite
import TikTokEmulator
import TikTokTestSupport

/// A store that delegates to a real one, but fails or hangs chosen writes: the crash and failed-write seam.
final class FaultyStore: ConnectionStore {
    enum Mode: Sendable { case pass, failUpdates(Int), cancelUpdates(Int), hangUpdates, conflictOnce }
    let base: any ConnectionStore
    let mode = Mutex<Mode>(.pass)
    let hung = Mutex<Int>(0)
    /// Fails lease claims too (the database is unreachable for this instance, not only its writes).
    let failClaims = Mutex<Bool>(false)
    /// Fails renewals of places in the shared QPS budget (the database is unreachable).
    let failBudgetRenewals = Mutex<Bool>(false)
    /// Sweeps and webhook rounds so far: how often the services' loops ran (`ServiceSleepTests`).
    let claimDueCalls = Mutex<Int>(0)
    let webhookClaimCalls = Mutex<Int>(0)
    /// Budget renewals that reached the database.
    let budgetRenewals = Mutex<Int>(0)

    init(_ base: any ConnectionStore) { self.base = base }

    func migrate() async throws { try await base.migrate() }
    func ping() async throws { try await base.ping() }
    func insertState(_ state: AuthorizationState) async throws { try await base.insertState(state) }
    func state(hash: String) async throws -> AuthorizationState? { try await base.state(hash: hash) }
    func consumeState(hash: String, now: Date) async throws -> Bool {
        try await base.consumeState(hash: hash, now: now)
    }
    func deleteStates(expiredBefore date: Date, limit: Int) async throws -> Int {
        try await base.deleteStates(expiredBefore: date, limit: limit)
    }
    func deleteEvents(occurredBefore date: Date, limit: Int) async throws -> Int {
        try await base.deleteEvents(occurredBefore: date, limit: limit)
    }
    func record(id: String) async throws -> ConnectionRecord? { try await base.record(id: id) }
    func connectionID(kind: ConnectionKind, endUserID: String?, matchingAnyOf identities: [String]) async throws
        -> String?
    {
        try await base.connectionID(kind: kind, endUserID: endUserID, matchingAnyOf: identities)
    }
    func insert(_ record: ConnectionRecord, events: [ConnectionEvent]) async throws {
        try await base.insert(record, events: events)
    }
    func update(_ record: ConnectionRecord, events: [ConnectionEvent], leaseOwner: String?) async throws -> Bool {
        let action: Mode = mode.withLock { mode in
            if case .failUpdates(let remaining) = mode {
                mode = remaining > 1 ? .failUpdates(remaining - 1) : .pass
                return .failUpdates(remaining)
            }
            if case .cancelUpdates(let remaining) = mode {
                mode = remaining > 1 ? .cancelUpdates(remaining - 1) : .pass
                return .cancelUpdates(remaining)
            }
            return mode
        }
        switch action {
        case .pass: return try await base.update(record, events: events, leaseOwner: leaseOwner)
        case .conflictOnce:
            // Another writer (say, a key rotation) gets in first and leaves the tokens as they were.
            mode.withLock { $0 = .pass }
            let current = try await base.record(id: record.id)!
            _ = try await base.update(current, events: [])
            return try await base.update(record, events: events, leaseOwner: leaseOwner)
        case .failUpdates: throw ConnectionStoreError("injected write failure")
        // What a database driver may throw when its connection goes away mid-call (the caller was not cancelled).
        case .cancelUpdates: throw CancellationError()
        case .hangUpdates:
            hung.withLock { $0 += 1 }
            try await Task.sleep(for: .seconds(3600))
            throw CancellationError()
        }
    }
    func list(_ filter: ConnectionFilter, after cursor: String?, limit: Int) async throws -> [Connection] {
        try await base.list(filter, after: cursor, limit: limit)
    }
    func counts() async throws -> [ConnectionCount] { try await base.counts() }
    func claimDue(now: Date, limit: Int, owner: String, leaseUntil: Date) async throws -> [ConnectionRecord] {
        claimDueCalls.withLock { $0 += 1 }
        return try await base.claimDue(now: now, limit: limit, owner: owner, leaseUntil: leaseUntil)
    }
    func claim(id: String, now: Date, owner: String, leaseUntil: Date) async throws -> ConnectionRecord? {
        if failClaims.withLock({ $0 }) { throw ConnectionStoreError("injected claim failure") }
        return try await base.claim(id: id, now: now, owner: owner, leaseUntil: leaseUntil)
    }
    func releaseLease(id: String, owner: String) async throws { try await base.releaseLease(id: id, owner: owner) }
    func nextActionDate() async throws -> Date? { try await base.nextActionDate() }
    func records(notSealedWith keyID: String, limit: Int) async throws -> [ConnectionRecord] {
        try await base.records(notSealedWith: keyID, limit: limit)
    }
    func appendEvents(_ events: [ConnectionEvent]) async throws { try await base.appendEvents(events) }
    func events(after sequence: Int64, connectionID: String?, limit: Int) async throws -> [ConnectionEvent] {
        try await base.events(after: sequence, connectionID: connectionID, limit: limit)
    }
    func enqueueWebhookDeliveries(now: Date, limit: Int) async throws -> Int {
        try await base.enqueueWebhookDeliveries(now: now, limit: limit)
    }
    func claimWebhookDeliveries(now: Date, limit: Int, owner: String, leaseUntil: Date) async throws
        -> [WebhookDelivery]
    {
        webhookClaimCalls.withLock { $0 += 1 }
        return try await base.claimWebhookDeliveries(now: now, limit: limit, owner: owner, leaseUntil: leaseUntil)
    }
    func recordWebhookAttempt(sequence: Int64, owner: String, at: Date, outcome: WebhookAttemptOutcome) async throws
        -> Bool
    {
        try await base.recordWebhookAttempt(sequence: sequence, owner: owner, at: at, outcome: outcome)
    }
    func releaseWebhookLeases(owner: String) async throws { try await base.releaseWebhookLeases(owner: owner) }
    func nextWebhookAttemptDate() async throws -> Date? { try await base.nextWebhookAttemptDate() }
    func webhookDeliveries(sequences: [Int64]) async throws -> [Int64: WebhookDelivery] {
        try await base.webhookDeliveries(sequences: sequences)
    }
    func webhookDeliveries(connectionID: String, limit: Int) async throws -> [WebhookDelivery] {
        try await base.webhookDeliveries(connectionID: connectionID, limit: limit)
    }
    func webhookDeliveryCounts() async throws -> [WebhookDelivery.State: Int] { try await base.webhookDeliveryCounts() }
    func vaultIdentity() async throws -> VaultIdentity? { try await base.vaultIdentity() }
    func recordVaultIdentity(_ identity: VaultIdentity, replacing expected: VaultIdentity?) async throws -> Bool {
        try await base.recordVaultIdentity(identity, replacing: expected)
    }
    func sealedTokenCounts() async throws -> [String: Int] { try await base.sealedTokenCounts() }
    func hasConnections() async throws -> Bool { try await base.hasConnections() }
    func recordInstance(_ instance: VaultInstance) async throws { try await base.recordInstance(instance) }
    func instances(seenSince date: Date) async throws -> [VaultInstance] { try await base.instances(seenSince: date) }
    func removeInstance(id: String) async throws { try await base.removeInstance(id: id) }
    func removeInstances(seenBefore date: Date) async throws -> Int { try await base.removeInstances(seenBefore: date) }
    func renewBudgetMembership(instanceID: String, share: Double, ttl: TimeInterval) async throws -> [BudgetMember] {
        if failBudgetRenewals.withLock({ $0 }) { throw ConnectionStoreError("injected: the database is unreachable") }
        let members = try await base.renewBudgetMembership(instanceID: instanceID, share: share, ttl: ttl)
        budgetRenewals.withLock { $0 += 1 }
        return members
    }
    func leaveBudget(instanceID: String) async throws { try await base.leaveBudget(instanceID: instanceID) }
    func records(after cursor: String?, limit: Int) async throws -> [ConnectionRecord] {
        try await base.records(after: cursor, limit: limit)
    }
    func insertTransferred(_ records: [ConnectionRecord], events: [ConnectionEvent]) async throws {
        try await base.insertTransferred(records, events: events)
    }
    func pendingImport() async throws -> String? { try await base.pendingImport() }
    func setPendingImport(_ note: String?) async throws { try await base.setPendingImport(note) }
    func count(_ filter: ConnectionFilter) async throws -> Int { try await base.count(filter) }
    func eventCounts(types: [ConnectionEvent.EventType], since: Date, bucketSeconds: Int) async throws
        -> [BucketCount]
    { try await base.eventCounts(types: types, since: since, bucketSeconds: bucketSeconds) }
    func refreshTokenLapseCounts(from: Date, to: Date, bucketSeconds: Int) async throws -> [BucketCount] {
        try await base.refreshTokenLapseCounts(from: from, to: to, bucketSeconds: bucketSeconds)
    }
    func recordStatusSnapshot(start: Date, counts: [ConnectionCount]) async throws {
        try await base.recordStatusSnapshot(start: start, counts: counts)
    }
    func statusHistory(since: Date) async throws -> [BucketCount] { try await base.statusHistory(since: since) }
    func deleteStatusHistory(before date: Date) async throws -> Int { try await base.deleteStatusHistory(before: date) }
    func appendAudit(_ entries: [AuditEntry]) async throws { try await base.appendAudit(entries) }
    func auditEntries(before sequence: Int64?, connectionID: String?, limit: Int) async throws -> [AuditEntry] {
        try await base.auditEntries(before: sequence, connectionID: connectionID, limit: limit)
    }
    func deleteAudit(occurredBefore date: Date, limit: Int) async throws -> Int {
        try await base.deleteAudit(occurredBefore: date, limit: limit)
    }
    func addProxyUsage(_ usage: [ProxyUsage]) async throws { try await base.addProxyUsage(usage) }
    func proxyUsage(connectionID: String?, sinceDay: String, limit: Int) async throws -> [ProxyUsage] {
        try await base.proxyUsage(connectionID: connectionID, sinceDay: sinceDay, limit: limit)
    }
    func deleteProxyUsage(beforeDay day: String) async throws -> Int { try await base.deleteProxyUsage(beforeDay: day) }
    func insertAPIKey(_ key: APIKey) async throws { try await base.insertAPIKey(key) }
    func apiKey(hash: String) async throws -> APIKey? { try await base.apiKey(hash: hash) }
    func apiKeys() async throws -> [APIKey] { try await base.apiKeys() }
    func revokeAPIKey(id: String, at date: Date) async throws -> Bool { try await base.revokeAPIKey(id: id, at: date) }
    func insertProxyToken(_ token: ProxyToken) async throws { try await base.insertProxyToken(token) }
    func proxyToken(hash: String) async throws -> ProxyToken? { try await base.proxyToken(hash: hash) }
    func proxyToken(id: String) async throws -> ProxyToken? { try await base.proxyToken(id: id) }
    func proxyTokens(connectionID: String) async throws -> [ProxyToken] {
        try await base.proxyTokens(connectionID: connectionID)
    }
    func revokeProxyToken(id: String, at date: Date) async throws -> Bool {
        try await base.revokeProxyToken(id: id, at: date)
    }
}

extension FaultyStore {
    /// Runs a vault harness whose store is a ``FaultyStore`` over the real SQLite store.
    static func run(
        emulatorConfiguration: TikTokEmulatorConfiguration = TikTokEmulatorConfiguration(),
        configure: @Sendable @escaping (inout ConnectionManager.Configuration) -> Void = { _ in },
        _ body: @Sendable (VaultHarness, FaultyStore) async throws -> Void
    ) async throws {
        let faulty = Mutex<FaultyStore?>(nil)
        try await VaultHarness.run(
            emulatorConfiguration: emulatorConfiguration, configure: configure,
            storeWrapper: { base in
                let store = FaultyStore(base)
                faulty.withLock { $0 = store }
                return store
            }
        ) { vault in
            try await body(vault, try #require(faulty.withLock { $0 }))
        }
    }
}

@Suite("The vault under faults")
struct VaultResilienceTests {
    @Test func thousandConnectionsRefreshThroughTwentyPercentTransientFaults() async throws {
        try await VaultHarness.run { vault in
            var ids: [String] = []
            for index in 0..<1000 {
                ids.append(try await vault.connectDirect(.tiktokAccount, user: "bulk-\(index)").connection.id)
            }
            try vault.advance(86_400 - 300)
            try vault.emulator.control.setFaults(
                EmulatorFaults(
                    http500Rate: 0.05, nonJSON504Rate: 0.05, code50002Rate: 0.05, code40100Rate: 0.05,
                    paths: ["/tt_user/oauth2/refresh_token/"]))
            var rounds = 0
            while rounds < 20 {
                try await vault.sweepUntilIdle(concurrency: 16)
                let due = try await vault.store.nextActionDate()
                if let due, due <= vault.clock.now().addingTimeInterval(60) {
                    try vault.advance(5)
                    rounds += 1
                } else {
                    break
                }
            }
            let counters = vault.emulator.control.counters
            #expect(counters.faultsInjected > 100)
            let connections = try await vault.manager.connections(limit: 1000)
            #expect(connections.count == 1000)
            #expect(connections.allSatisfy { $0.status == .active })
            #expect(
                connections.allSatisfy {
                    ($0.accessTokenExpiresAt ?? .distantPast) > vault.clock.now().addingTimeInterval(80_000)
                })
            #expect(counters.refreshesByOpenID.count == 1000)
            #expect(counters.refreshFailures == 0)
        }
    }

    @Test func aFailedWriteAfterRefreshIsRetriedAndNothingIsLost() async throws {
        var emulatorConfiguration = TikTokEmulatorConfiguration()
        emulatorConfiguration.rotateRefreshTokens = true
        try await FaultyStore.run(
            emulatorConfiguration: emulatorConfiguration
        ) { vault, store in
            let id = try await vault.connectDirect(.tiktokAccount, user: "writer").connection.id
            // Two failed writes, then success: the rotated refresh token is kept in memory until it is stored.
            store.mode.withLock { $0 = .failUpdates(2) }
            _ = try await vault.manager.refresh(id: id)
            try vault.advance(3600)
            _ = try await vault.manager.refresh(id: id)
            let token = try await vault.manager.accessToken(for: id)
            _ = try await vault.manager.client.accountTokenInfo(accessToken: token)
            #expect(try await vault.manager.connection(id: id).status == .active)
        }
    }

    @Test func aConcurrentWriteDoesNotDropARotatedRefreshToken() async throws {
        var emulatorConfiguration = TikTokEmulatorConfiguration()
        emulatorConfiguration.rotateRefreshTokens = true
        try await FaultyStore.run(
            emulatorConfiguration: emulatorConfiguration
        ) { vault, store in
            let id = try await vault.connectDirect(.tiktokAccount, user: "conflicted").connection.id
            store.mode.withLock { $0 = .conflictOnce }
            _ = try await vault.manager.refresh(id: id)
            // The rotated refresh token was stored despite the conflict: the next refresh works.
            _ = try await vault.manager.refresh(id: id)
            #expect(try await vault.manager.connection(id: id).status == .active)
            #expect(vault.emulator.control.counters.refreshFailures == 0)
        }
    }

    @Test func sweeperAndCallersNeverRefreshTwiceAtOnce() async throws {
        var emulatorConfiguration = TikTokEmulatorConfiguration()
        emulatorConfiguration.rotateRefreshTokens = true
        try await VaultHarness.run(emulatorConfiguration: emulatorConfiguration) { vault in
            var ids: [String] = []
            for index in 0..<20 {
                ids.append(try await vault.connectDirect(.tiktokAccount, user: "race-\(index)").connection.id)
            }
            for _ in 0..<3 {
                try vault.advance(86_400 - 30)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await vault.sweepUntilIdle(concurrency: 8) }
                    for id in ids {
                        group.addTask { _ = try await vault.manager.accessToken(for: id) }
                        group.addTask { _ = try await vault.manager.accessToken(for: id) }
                    }
                    try await group.waitForAll()
                }
            }
            let connections = try await vault.manager.connections(limit: 100)
            #expect(connections.allSatisfy { $0.status == .active })
            let counters = vault.emulator.control.counters
            #expect(counters.refreshFailures == 0)
            #expect(counters.refreshesByOpenID.values.allSatisfy { $0 == 3 })
        }
    }

    @Test func aDriverCancellationWhileStoringIsRetriedNotMistakenForOurs() async throws {
        var emulatorConfiguration = TikTokEmulatorConfiguration()
        emulatorConfiguration.rotateRefreshTokens = true
        try await FaultyStore.run(emulatorConfiguration: emulatorConfiguration) { vault, store in
            let id = try await vault.connectDirect(.tiktokAccount, user: "cancelled").connection.id
            // The store throws CancellationError although nobody cancelled the refresh: a store failure, retried,
            // or the rotated refresh token TikTok just issued would be dropped.
            store.mode.withLock { $0 = .cancelUpdates(2) }
            _ = try await vault.manager.refresh(id: id)
            try vault.advance(3600)
            _ = try await vault.manager.refresh(id: id)
            #expect(try await vault.manager.connection(id: id).status == .active)
        }
    }

    /// Failed writes within the lease, and about 10 s of them against a 2 s lease: the pair TikTok rotated to is kept
    /// in memory and stored when the database takes writes again (it used to be dropped when the lease ended).
    @Test(
        "a database outage within or past the lease loses no rotated token",
        arguments: [(failures: 6, lease: 12.0), (failures: 22, lease: 2.0)])
    func aDatabaseOutageLosesNoRotatedToken(failures: Int, lease: TimeInterval) async throws {
        var emulatorConfiguration = TikTokEmulatorConfiguration()
        emulatorConfiguration.rotateRefreshTokens = true
        try await FaultyStore.run(
            emulatorConfiguration: emulatorConfiguration,
            configure: {
                $0.leaseDuration = lease
                $0.storeRetryCap = 0.5
            }
        ) { vault, store in
            let id = try await vault.connectDirect(.creator, user: "stubborn").connection.id
            store.mode.withLock { $0 = .failUpdates(failures) }
            let before = try await vault.storedTokens(id)
            let refreshed = try await vault.manager.refresh(id: id)
            #expect(refreshed.status == .active)
            let after = try await vault.storedTokens(id)
            #expect(after.access != before.access && after.refresh != before.refresh)
            _ = try await vault.manager.client.accountTokenInfo(accessToken: after.access!)
            try vault.advance(3600)
            _ = try await vault.manager.refresh(id: id)
            #expect(try await vault.manager.connection(id: id).status == .active)
            #expect(vault.emulator.control.counters.refreshFailures == 0)
        }
    }

    @Test func aPairStoredAfterAnotherInstanceMarkedTheOldTokenDeadRestoresTheConnection() async throws {
        var emulatorConfiguration = TikTokEmulatorConfiguration()
        emulatorConfiguration.rotateRefreshTokens = true
        try await FaultyStore.run(
            emulatorConfiguration: emulatorConfiguration,
            configure: {
                $0.leaseDuration = 1
                $0.storeRetryCap = 0.2
            }
        ) { vault, store in
            let id = try await vault.connectDirect(.tiktokAccount, user: "raced").connection.id
            // This instance's database connection fails for a while after TikTok rotated the refresh token…
            store.mode.withLock { $0 = .failUpdates(1_000) }
            let first = Task { try await vault.manager.refresh(id: id) }
            while vault.emulator.control.counters.refreshes == 0 { try await Task.sleep(for: .milliseconds(5)) }
            store.failClaims.withLock { $0 = true }
            try await Task.sleep(for: .seconds(1.5))  // its lease lapses
            // …while another instance, whose database works, takes the connection over with the old refresh token:
            // TikTok refuses it (rotated out) and that instance marks the connection.
            var configuration = vault.manager.configuration
            configuration.instanceID = "other"
            let other = ConnectionManager(
                client: vault.manager.client, store: store.base, cipher: vault.cipher, configuration: configuration,
                now: { vault.clock.now() })
            _ = try? await other.refresh(id: id)
            #expect(try await other.connection(id: id).status == .reauthorizationRequired)
            // The first instance's database comes back: its pair is the valid one and restores the connection.
            store.mode.withLock { $0 = .pass }
            store.failClaims.withLock { $0 = false }
            let restored = try await first.value
            #expect(restored.status == .active)
            let connection = try await vault.manager.connection(id: id)
            #expect(connection.status == .active && connection.statusReason == nil)
            let token = try await vault.manager.accessToken(for: id)
            _ = try await vault.manager.client.accountTokenInfo(accessToken: token)
            let events = try await vault.manager.events(connectionID: id).filter { $0.type == .tokenRefreshed }
            #expect(events.contains { $0.data["restored_from"] == "reauthorization_required" })
            // Restored, it is scheduled like any refreshed connection: the sweeper refreshes it when due (it used to
            // be left without a next action, never swept again; found by PostgresOutageTests).
            let record = try #require(try await store.base.record(id: id))
            #expect(record.nextActionAt != nil)
            try vault.advance(86_400)
            #expect(try await vault.sweepUntilIdle().refreshed == 1)
            #expect(vault.emulator.control.counters.refreshesByOpenID.values.first == 2)
        }
    }

    @Test func aCancelledSweepReleasesTheLeasesOfWorkItNeverStarted() async throws {
        try await VaultHarness.run { vault in
            for index in 0..<10 {
                _ = try await vault.connectDirect(.tiktokAccount, user: "queued-\(index)")
            }
            try vault.advance(86_400 - 60)
            // A graceful shutdown cancels the sweep while its claimed connections wait their turn.
            let sweep = Task { try await vault.manager.sweep(limit: 10, concurrency: 1, jitter: .seconds(30)) }
            let other = "other-instance"
            try await Task.sleep(for: .seconds(1))  // the sweep has claimed all ten (one claim, at once)
            let meanwhile = try await vault.store.claimDue(
                now: vault.clock.now(), limit: 100, owner: other, leaseUntil: vault.clock.now().addingTimeInterval(60))
            #expect(meanwhile.isEmpty, "the sweep holds the leases")
            sweep.cancel()
            _ = try? await sweep.value
            // Another instance takes all ten over at once, not after the 120 s leases lapse.
            let takenOver = try await vault.store.claimDue(
                now: vault.clock.now(), limit: 100, owner: other, leaseUntil: vault.clock.now().addingTimeInterval(60))
            // (Its one worker may have drawn a short wait and refreshed one connection, which is then not due.)
            let refreshed = vault.emulator.control.counters.refreshes
            #expect(refreshed <= 1)
            #expect(takenOver.count == 10 - refreshed)
        }
    }

    @Test func keyRotationNeverReleasesTheLeaseOfARefreshInFlight() async throws {
        try await VaultHarness.run { vault in
            let id = try await vault.connectDirect(.tiktokAccount, user: "in-flight").connection.id
            // An instance is refreshing this connection: it holds the lease while TikTok answers.
            let now = vault.clock.now()
            #expect(
                try await vault.store.claim(
                    id: id, now: now, owner: "refresher", leaseUntil: now.addingTimeInterval(60)) != nil)
            let ring = try TokenCipher(keys: [.generate(id: "k2")] + vault.cipher.keys)
            var configuration = vault.manager.configuration
            configuration.leaseDuration = 5
            let rotator = ConnectionManager(
                client: vault.manager.client, store: vault.store, cipher: ring, configuration: configuration,
                now: { vault.clock.now() })
            let rotation = Task { try await rotator.rotateKeys() }
            try await Task.sleep(for: .milliseconds(500))
            // The rotation waits: its write would release the refresher's lease, and another instance would then
            // spend the refresh token the refresher is replacing.
            let later = vault.clock.now()
            #expect(
                try await vault.store.claim(
                    id: id, now: later, owner: "thief", leaseUntil: later.addingTimeInterval(60)) == nil)
            try await vault.store.releaseLease(id: id, owner: "refresher")
            #expect(try await rotation.value == 1)
            #expect(try await vault.store.sealedTokenCounts() == ["k2": 2])
        }
    }

    @Test func killedBetweenTikToksAnswerAndTheCommit() async throws {
        try await FaultyStore.run { vault, store in
            let id = try await vault.connectDirect(.tiktokAccount, user: "crash").connection.id
            store.mode.withLock { $0 = .hangUpdates }
            // The "process" refreshes; TikTok answers; the write never completes; the process is gone for good
            // (its refresh is abandoned: a refresh in flight deliberately survives its callers' cancellation).
            let doomed = Task { try await vault.manager.refresh(id: id) }
            while store.hung.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(5)) }
            #expect(vault.emulator.control.counters.refreshes == 1)

            // A new process over the same database file, under another instance name.
            let reopened = try SQLiteConnectionStore(path: vault.directory + "/connections.sqlite")
            try vault.advance(120)  // the dead process's lease lapses
            var configuration = vault.manager.configuration
            configuration.instanceID = "restarted"
            let restarted = ConnectionManager(
                client: vault.manager.client, store: reopened, cipher: vault.cipher,
                configuration: configuration, now: { vault.clock.now() })
            let token = try await restarted.accessToken(for: id)
            _ = try await restarted.client.accountTokenInfo(accessToken: token)
            try vault.advance(86_400)
            _ = try await restarted.accessToken(for: id)
            #expect(try await restarted.connection(id: id).status == .active)
            #expect(vault.emulator.control.counters.refreshes == 2)
            doomed.cancel()
        }
    }

    @Test func transientFailuresNeverChangeStatus() async throws {
        try await VaultHarness.run { vault in
            let account = try await vault.connectDirect(.tiktokAccount, user: "flaky").connection.id
            let advertiser = try await vault.connectDirect(.advertiser, user: "flaky").connection.id
            try vault.emulator.control.setFaults(EmulatorFaults(code50002Rate: 1.0))
            try vault.advance(86_401)
            // One sweep: the failed ones are due again a second later (of the harness's real-time clock), which a
            // loaded machine's next sweep may already see.
            let report = try await vault.manager.sweep(limit: 500, concurrency: 8)
            #expect(report.failed == 2)
            for id in [account, advertiser] {
                #expect(try await vault.manager.connection(id: id).status == .active)
            }
            let failures = try await vault.manager.events(connectionID: account).filter { $0.type == .refreshFailed }
            #expect(failures.first?.data["definitive"] == "false")
            vault.emulator.control.clearFaults()
            try vault.advance(10)
            let recovered = try await vault.sweepUntilIdle()
            #expect(recovered.refreshed == 1 && recovered.checked == 1)
        }
    }

    @Test func noSecretInTheDatabaseFileOrTraceLogs() async throws {
        try await VaultHarness.run { vault in
            var ids: [String] = []
            for kind in ConnectionKind.allCases {
                ids.append(try await vault.connect(kind, user: "secretive-\(kind)").connection.id)
            }
            var secrets: [String] = []
            for id in ids {
                let tokens = try await vault.storedTokens(id)
                secrets += [tokens.access, tokens.refresh].compactMap { $0 }
                _ = try await vault.manager.accessToken(for: id)
            }
            _ = try await vault.manager.refresh(id: ids[1])
            let refreshed = try await vault.storedTokens(ids[1])
            secrets += [refreshed.access!, refreshed.refresh!]
            secrets.append(TikTokEmulatorConfiguration.App.default.secret)
            let keyText = vault.cipher.keys[0].exported
            secrets.append(String(keyText.split(separator: ":")[1]))
            #expect(secrets.count >= 10)

            var bytes = Data()
            for suffix in ["", "-wal", "-shm"] {
                if let data = FileManager.default.contents(atPath: vault.directory + "/connections.sqlite" + suffix) {
                    bytes.append(data)
                }
            }
            #expect(bytes.count > 0)
            let logs = vault.logs.text
            #expect(!logs.isEmpty)
            for secret in secrets {
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "a secret is in the database file")
                #expect(!logs.contains(secret), "a secret is in the logs")
            }
        }
    }
}
