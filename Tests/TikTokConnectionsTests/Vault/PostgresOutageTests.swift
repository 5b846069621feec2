import Foundation
import Synchronization
import Testing
import TikTokBusiness
import TikTokConnections
import TikTokConnectionsPostgres
import TikTokEmulator
import TikTokTestSupport

/// The issue's acceptance test: "Rotation on, PostgreSQL stopped for 5 minutes in the middle of a sweep, then
/// started: every connection active, none refreshed twice."
///
/// Two vault instances (two `ConnectionManager`s with their own instance ids, each over its own
/// `PostgresConnectionStore` pool, as two processes) share a PostgreSQL cluster of their own (``PostgresCluster``,
/// stopped and started like a real outage) and one emulator that rotates refresh tokens with no grace period: a
/// refresh token TikTok rotated out is refused at once (40110), so a rotated pair lost between TikTok's answer and
/// the database means a dead connection.
///
/// The outage lasts `TIKTOK_BUSINESS_TEST_OUTAGE_SECONDS` (default 20 s, far longer than the 3 s lease; 300
/// reproduces the issue's 5 minutes:
/// `TIKTOK_BUSINESS_TEST_OUTAGE_SECONDS=300 swift test --filter PostgresOutageTests`, which takes 6 minutes or so:
/// PostgresNIO's reconnection backoff grows to a minute during such an outage).
@Suite("PostgreSQL outage in the middle of a sweep", .enabled(if: PostgresTestDatabase.isEnabled), .serialized)
struct PostgresOutageTests {
    static let outageVariable = "TIKTOK_BUSINESS_TEST_OUTAGE_SECONDS"

    /// How long PostgreSQL stays down: the environment's `TIKTOK_BUSINESS_TEST_OUTAGE_SECONDS`, else 20 s.
    static var outageSeconds: Double {
        ProcessInfo.processInfo.environment[outageVariable].flatMap(Double.init).map { max(0, $0) } ?? 20
    }

    static let connectionCount = 20
    static let leaseDuration: TimeInterval = 3
    /// How long TikTok takes to answer a refresh while the sweep runs: refreshes are in flight when the database
    /// stops. Below the lease, so that a lease never lapses during a call while the database is up.
    static let refreshLatency = 2_000
    static let refreshPath = "/tt_user/oauth2/refresh_token/"

