import Foundation
import Testing
import TikTokConnections
import TikTokConnectionsPostgres
import TikTokTestSupport

/// `PostgresConnectionStore` beyond the shared contract: several instances (pools) on one database, migrations
/// started at once, exact dates, errors without values. Needs a server (see ``PostgresTestDatabase``).
@Suite("PostgreSQL store", .enabled(if: PostgresTestDatabase.isEnabled))
struct PostgresStoreTests {
    private typealias F = StoreFixtures

    /// Runs `body` with stores on a fresh database, then stops them and drops it.
    private func withDatabase(_ body: (PostgresTestStores) async throws -> Void) async throws {
        let stores = PostgresTestStores(database: try await PostgresTestDatabase.create())
        do {
            try await body(stores)
        } catch {
            await stores.stopAll()
            throw error
        }
        await stores.stopAll()
    }

    @Test("four instances migrating a new database at once apply each migration once")
    func concurrentMigrations() async throws {
        try await withDatabase { stores in
            var instances: [PostgresConnectionStore] = []
            for _ in 0..<4 { instances.append(try await stores.open(migrate: false)) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for store in instances { group.addTask { try await store.migrate() } }
                try await group.waitForAll()
            }
            // Every instance sees the same, complete schema, and migrating again changes nothing.
            try await instances[0].insert(
                F.record("conn_1", identities: ["A1"]), events: [F.event(.connectionCreated, "conn_1")])
            for store in instances {
                try await store.migrate()
                #expect(try await store.record(id: "conn_1") == F.stored(F.record("conn_1", identities: ["A1"])))
                #expect(
                    try await store.connectionID(kind: .advertiser, endUserID: nil, matchingAnyOf: ["A1"]) == "conn_1")
                #expect(try await store.events(after: 0, connectionID: nil, limit: 10).count == 1)
            }
        }
    }

    @Test("two instances, six claimers: every due connection is claimed exactly once")
    func twoInstancesClaimDisjointly() async throws {
        try await withDatabase { stores in
            let first = try await stores.open()
            let second = try await stores.open()
            let ids = (0..<300).map { String(format: "conn_%04d", $0) }
            for (index, id) in ids.enumerated() {
                try await first.insert(F.record(id, nextActionAt: F.at(Double(-(index % 17)))), events: [])
            }
            let claims = try await withThrowingTaskGroup(of: [String].self) { group in
                for claimer in 0..<6 {
                    let store = claimer.isMultiple(of: 2) ? first : second
                    group.addTask {
                        var claimed: [String] = []
                        while true {
                            let batch = try await store.claimDue(
                                now: F.at(0), limit: 7, owner: "owner-\(claimer)", leaseUntil: F.at(60))
                            if batch.isEmpty { return claimed }
                            claimed += batch.map(\.id)
                        }
                    }
                }
                return try await group.reduce(into: [[String]]()) { $0.append($1) }
            }
            let all = claims.flatMap { $0 }
            #expect(all.count == ids.count)
            #expect(Set(all) == Set(ids))
            #expect(claims.filter { !$0.isEmpty }.count > 1)
            // Leased: nothing is claimable until the leases expire.
            #expect(try await second.claimDue(now: F.at(30), limit: 10, owner: "late", leaseUntil: F.at(90)).isEmpty)
        }
    }

    @Test("concurrent compare-and-swap updates from two instances: one winner per version")
    func concurrentUpdatesFromTwoInstances() async throws {
        try await withDatabase { stores in
            let first = try await stores.open()
            let second = try await stores.open()
            try await first.insert(F.record("conn_1"), events: [])
            let read = try #require(try await first.record(id: "conn_1"))
            let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<10 {
                    let store = index.isMultiple(of: 2) ? first : second
                    var record = read
                    record.failureCount = index + 1
                    group.addTask {
                        try await store.update(record, events: [F.event(.refreshFailed, "conn_1", at: Double(index))])
                    }
                }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(winners == 1)
            #expect(try await second.record(id: "conn_1")?.version == 2)
            #expect(try await second.events(after: 0, connectionID: "conn_1", limit: 100).count == 1)
        }
    }

    @Test("a reader paging the event log while two instances append never skips an event")
    func eventReadersNeverSkip() async throws {
        try await withDatabase { stores in
            let first = try await stores.open()
            let second = try await stores.open()
            let writers = 8
            let perWriter = 40
            async let written: Void = withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<writers {
                    let store = writer.isMultiple(of: 2) ? first : second
                    group.addTask {
                        for index in 0..<perWriter {
                            try await store.appendEvents([
                                F.event(.refreshFailed, "conn_\(writer)", at: Double(index)),
                                F.event(.tokenRefreshed, "conn_\(writer)", at: Double(index)),
                            ])
                        }
                    }
                }
                try await group.waitForAll()
            }
            // Page through the log as it grows, as a webhook sender does, with a cursor.
            var seen: [ConnectionEvent] = []
            var cursor: Int64 = 0
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(60)
            while seen.count < writers * perWriter * 2, clock.now < deadline {
                let page = try await second.events(after: cursor, connectionID: nil, limit: 7)
                seen += page
                cursor = page.last?.sequence ?? cursor
            }
            try await written
            let all = try await first.events(after: 0, connectionID: nil, limit: 10_000)
            #expect(all.count == writers * perWriter * 2)
            #expect(seen.map(\.id) == all.map(\.id))
        }
    }

    @Test("dates in whole microseconds read back exactly")
    func microsecondDatesRoundTrip() async throws {
        try await withDatabase { stores in
            let store = try await stores.open()
            let now = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1_000_000).rounded() / 1_000_000)
            var record = F.record("conn_1", kind: .tiktokAccount, identities: ["open-1"], updatedAt: now)
            record.connection.createdAt = now.addingTimeInterval(-0.000_001)
            record.connection.accessTokenExpiresAt = now.addingTimeInterval(86_400)
            record.connection.refreshTokenExpiresAt = now.addingTimeInterval(31_536_000)
            record.connection.lastRefreshedAt = now
            record.nextActionAt = now.addingTimeInterval(85_800.000_123)
            try await store.insert(record, events: [F.event(.connectionCreated, "conn_1")])
            #expect(try await store.record(id: "conn_1") == F.stored(record))
            #expect(try await store.nextActionDate() == record.nextActionAt)
        }
    }

    @Test("errors carry no argument values")
    func errorsCarryNoValues() async throws {
        try await withDatabase { stores in
            let store = try await stores.open()
            let event = ConnectionEvent(
                id: "evt_secretvalue", type: .connectionCreated, connectionID: "conn_secret", occurredAt: F.origin)
            try await store.appendEvents([event])
            do {
                try await store.appendEvents([event])
                Issue.record("a duplicate event id was accepted")
            } catch let error as ConnectionStoreError {
                #expect(error.message.contains("23505"))
                let described = "\(error) \(String(reflecting: error))"
                #expect(!described.contains("secretvalue") && !described.contains("conn_secret"))
            }
        }
    }

    @Test("a server restart under load: every operation ends in bounded time, then the pool recovers")
    func serverRestartUnderLoad() async throws {
        let cluster = try await PostgresCluster.start()
        do {
            try await restartUnderLoad(cluster)
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    private func restartUnderLoad(_ cluster: PostgresCluster) async throws {
        try await PostgresConnectionStore.withStore(
            url: cluster.url,
            configure: {
                $0.connectTimeout = .seconds(1)
                $0.connectionWaitTimeout = .seconds(1)
                $0.operationTimeout = .seconds(5)
            },
            logger: PostgresTestDatabase.logger
        ) { store in
            try await cluster.migrate(store)
            let ids = (0..<20).map { "conn_restart_\($0)" }
            for id in ids { try await store.insert(F.record(id), events: [F.event(.connectionCreated, id)]) }
            let clock = ContinuousClock()
            let started = clock.now
            let stats = RestartStats()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<24 {
                    group.addTask {
                        var round = 0
                        while clock.now - started < .seconds(7) {
                            let id = ids[(worker + round) % ids.count]
                            round += 1
                            let began = clock.now
                            do {
                                if var record = try await store.record(id: id) {
                                    record.failureCount += 1
                                    _ = try await store.update(record, events: [F.event(.refreshFailed, id)])
                                }
                                await stats.succeeded()
                            } catch is ConnectionStoreError {
                                await stats.failed()
                                try await Task.sleep(for: .milliseconds(50))
                            }
                            await stats.took(clock.now - began)
                        }
                    }
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(1))
                    try await cluster.pause()
                    try await Task.sleep(for: .seconds(2))
                    try await cluster.resume()
                }
                try await group.waitForAll()
            }
            // Every operation ended: with an answer, or a store error within the wait and operation timeouts.
            let (slowest, succeeded, failed) = await (stats.slowest, stats.successes, stats.failures)
            #expect(slowest < .seconds(12))
            #expect(succeeded > 0 && failed > 0, "\(succeeded) succeeded, \(failed) failed")
            // Recovered by itself: every row is there and writable.
            try await store.ping()
            for id in ids {
                var record = try #require(try await store.record(id: id))
                record.failureCount = 0
                #expect(try await store.update(record, events: []))
            }
        }
    }

    @Test("an unreachable database fails operations fast with a store error")
    func unreachableDatabaseFailsFast() async throws {
        var configuration = try PostgresConnectionStore.Configuration(url: "postgres://postgres@127.0.0.1:1/none")
        configuration.connectTimeout = .seconds(1)
        configuration.connectionWaitTimeout = .milliseconds(500)
        let store = PostgresConnectionStore(configuration: configuration, logger: PostgresTestDatabase.logger)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            let clock = ContinuousClock()
            let started = clock.now
            await #expect(throws: ConnectionStoreError.self) { try await store.ping() }
            await #expect(throws: ConnectionStoreError.self) { try await store.record(id: "conn_1") }
            // Two 0.5 s waits: the bound is generous for a loaded machine's stalls, and still far from a hang.
            #expect(clock.now - started < .seconds(30))
            group.cancelAll()
        }
    }
}

