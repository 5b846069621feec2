import Foundation
import GRDB
import Synchronization
import Testing
import TikTokBusiness
import TikTokConnections
import TikTokConnectionsSQLite

/// The SQLite store shares one commit among concurrent writes (group commit). These tests hold SQLite's write lock
/// from another connection, as another process would, so that writes pile up behind it and commit together.
@Suite("SQLite group commit keeps every write's guarantees")
struct GroupCommitTests {
    static func temporaryPath() -> (directory: String, path: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "group-commit-\(UUID().uuidString)"
        )
        .path
        return (directory, directory + "/connections.sqlite")
    }

    /// Holds the database's write lock from another connection for `duration` (in a transaction of its own).
    static func holdWriteLock(_ path: String, for duration: Duration) async throws -> Task<Void, any Error> {
        let held = Mutex(false)
        let blocker = try DatabaseQueue(path: path)
        let task = Task.detached {
            try await blocker.writeWithoutTransaction { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                held.withLock { $0 = true }
                Thread.sleep(
                    forTimeInterval: Double(duration.components.seconds) + 1e-18
                        * Double(duration.components.attoseconds))
                try db.execute(sql: "COMMIT")
            }
        }
        while !held.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        return task
    }

    @Test func writesQueuedTogetherFailOnlyOnTheirOwnFaultAndAreAllDurable() async throws {
        let (directory, path) = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteConnectionStore(path: path, logger: StoreFixtures.logger)
        try await store.migrate()
        for index in 0..<5 {
            try await store.insert(StoreFixtures.record("existing_\(index)"), events: [])
        }
        let lock = try await Self.holdWriteLock(path, for: .milliseconds(400))

        enum Outcome: Sendable, Equatable { case inserted, duplicateRefused, updated, staleRefused, failed(String) }
        let outcomes = try await withThrowingTaskGroup(of: (String, Outcome).self) { group in
            for index in 0..<50 {
                group.addTask {
                    let id = "new_\(index)"
                    try await store.insert(
                        StoreFixtures.record(id), events: [StoreFixtures.event(.connectionCreated, id)])
                    return (id, .inserted)
                }
            }
            for index in 0..<5 {
                group.addTask {
                    let id = "existing_\(index)"
                    do {
                        try await store.insert(
                            StoreFixtures.record(id), events: [StoreFixtures.event(.connectionCreated, id)])
                        return (id + "/insert", .inserted)
                    } catch let error as ConnectionStoreError {
                        return (
                            id + "/insert",
                            error.message.contains("already exists") ? .duplicateRefused : .failed(error.message)
                        )
                    }
                }
                group.addTask {
                    let id = "existing_\(index)"
                    var stale = StoreFixtures.stored(StoreFixtures.record(id), version: 7)
                    stale.failureCount = 99
                    let stored = try await store.update(stale, events: [StoreFixtures.event(.refreshFailed, id)])
                    return (id + "/stale", stored ? .updated : .staleRefused)
                }
            }
            var outcomes: [String: Outcome] = [:]
            for try await (key, outcome) in group { outcomes[key] = outcome }
            return outcomes
        }
        try await lock.value

        #expect(outcomes.count == 60)
        for index in 0..<50 { #expect(outcomes["new_\(index)"] == .inserted) }
        for index in 0..<5 {
            #expect(outcomes["existing_\(index)/insert"] == .duplicateRefused)
            #expect(outcomes["existing_\(index)/stale"] == .staleRefused)
        }
        // Durable and complete, as another process opening the file sees it.
        let reopened = try SQLiteConnectionStore(path: path, logger: StoreFixtures.logger)
        for index in 0..<50 { #expect(try await reopened.record(id: "new_\(index)")?.version == 1) }
        for index in 0..<5 {
            let record = try #require(try await reopened.record(id: "existing_\(index)"))
            #expect(record.version == 1 && record.failureCount == 0)
        }
        let events = try await reopened.events(after: 0, connectionID: nil, limit: 1_000)
        #expect(events.count == 50)
        #expect(Set(events.map(\.connectionID)) == Set((0..<50).map { "new_\($0)" }))
    }

    @Test func concurrentConsumersOfOneStateBehindABusyWriterStillGetOneWinner() async throws {
        let (directory, path) = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteConnectionStore(path: path, logger: StoreFixtures.logger)
        try await store.migrate()
        for index in 0..<10 { try await store.insertState(StoreFixtures.state("hash_\(index)")) }
        let lock = try await Self.holdWriteLock(path, for: .milliseconds(300))
        let winners = try await withThrowingTaskGroup(of: (String, Bool).self) { group in
            for index in 0..<10 {
                for _ in 0..<8 {
                    group.addTask {
                        ("hash_\(index)", try await store.consumeState(hash: "hash_\(index)", now: StoreFixtures.at(1)))
                    }
                }
            }
            var winners: [String: Int] = [:]
            for try await (hash, won) in group where won { winners[hash, default: 0] += 1 }
            return winners
        }
        try await lock.value
        #expect(winners == Dictionary(uniqueKeysWithValues: (0..<10).map { ("hash_\($0)", 1) }))
    }

    @Test func twoInstancesSweepingOneFileNeverRefreshAConnectionTwiceNorLoseAToken() async throws {
        let (directory, path) = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tikTok = InstantTikTok(latency: .milliseconds(1))
        let cipher = try TokenCipher(keys: [.generate(id: "k1")])
        var managers: [ConnectionManager] = []
        var stores: [SQLiteConnectionStore] = []
        for instance in ["instance-a", "instance-b"] {
            // A store each, as two processes on one file have.
            let store = try SQLiteConnectionStore(path: path, logger: StoreFixtures.logger)
            try await store.migrate()
            var configuration = ConnectionManager.Configuration(
                redirectURIs: ConnectionManager.Configuration.redirectURIs(publicURL: "http://127.0.0.1:8080"))
            configuration.instanceID = instance
            stores.append(store)
            managers.append(
                ConnectionManager(
                    client: tikTok.client(), store: store, cipher: cipher, configuration: configuration,
                    logger: StoreFixtures.logger))
        }
        let count = 1_500
        let ids = try await tikTok.seedDueAccounts(count, into: stores[0], cipher: cipher, now: Date())
        let reports = try await withThrowingTaskGroup(of: SweepReport.self) { group in
            for manager in managers {
                group.addTask {
                    var total = SweepReport()
                    while true {
                        let report = try await manager.sweep(limit: 100, concurrency: 32)
                        total.claimed += report.claimed
                        total.refreshed += report.refreshed
                        total.failed += report.failed
                        if report.claimed == 0 { return total }
                    }
                }
            }
            return try await group.reduce(into: [SweepReport]()) { $0.append($1) }
        }
        #expect(reports.map(\.refreshed).reduce(0, +) == count)
        #expect(reports.allSatisfy { $0.refreshed > 0 }, "both instances took part: \(reports)")
        #expect(reports.map(\.failed).reduce(0, +) == 0)
        #expect(tikTok.spentTwice.isEmpty)
        #expect(tikTok.refusals == 0)
        #expect(tikTok.refreshes == count)
        // Every stored refresh token is the one TikTok accepts now.
        let valid = tikTok.ledger.withLock { Set($0.valid.keys) }
        for id in ids {
            let record = try #require(try await stores[1].record(id: id))
            let refresh = try cipher.open(try #require(record.refreshToken), connectionID: id, field: .refreshToken)
            #expect(valid.contains(refresh))
            #expect(record.version == 2)
        }
    }
}

@Suite("Event data")
struct EventDataFormatTests {
    @Test func aRefreshEventCarriesItsExpiryAsISO8601DateFormatterWritesIt() async throws {
        let (directory, store, tikTok, cipher, manager) = try await InstantVault.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ids = try await tikTok.seedDueAccounts(1, into: store, cipher: cipher, now: Date())
        let refreshed = try await manager.refresh(id: ids[0])
        let event = try #require(
            try await store.events(after: 0, connectionID: ids[0], limit: 10).first { $0.type == .tokenRefreshed })
        let expected = ISO8601DateFormatter().string(from: try #require(refreshed.accessTokenExpiresAt))
        #expect(event.data["access_token_expires_at"] == expected)
    }
}

@Suite("Token cache and sweeps")
struct TokenCacheSweepTests {
    @Test func aTokenCachedBeforeASweepIsReplacedByTheRefreshedOne() async throws {
        let (directory, store, tikTok, cipher, manager) = try await InstantVault.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ids = try await tikTok.seedDueAccounts(3, into: store, cipher: cipher, now: Date())
        let before = try await manager.accessToken(for: ids[0])
        #expect(before == "at-seed-\(ids[0])")
        let report = try await manager.sweep(limit: 10, concurrency: 4)
        #expect(report.refreshed == 3)
        for id in ids {
            let token = try await manager.accessToken(for: id)
            let stored = try #require(try await store.record(id: id)?.accessToken)
            #expect(token == (try cipher.open(stored, connectionID: id, field: .accessToken)))
            #expect(!token.hasPrefix("at-seed-"))
        }
    }
}

/// A vault on a fresh SQLite file whose TikTok answers in-process at once.
enum InstantVault {
    static func make() async throws
        -> (
            directory: String, store: SQLiteConnectionStore, tikTok: InstantTikTok, cipher: TokenCipher,
            manager: ConnectionManager
        )
    {
        let (directory, path) = GroupCommitTests.temporaryPath()
        let store = try SQLiteConnectionStore(path: path, logger: StoreFixtures.logger)
        try await store.migrate()
        let tikTok = InstantTikTok()
        let cipher = try TokenCipher(keys: [.generate(id: "k1")])
        let manager = ConnectionManager(
            client: tikTok.client(), store: store, cipher: cipher,
            configuration: .init(
                redirectURIs: ConnectionManager.Configuration.redirectURIs(publicURL: "http://127.0.0.1:8080")),
            logger: StoreFixtures.logger)
        return (directory, store, tikTok, cipher, manager)
    }
}