    @Test(
        "rotation on, PostgreSQL stopped in the middle of a sweep, then started: every connection active, none refreshed twice"
    )
    func outageInTheMiddleOfASweep() async throws {
        let cluster = try await PostgresCluster.start()
        do {
            try await outage(cluster)
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    private func outage(_ cluster: PostgresCluster) async throws {
        var emulatorConfiguration = TikTokEmulatorConfiguration()
        emulatorConfiguration.rotateRefreshTokens = true
        emulatorConfiguration.refreshTokenGracePeriod = 0
        // The harness gives the emulator and the shared moving clock; its own SQLite vault is not used.
        try await VaultHarness.run(emulatorConfiguration: emulatorConfiguration) { vault in
            #expect(vault.emulator.control.settings.refreshTokenGracePeriod == 0)
            let logs = LogCapture()
            let cipher = try TokenCipher(keys: [.generate(id: "k1")])
            let configure: (inout PostgresConnectionStore.Configuration) -> Void = {
                // Fail fast while the server is down (as the restart test of PostgresStoreTests).
                $0.maximumConnections = 8
                $0.connectTimeout = .seconds(1)
                $0.connectionWaitTimeout = .seconds(1)
                $0.operationTimeout = .seconds(2)
                // The test moves the vault's clock by a day between cycles and expects leases to lapse with it.
                $0.leaseClock = .caller
            }
            try await PostgresConnectionStore.withStore(
                url: cluster.url, configure: configure, logger: PostgresTestDatabase.logger
            ) { storeA in
                try await PostgresConnectionStore.withStore(
                    url: cluster.url, configure: configure, logger: PostgresTestDatabase.logger
                ) { storeB in
                    try await cluster.migrate(storeA)
                    try await cluster.migrate(storeB)
                    let a = Self.instance("vault-a", store: storeA, cipher: cipher, vault: vault, logs: logs)
                    let b = Self.instance("vault-b", store: storeB, cipher: cipher, vault: vault, logs: logs)
                    try await Self.scenario(a: a, b: b, cluster: cluster, vault: vault, logs: logs)
                }
            }
        }
    }

    /// A vault instance over `store`, with its own TikTok client and instance id.
    private static func instance(
        _ name: String, store: PostgresConnectionStore, cipher: TokenCipher, vault: VaultHarness, logs: LogCapture
    ) -> ConnectionManager {
        let app = TikTokEmulatorConfiguration.App.default
        let clock = vault.clock
        let client = TikTokClient(
            configuration: EmulatorEndpoints(baseURL: vault.baseURL).clientConfiguration(
                appID: app.appID, secret: app.secret,
                retry: RetryPolicy(initialBackoff: .milliseconds(2), maximumBackoff: .milliseconds(20)),
                rateGovernor: nil, requestTimeout: .seconds(10), now: { clock.now() }),
            logger: logs.logger("sdk-\(name)"))
        var configuration = ConnectionManager.Configuration(
            redirectURIs: ConnectionManager.Configuration.redirectURIs(publicURL: VaultHarness.publicURL))
        configuration.failureBackoff = 1
        configuration.instanceID = name
        configuration.leaseDuration = leaseDuration
        configuration.storeRetryCap = 0.5
        return ConnectionManager(
            client: client, store: store, cipher: cipher, configuration: configuration, now: { clock.now() },
            logger: logs.logger(name))
    }

    private static func scenario(
        a: ConnectionManager, b: ConnectionManager, cluster: PostgresCluster, vault: VaultHarness, logs: LogCapture
    ) async throws {
        let control = vault.emulator.control
        let clock = ContinuousClock()
        let outage = Duration.milliseconds(Int64(outageSeconds * 1000))

        // Twenty account connections (through instance A), all due for refresh.
        var ids: [String] = []
        var openIDs: [String: String] = [:]
        for index in 0..<connectionCount {
            let link = try await a.authorizationLink(for: .tiktokAccount)
            let code = try control.mintAuthorizationCode(
                flow: .account, appID: TikTokEmulatorConfiguration.App.default.appID,
                redirectURI: a.configuration.redirectURIs[.tiktokAccount]!, user: "outage-\(index)")
            let result = try await a.completeAuthorization(
                kind: .tiktokAccount,
                callback: AuthorizationCallback(state: link.state, outcome: .authorized(code: code, scopes: [])))
            ids.append(result.connection.id)
            openIDs[result.connection.id] = try #require(result.connection.openID)
        }
        #expect(Set(openIDs.values).count == connectionCount)
        try vault.advance(86_400 - 300)
        #expect(control.counters.refreshes == 0)

        // TikTok is slow: instance A's sweep claims all twenty, and each task waits up to 2 s (jitter) before it
        // renews its lease and calls TikTok, which answers 2 s later. The first answers arrive at about 2 s: then
        // PostgreSQL is stopped, so most of the sweep's refreshes are answered by TikTok (which rotated the refresh
        // token) while the database is down, and their new pairs exist only in instance A's memory; the tasks that
        // start after the stop cannot renew their lease and leave their connection to a later sweep.
        try control.setFaults(EmulatorFaults(latencyMilliseconds: refreshLatency, paths: [refreshPath]))
        let sweepADone = Flag()
        let sweepA = Task {
            defer { sweepADone.set() }
            return try await a.sweep(limit: 500, concurrency: connectionCount, jitter: .seconds(2))
        }
        let answered = clock.now + .seconds(30)
        while control.counters.refreshes == 0 {
            guard clock.now < answered else { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        try #require(control.counters.refreshes > 0, "TikTok never answered a refresh")
        try await cluster.pause()
        let stopped = clock.now
        let refreshedBeforeTheStop = control.counters.refreshes

        // Instance B sweeps in a loop from then on (its sweeps fail while the database is down).
        let stopB = Flag()
        let loopB = Task {
            var (sweeps, failedSweeps) = (0, 0)
            while !stopB.isSet {
                sweeps += 1
                do {
                    _ = try await b.sweep(limit: 500, concurrency: 8)
                } catch {
                    failedSweeps += 1
                }
                try? await Task.sleep(for: .milliseconds(100))
            }
            return (sweeps, failedSweeps)
        }

        try await Task.sleep(until: stopped + outage)
        // TikTok is fast again when the database comes back (so that a stale refresh token that instance B may try
        // comes back refused before instance A stores its pair: the race the vault must survive either way).
        control.clearFaults()
        try await cluster.resume()
        let resumed = clock.now
        let countersAtResume = control.counters
        #expect(countersAtResume.refreshes > refreshedBeforeTheStop, "no refresh was answered during the outage")

        // Instance A's sweep ends once every pair it holds is stored (PostgresNIO reconnects with a backoff that
        // grows during the outage, up to a minute).
        let sweepDeadline = clock.now + .seconds(150)
        while !sweepADone.isSet, clock.now < sweepDeadline { try await Task.sleep(for: .milliseconds(50)) }
        if !sweepADone.isSet {
            stopB.set()
            Issue.record("instance A's sweep did not end within 150 s of the restart\n\(Self.vaultLines(logs))")
            throw HarnessError("instance A's sweep hangs")
        }
        let reportA = try await sweepA.value
        let storedA = clock.now
        // Instance B keeps sweeping a little after that, then both sweep until nothing is due.
        try await Task.sleep(for: .seconds(1))
        stopB.set()
        let (sweepsB, failedSweepsB) = await loopB.value
        #expect(failedSweepsB > 0, "instance B's sweeps never failed: was the database down?")
        let idleDeadline = clock.now + .seconds(60)
        while true {
            async let idleA = Self.sweepUntilIdle(a)
            async let idleB = Self.sweepUntilIdle(b)
            _ = try await (idleA, idleB)
            let due = try await a.store.nextActionDate()
            if let due, due <= vault.clock.now() {
                guard clock.now < idleDeadline else {
                    Issue.record("connections still due 60 s after the outage\n\(Self.vaultLines(logs))")
                    break
                }
                try await Task.sleep(for: .milliseconds(200))
                continue
            }
            break
        }

        // Every connection active, refreshed exactly once at TikTok.
        let counters = control.counters
        let connections = try await a.connections(limit: 100)
        #expect(connections.count == connectionCount)
        for connection in connections {
            #expect(
                connection.status == .active && connection.statusReason == nil,
                "\(connection.id) is \(connection.status) (\(connection.statusReason ?? "-"))\n\(Self.vaultLines(logs))"
            )
            #expect(
                (connection.accessTokenExpiresAt ?? .distantPast) > vault.clock.now().addingTimeInterval(86_000),
                "\(connection.id) was not refreshed")
            // …and still scheduled for its next refresh (an active connection without a next action is never swept
            // again: no proactive refresh, no expiry warning).
            let next = try await a.store.record(id: connection.id)?.nextActionAt
            if next.map({ $0 > vault.clock.now() }) != true {
                let events = try await a.events(connectionID: connection.id, limit: 1000)
                Issue.record(
                    """
                    \(connection.id) is active but its next action is \(next.map { "\($0)" } ?? "nil"); events: \
                    \(events.map { "\($0.type) \($0.data)" })
                    """)
            }
        }
        for id in ids {
            let openID = openIDs[id]!
            #expect(
                counters.refreshesByOpenID[openID] == 1,
                "\(id) (\(openID)) refreshed \(counters.refreshesByOpenID[openID] ?? 0) times\n\(Self.vaultLines(logs))"
            )
        }
        #expect(counters.refreshes == connectionCount)
        #expect(counters.refreshGraceUses == 0)

        // The pairs TikTok issued while the database was down: instance A kept each in memory and stored it after
        // the restart (it logs each failed attempt).
        let lines = logs.lines.withLock { $0 }
        func mentioned(_ prefix: String) -> Set<String> {
            Set(ids.filter { id in lines.contains { $0.hasPrefix(prefix) && $0.contains(id) } })
        }
        let heldByA = mentioned("error vault-a Storing refreshed tokens failed; retrying until stored")
        let storedLateByA = mentioned("notice vault-a Refreshed tokens stored after database failures")
        #expect(!heldByA.isEmpty, "no refreshed pair was held through the outage: the test missed its point")
        #expect(storedLateByA.isSubset(of: heldByA))

        // Refresh failures at TikTok. Instance A never presents a stale token. Instance B may: when the database comes
        // back, B's sweep can claim a connection whose lease (held by A) lapsed during the outage before A has stored
        // the pair it holds, and B then presents the refresh token still in the database, which TikTok rotated out
        // (no grace: 40110). B cannot know better (the only record of the rotation is A's memory), so this is
        // expected, and harmless here: B's write marking the connection `reauthorization_required` either loses the
        // compare-and-swap to A's pair (A wrote first: the connection never leaves `active`), or wins, and A's pair,
        // stored next, restores the connection (`restored_from`). So: every failure TikTok counted is such a refusal
        // logged by B, for a connection whose pair A held through the outage, at most one per connection, and every
        // connection marked `reauthorization_required` was restored by a later refresh. Nothing else failed.
        let refusedByA = lines.filter { $0.hasPrefix("warning vault-a TikTok refused the refresh token") }
        let refusedByB = lines.filter { $0.hasPrefix("warning vault-b TikTok refused the refresh token") }
        let refusedConnections = ids.filter { id in refusedByB.contains { $0.contains(id) } }
        #expect(refusedByA.isEmpty, "instance A presented a refused refresh token: \(refusedByA)")
        #expect(counters.refreshFailures == refusedByB.count, "\(Self.vaultLines(logs))")
        #expect(refusedConnections.count == refusedByB.count, "a connection was refused twice: \(refusedByB)")
        #expect(
            Set(refusedConnections).isSubset(of: heldByA),
            "TikTok refused the token of a connection A did not hold a pair for\n\(Self.vaultLines(logs))")
        var restoredIDs: [String] = []
        var marked = 0
        for id in ids {
            let events = try await a.events(connectionID: id, limit: 1000)
            guard let lastMark = events.lastIndex(where: { $0.type == .reauthorizationRequired }) else { continue }
            marked += 1
            #expect(refusedConnections.contains(id), "\(id) was marked without a refusal: \(events.map(\.type))")
            let restoring = events[(lastMark + 1)...].first { $0.type == .tokenRefreshed }
            #expect(restoring?.data["restored_from"] == "reauthorization_required", "\(id): \(events.map(\.type))")
            if restoring != nil { restoredIDs.append(id) }
        }

        print(
            """
            PostgresOutageTests: outage \(outageSeconds) s; \(refreshedBeforeTheStop) refreshes answered before the \
            stop, \(countersAtResume.refreshes) by the restart; A held \(heldByA.count) pairs through the outage \
            (A's sweep: \(reportA.refreshed) refreshed, \(reportA.failed) failed, stored \
            \(Self.seconds(storedA - resumed)) s after the restart); B swept \(sweepsB) times (\(failedSweepsB) failed); TikTok refused \(refusedByB.count) \
            stale tokens from B (\(marked) connections marked, \(restoredIDs.count) restored: \(restoredIDs))
            """)

        // The stored refresh token of every connection is the latest one: a further cycle refreshes every connection
        // once more, with no failure.
        let failuresBefore = counters.refreshFailures
        try vault.advance(86_400)
        async let cycleA = Self.sweepUntilIdle(a)
        async let cycleB = Self.sweepUntilIdle(b)
        _ = try await (cycleA, cycleB)
        let after = control.counters
        #expect(after.refreshFailures == failuresBefore, "\(Self.vaultLines(logs))")
        for id in ids {
            #expect(after.refreshesByOpenID[openIDs[id]!] == 2, "\(id): \(after.refreshesByOpenID[openIDs[id]!] ?? 0)")
        }
        for connection in try await b.connections(limit: 100) {
            #expect(connection.status == .active, "\(connection.id) is \(connection.status) after the further cycle")
        }
    }

    /// Sweeps until nothing is due now.
    private static func sweepUntilIdle(_ manager: ConnectionManager) async throws {
        while try await manager.sweep(limit: 500, concurrency: 8).claimed > 0 {}
    }

    private static func seconds(_ duration: Duration) -> String {
        String(format: "%.1f", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }

    /// The vault instances' log lines above debug level, for a failure's message.
    private static func vaultLines(_ logs: LogCapture) -> String {
        logs.lines.withLock { lines in
            lines.filter { line in
                (line.contains(" vault-a ") || line.contains(" vault-b "))
                    && !line.hasPrefix("trace ") && !line.hasPrefix("debug ")
            }.joined(separator: "\n")
        }
    }
}

/// A flag set once, read from any task.
private final class Flag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