@Suite("PostgreSQL store configuration")
struct PostgresStoreConfigurationTests {
    @Test("URLs parse into a configuration with the default pool settings")
    func urlsParse() throws {
        let full = try PostgresConnectionStore.Configuration(url: "postgres://vault:p%40ss@db.example:6543/tik%20tok")
        #expect(full.host == "db.example" && full.port == 6543)
        #expect(full.username == "vault" && full.password == "p@ss" && full.database == "tik tok")
        #expect(full.maximumConnections == 20 && full.minimumConnections == 0)
        #expect(full.statementTimeout == .seconds(30) && full.connectTimeout == .seconds(10))

        let short = try PostgresConnectionStore.Configuration(url: "postgresql://postgres@127.0.0.1")
        #expect(short.port == 5432 && short.password == nil && short.database == nil)
        let ipv6 = try PostgresConnectionStore.Configuration(url: "postgres://u@[::1]:5433/db?sslmode=disable")
        #expect(ipv6.host == "::1" && ipv6.port == 5433)
    }

    @Test("bad URLs are rejected without echoing them")
    func badURLs() {
        for url in [
            "mysql://u:secretpw@h/db", "postgres://h:5432/db", "postgres://u:secretpw@/db", "not a url",
            "postgres://u:secretpw@h/db?sslmode=prefer", "postgres://u:secretpw@h/db?application_name=x",
        ] {
            #expect {
                _ = try PostgresConnectionStore.Configuration(url: url)
            } throws: { error in
                "\(error)".contains("secretpw") == false && error is ConnectionStoreError
            }
        }
    }
}

/// What the operations of the restart test saw.
private actor RestartStats {
    private(set) var slowest: Duration = .zero
    private(set) var successes = 0
    private(set) var failures = 0
    func took(_ duration: Duration) { slowest = max(slowest, duration) }
    func succeeded() { successes += 1 }
    func failed() { failures += 1 }
}
