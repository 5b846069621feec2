import Foundation
import Testing
import TikTokConnections

/// What every ``ConnectionStore`` must do, written against the protocol only, run against every store in
/// ``StoreFactory/all``, each test on a fresh, migrated database.
@Suite("ConnectionStore contract")
struct StoreContractTests {
    private typealias F = StoreFixtures

    // MARK: Connections

    @Test("insert then read returns every field", arguments: StoreFactory.all)
    func insertAndReadRoundTrip(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            let full = F.fullRecord("conn_full")
            let sparse = F.sparseRecord("conn_sparse")
            try await store.insert(full, events: [])
            try await store.insert(sparse, events: [])

            let readFull = try #require(try await store.record(id: full.id))
            #expect(readFull == F.stored(full))
            #expect(readFull.connection == full.connection)
            #expect(readFull.connection.accessTokenExpiresAt == F.at(86_400.5))
            #expect(readFull.accessToken?.text == full.accessToken?.text)
            #expect(readFull.refreshToken?.keyID == "k2")
            #expect(readFull.warningsSent == [30, 7])

            let readSparse = try #require(try await store.record(id: sparse.id))
            #expect(readSparse == F.stored(sparse))
            #expect(readSparse.connection.statusReason == "")
            #expect(readSparse.connection.endUserID == "")
            #expect(readSparse.connection.openID == nil)
            #expect(readSparse.connection.advertiserIDs.isEmpty)
            #expect(readSparse.accessToken == nil && readSparse.refreshToken == nil && readSparse.nextActionAt == nil)

            #expect(try await store.record(id: "conn_missing") == nil)
        }
    }

    @Test("insert rejects an existing id and a non-zero version", arguments: StoreFactory.all)
    func insertRejectsDuplicatesAndNonZeroVersions(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            let original = F.record("conn_1", identities: ["A1"])
            try await store.insert(original, events: [F.event(.connectionCreated, "conn_1")])

            var duplicate = F.record("conn_1", kind: .creator, identities: ["open-x"])
            duplicate.connection.scopes = ["changed"]
            await #expect(throws: ConnectionStoreError.self) {
                try await store.insert(duplicate, events: [F.event(.connectionCreated, "conn_1")])
            }
            #expect(try await store.record(id: "conn_1") == F.stored(original))
            #expect(try await store.events(after: 0, connectionID: nil, limit: 10).count == 1)
            #expect(try await store.connectionID(kind: .creator, endUserID: nil, matchingAnyOf: ["open-x"]) == nil)

            var versioned = F.record("conn_2")
            versioned.version = 1
            await #expect(throws: ConnectionStoreError.self) { try await store.insert(versioned, events: []) }
            #expect(try await store.record(id: "conn_2") == nil)
        }
    }

    @Test("update is a compare-and-swap on the version", arguments: StoreFactory.all)
    func updateIsCompareAndSwap(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            let original = F.record("conn_1", kind: .tiktokAccount, identities: ["open-1"], nextActionAt: F.at(100))
            try await store.insert(original, events: [])
            var read = try #require(try await store.record(id: "conn_1"))
            #expect(read.version == 1)

            read.connection.scopes = ["user.info.basic"]
            read.connection.updatedAt = F.at(10)
            read.accessToken = F.sealed(key: "k1", seed: 99)
            read.failureCount = 1
            read.warningsSent = [30]
            read.nextActionAt = nil
            #expect(try await store.update(read, events: []))
            let afterFirst = try #require(try await store.record(id: "conn_1"))
            #expect(afterFirst == F.stored(read, version: 2))

            // A writer that read version 1 lost the race: nothing changes.
            var stale = read
            stale.connection.status = .revoked
            stale.accessToken = nil
            #expect(try await store.update(stale, events: [F.event(.connectionRevoked, "conn_1")]) == false)
            #expect(try await store.record(id: "conn_1") == afterFirst)
            #expect(try await store.events(after: 0, connectionID: nil, limit: 10).isEmpty)

            // A version from the future changes nothing either.
            var future = afterFirst
            future.version = 7
            #expect(try await store.update(future, events: []) == false)

            var next = afterFirst
            next.connection.status = .revoked
            next.accessToken = nil
            next.refreshToken = nil
            #expect(try await store.update(next, events: []))
            #expect(try await store.record(id: "conn_1") == F.stored(next, version: 3))

            #expect(try await store.update(F.record("conn_missing"), events: []) == false)
            #expect(try await store.record(id: "conn_missing") == nil)
        }
    }

    // MARK: Events

    @Test("events are appended with writes and read by sequence, connection and limit", arguments: StoreFactory.all)
    func eventsAreAppendedWithWritesAndPaged(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            let created = F.event(
                .connectionCreated, "conn_1", at: 0, data: ["kind": "advertiser", "advertisers": "2"])
            try await store.insert(F.record("conn_1", identities: ["A1"]), events: [created])
            try await store.insert(F.record("conn_2"), events: [F.event(.connectionCreated, "conn_2", at: 1)])
            var record = try #require(try await store.record(id: "conn_1"))
            record.connection.updatedAt = F.at(2)
            let refreshed = F.event(.tokenRefreshed, "conn_1", at: 2)
            let changed = F.event(.advertisersChanged, "conn_1", at: 2.5, data: ["added": "A2"])
            #expect(try await store.update(record, events: [refreshed, changed]))
            try await store.appendEvents([F.event(.refreshFailed, "conn_2", at: 3, data: ["reason": "timeout"])])
            try await store.appendEvents([])

            let all = try await store.events(after: 0, connectionID: nil, limit: 100)
            #expect(
                all.map(\.type) == [
                    .connectionCreated, .connectionCreated, .tokenRefreshed, .advertisersChanged, .refreshFailed,
                ])
            #expect(all.map(\.connectionID) == ["conn_1", "conn_2", "conn_1", "conn_1", "conn_2"])
            #expect(zip(all, all.dropFirst()).allSatisfy { $0.sequence < $1.sequence })
            #expect(all.allSatisfy { $0.sequence > 0 })
            // Everything but the sequence comes back as written.
            var expectedCreated = created
            expectedCreated.sequence = all[0].sequence
            #expect(all[0] == expectedCreated)
            #expect(all[3].id == changed.id && all[3].data == ["added": "A2"] && all[3].occurredAt == F.at(2.5))

            let afterSecond = try await store.events(after: all[1].sequence, connectionID: nil, limit: 100)
            #expect(afterSecond.map(\.id) == all.dropFirst(2).map(\.id))
            let forConn1 = try await store.events(after: 0, connectionID: "conn_1", limit: 100)
            #expect(forConn1.map(\.id) == [created.id, refreshed.id, changed.id])
            let limited = try await store.events(after: all[0].sequence, connectionID: "conn_1", limit: 1)
            #expect(limited.map(\.id) == [refreshed.id])
            #expect(try await store.events(after: all[4].sequence, connectionID: nil, limit: 100).isEmpty)
            #expect(try await store.events(after: 0, connectionID: "conn_none", limit: 100).isEmpty)
        }
    }

    @Test("a failed write appends no event", arguments: StoreFactory.all)
    func failedWritesAppendNoEvents(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            let first = F.event(.connectionCreated, "conn_1")
            try await store.insert(F.record("conn_1"), events: [first])
            let record = try #require(try await store.record(id: "conn_1"))

            // An event id already in the log fails the whole write: the connection keeps its version, no event lands.
            var changed = record
            changed.connection.status = .revoked
            let reused = ConnectionEvent(
                id: first.id, type: .connectionRevoked, connectionID: "conn_1", occurredAt: F.at(1))
            await #expect(throws: (any Error).self) {
                _ = try await store.update(changed, events: [F.event(.tokenRefreshed, "conn_1"), reused])
            }
            #expect(try await store.record(id: "conn_1") == record)
            #expect(try await store.events(after: 0, connectionID: nil, limit: 10).map(\.id) == [first.id])

            await #expect(throws: (any Error).self) {
                try await store.appendEvents([F.event(.refreshFailed, "conn_1"), reused])
            }
            #expect(try await store.events(after: 0, connectionID: nil, limit: 10).map(\.id) == [first.id])
        }
    }

    // MARK: Identities

    @Test("identities find the most recently updated connection", arguments: StoreFactory.all)
    func identitiesFindTheMostRecentlyUpdatedConnection(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            try await store.insert(F.record("conn_a", identities: ["A1", "A2"], updatedAt: F.at(0)), events: [])
            try await store.insert(F.record("conn_b", identities: ["A2", "A3"], updatedAt: F.at(5)), events: [])
            try await store.insert(
                F.record("conn_t", kind: .tcmAccount, identities: ["A1"], updatedAt: F.at(9)), events: [])
            try await store.insert(F.record("conn_o", kind: .tiktokAccount, identities: ["open-1"]), events: [])

            #expect(try await store.connectionID(kind: .advertiser, endUserID: nil, matchingAnyOf: ["A1"]) == "conn_a")
            #expect(try await store.connectionID(kind: .advertiser, endUserID: nil, matchingAnyOf: ["A2"]) == "conn_b")
            #expect(
                try await store.connectionID(kind: .advertiser, endUserID: nil, matchingAnyOf: ["A1", "A3"]) == "conn_b"
            )
            #expect(
                try await store.connectionID(kind: .advertiser, endUserID: nil, matchingAnyOf: ["X", "A1"]) == "conn_a")
            #expect(
                try await store.connectionID(kind: .tcmAccount, endUserID: nil, matchingAnyOf: ["A1", "A2"]) == "conn_t"
            )
            #expect(
                try await store.connectionID(kind: .tiktokAccount, endUserID: nil, matchingAnyOf: ["open-1"])
                    == "conn_o")
            #expect(try await store.connectionID(kind: .creator, endUserID: nil, matchingAnyOf: ["open-1"]) == nil)
            #expect(try await store.connectionID(kind: .advertiser, endUserID: nil, matchingAnyOf: ["nope"]) == nil)
            #expect(try await store.connectionID(kind: .advertiser, endUserID: nil, matchingAnyOf: []) == nil)

            // An update replaces the identities, and a later updatedAt wins.
            var a = try #require(try await store.record(id: "conn_a"))
            a.connection.advertiserIDs = ["A2", "A4"]
            a.connection.updatedAt = F.at(10)
            #expect(try await store.update(a, events: []))
            #expect(try await store.connectionID(kind: .advertiser, endUserID: nil, matchingAnyOf: ["A1"]) == nil)
            #expect(try await store.connectionID(kind: .advertiser, endUserID: nil, matchingAnyOf: ["A4"]) == "conn_a")
            #expect(try await store.connectionID(kind: .advertiser, endUserID: nil, matchingAnyOf: ["A2"]) == "conn_a")
            #expect(try await store.connectionID(kind: .advertiser, endUserID: nil, matchingAnyOf: ["A3"]) == "conn_b")

            // A failed update leaves the identities alone.
            var stale = a
            stale.connection.advertiserIDs = ["A9"]
            #expect(try await store.update(stale, events: []) == false)
            #expect(try await store.connectionID(kind: .advertiser, endUserID: nil, matchingAnyOf: ["A9"]) == nil)
            #expect(try await store.connectionID(kind: .advertiser, endUserID: nil, matchingAnyOf: ["A4"]) == "conn_a")
        }
    }

    @Test("identities match only connections of the same end user", arguments: StoreFactory.all)
    func identitiesMatchOnlyTheSameEndUser(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            try await store.insert(
                F.record("conn_u1", endUserID: "u1", identities: ["A", "B"], updatedAt: F.at(0)), events: [])
            try await store.insert(
                F.record("conn_u2", endUserID: "u2", identities: ["B", "C"], updatedAt: F.at(5)), events: [])
            try await store.insert(F.record("conn_none", identities: ["B", "D"], updatedAt: F.at(9)), events: [])
            try await store.insert(
                F.record("conn_o1", kind: .tiktokAccount, endUserID: "u1", identities: ["open-1"]), events: [])
            try await store.insert(
                F.record("conn_o2", kind: .tiktokAccount, endUserID: "u2", identities: ["open-1"]), events: [])

            // The same identity under another end user never matches, however recently updated.
            #expect(try await store.connectionID(kind: .advertiser, endUserID: "u1", matchingAnyOf: ["B"]) == "conn_u1")
            #expect(try await store.connectionID(kind: .advertiser, endUserID: "u2", matchingAnyOf: ["B"]) == "conn_u2")
            #expect(try await store.connectionID(kind: .advertiser, endUserID: "u1", matchingAnyOf: ["C"]) == nil)
            #expect(try await store.connectionID(kind: .advertiser, endUserID: "u2", matchingAnyOf: ["A", "X"]) == nil)
            #expect(
                try await store.connectionID(kind: .advertiser, endUserID: "u3", matchingAnyOf: ["A", "B", "C"]) == nil)
            // nil matches only connections without an end user, and an end user never matches those.
            #expect(
                try await store.connectionID(kind: .advertiser, endUserID: nil, matchingAnyOf: ["A", "B"])
                    == "conn_none")
            #expect(try await store.connectionID(kind: .advertiser, endUserID: nil, matchingAnyOf: ["A", "C"]) == nil)
            #expect(try await store.connectionID(kind: .advertiser, endUserID: "u1", matchingAnyOf: ["D"]) == nil)
            #expect(try await store.connectionID(kind: .advertiser, endUserID: "", matchingAnyOf: ["B"]) == nil)
            // Account kinds: one open_id, two end users, two connections.
            #expect(
                try await store.connectionID(kind: .tiktokAccount, endUserID: "u1", matchingAnyOf: ["open-1"])
                    == "conn_o1")
            #expect(
                try await store.connectionID(kind: .tiktokAccount, endUserID: "u2", matchingAnyOf: ["open-1"])
                    == "conn_o2")
            #expect(
                try await store.connectionID(kind: .tiktokAccount, endUserID: nil, matchingAnyOf: ["open-1"]) == nil)

            // An end user moved by an update is matched under the new one only.
            var moved = try #require(try await store.record(id: "conn_u1"))
            moved.connection.endUserID = "u3"
            moved.connection.updatedAt = F.at(20)
            #expect(try await store.update(moved, events: []))
            #expect(try await store.connectionID(kind: .advertiser, endUserID: "u1", matchingAnyOf: ["A", "B"]) == nil)
            #expect(try await store.connectionID(kind: .advertiser, endUserID: "u3", matchingAnyOf: ["A"]) == "conn_u1")
        }
    }

    // MARK: Listing and counts

    @Test("list pages by id and filters by kind, status and end user", arguments: StoreFactory.all)
    func listPagesAndFilters(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            let records = [
                F.record("conn_01", kind: .advertiser, endUserID: "u1"),
                F.record("conn_02", kind: .tiktokAccount, endUserID: "u1", identities: ["o2"]),
                F.record("conn_03", kind: .advertiser, status: .revoked, endUserID: "u2", key: nil),
                F.record("conn_04", kind: .creator, status: .reauthorizationRequired, identities: ["o4"]),
                F.record("conn_05", kind: .tcmAccount, endUserID: "u2"),
                F.record("conn_06", kind: .advertiser, endUserID: "u1"),
                F.record("conn_07", kind: .tiktokAccount, status: .revoked, endUserID: "u1", key: nil),
            ]
            // Inserted out of order: the list is ordered by id, not by insertion.
            for record in records.reversed() { try await store.insert(record, events: []) }

            var pages: [[String]] = []
            var cursor: String?
            while true {
                let page = try await store.list(ConnectionFilter(), after: cursor, limit: 3)
                if page.isEmpty { break }
                pages.append(page.map(\.id))
                cursor = page.last?.id
            }
            #expect(pages == [["conn_01", "conn_02", "conn_03"], ["conn_04", "conn_05", "conn_06"], ["conn_07"]])
            #expect(try await store.list(ConnectionFilter(), after: nil, limit: 1).first == records[0].connection)

            func ids(_ filter: ConnectionFilter, after cursor: String? = nil) async throws -> [String] {
                try await store.list(filter, after: cursor, limit: 100).map(\.id)
            }
            #expect(try await ids(ConnectionFilter(kind: .advertiser)) == ["conn_01", "conn_03", "conn_06"])
            #expect(try await ids(ConnectionFilter(status: .revoked)) == ["conn_03", "conn_07"])
            #expect(try await ids(ConnectionFilter(status: .reauthorizationRequired)) == ["conn_04"])
            #expect(try await ids(ConnectionFilter(endUserID: "u2")) == ["conn_03", "conn_05"])
            #expect(
                try await ids(ConnectionFilter(kind: .tiktokAccount, status: .active, endUserID: "u1")) == ["conn_02"])
            #expect(
                try await ids(ConnectionFilter(kind: .advertiser, endUserID: "u1"), after: "conn_01") == ["conn_06"])
            #expect(try await ids(ConnectionFilter(endUserID: "nobody")).isEmpty)
            #expect(try await ids(ConnectionFilter(), after: "conn_07").isEmpty)
        }
    }

    @Test("counts group by kind and status", arguments: StoreFactory.all)
    func countsGroupByKindAndStatus(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            #expect(try await store.counts().isEmpty)
            let records = [
                F.record("conn_1", kind: .advertiser), F.record("conn_2", kind: .advertiser),
                F.record("conn_3", kind: .advertiser, status: .revoked),
                F.record("conn_4", kind: .creator, status: .reauthorizationRequired),
                F.record("conn_5", kind: .tiktokAccount),
            ]
            for record in records { try await store.insert(record, events: []) }
            let counts = Set(try await store.counts())
            #expect(
                counts == [
                    ConnectionCount(kind: .advertiser, status: .active, count: 2),
                    ConnectionCount(kind: .advertiser, status: .revoked, count: 1),
                    ConnectionCount(kind: .creator, status: .reauthorizationRequired, count: 1),
                    ConnectionCount(kind: .tiktokAccount, status: .active, count: 1),
                ])
        }
    }

    // MARK: Authorization states

    @Test("states are stored, read and consumed once", arguments: StoreFactory.all)
    func statesAreStoredAndConsumedOnce(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            let full = F.state("hash-full", full: true)
            let plain = F.state("hash-plain")
            try await store.insertState(full)
            try await store.insertState(plain)
            #expect(try await store.state(hash: "hash-full") == full)
            #expect(try await store.state(hash: "hash-plain") == plain)
            #expect(try await store.state(hash: "hash-none") == nil)
            await #expect(throws: ConnectionStoreError.self) { try await store.insertState(F.state("hash-plain")) }

            #expect(try await store.consumeState(hash: "hash-full", now: F.at(30.5)))
            #expect(try await store.consumeState(hash: "hash-full", now: F.at(31)) == false)
            #expect(try await store.consumeState(hash: "hash-none", now: F.at(31)) == false)
            var consumed = full
            consumed.consumedAt = F.at(30.5)
            #expect(try await store.state(hash: "hash-full") == consumed)
            #expect(try await store.state(hash: "hash-plain")?.consumedAt == nil)
        }
    }

    @Test("20 concurrent consumers of a state: exactly one succeeds", arguments: StoreFactory.all)
    func concurrentConsumersGetOneSuccess(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            try await store.insertState(F.state("hash-race"))
            let results = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<20 {
                    group.addTask { try await store.consumeState(hash: "hash-race", now: F.at(Double(index))) }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(results.count == 20)
            #expect(results.filter { $0 }.count == 1)
        }
    }

    @Test("deleteStates removes only expired states", arguments: StoreFactory.all)
    func deleteStatesRemovesOnlyExpired(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            try await store.insertState(F.state("hash-old", expiresAt: F.at(10)))
            try await store.insertState(F.state("hash-old-consumed", expiresAt: F.at(20)))
            try await store.insertState(F.state("hash-edge", expiresAt: F.at(30)))
            try await store.insertState(F.state("hash-new", expiresAt: F.at(40)))
            #expect(try await store.consumeState(hash: "hash-old-consumed", now: F.at(5)))

            #expect(try await store.deleteStates(expiredBefore: F.at(30), limit: 100) == 2)
            #expect(try await store.state(hash: "hash-old") == nil)
            #expect(try await store.state(hash: "hash-old-consumed") == nil)
            #expect(try await store.state(hash: "hash-edge") != nil)
            #expect(try await store.state(hash: "hash-new") != nil)
            #expect(try await store.deleteStates(expiredBefore: F.at(30), limit: 100) == 0)
            #expect(try await store.deleteStates(expiredBefore: F.at(100), limit: 0) == 0)
        }
    }

    @Test("deleteStates works in batches, oldest first", arguments: StoreFactory.all)
    func deleteStatesWorksInBatchesOldestFirst(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            for index in 0..<7 {
                try await store.insertState(F.state("hash-\(index)", expiresAt: F.at(Double(10 + index))))
            }
            #expect(try await store.deleteStates(expiredBefore: F.at(100), limit: 3) == 3)
            #expect(try await store.state(hash: "hash-2") == nil)
            #expect(try await store.state(hash: "hash-3") != nil)
            #expect(try await store.deleteStates(expiredBefore: F.at(100), limit: 3) == 3)
            #expect(try await store.deleteStates(expiredBefore: F.at(100), limit: 3) == 1)
            #expect(try await store.deleteStates(expiredBefore: F.at(100), limit: 3) == 0)
        }
    }

    // MARK: Leases

    @Test("claimDue leases due connections until the lease expires or an update", arguments: StoreFactory.all)
    func claimDueLeasesOnlyDueConnections(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            try await store.insert(F.record("conn_late", nextActionAt: F.at(100)), events: [])
            try await store.insert(F.record("conn_due2", nextActionAt: F.at(-5)), events: [])
            try await store.insert(F.record("conn_due1", nextActionAt: F.at(-10)), events: [])
            try await store.insert(F.record("conn_due3", nextActionAt: F.at(0)), events: [])
            try await store.insert(F.record("conn_idle", nextActionAt: nil), events: [])
            let now = F.at(0)

            let first = try await store.claimDue(now: now, limit: 2, owner: "A", leaseUntil: F.at(60))
            #expect(first.map(\.id) == ["conn_due1", "conn_due2"])
            #expect(first.first == F.stored(F.record("conn_due1", nextActionAt: F.at(-10))))
            // The rest of the due rows (nextActionAt == now counts as due); leased rows are skipped.
            let second = try await store.claimDue(now: now, limit: 10, owner: "B", leaseUntil: F.at(60))
            #expect(second.map(\.id) == ["conn_due3"])
            #expect(try await store.claimDue(now: F.at(30), limit: 10, owner: "B", leaseUntil: F.at(90)).isEmpty)
            #expect(try await store.claimDue(now: now, limit: 0, owner: "C", leaseUntil: F.at(60)).isEmpty)

            // Leases expire: after A's lease ends, B can take A's rows (and its own, expired too).
            let afterExpiry = try await store.claimDue(now: F.at(61), limit: 10, owner: "B", leaseUntil: F.at(120))
            #expect(afterExpiry.map(\.id) == ["conn_due1", "conn_due2", "conn_due3"])

            // A successful update releases the lease.
            var record = try #require(try await store.record(id: "conn_due1"))
            record.failureCount = 1
            #expect(try await store.update(record, events: []))
            let reclaimed = try await store.claimDue(now: F.at(62), limit: 10, owner: "C", leaseUntil: F.at(120))
            #expect(reclaimed.map(\.id) == ["conn_due1"])
            #expect(reclaimed.first?.version == 2)

            // A failed update does not.
            #expect(try await store.update(record, events: []) == false)
            #expect(try await store.claimDue(now: F.at(63), limit: 10, owner: "D", leaseUntil: F.at(120)).isEmpty)
        }
    }

    @Test("claim(id:) takes free, expired or own leases", arguments: StoreFactory.all)
    func claimByIDHonoursLeases(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            try await store.insert(F.record("conn_1", nextActionAt: F.at(500)), events: [])
            let now = F.at(0)

            // Not due yet: claim(id:) still leases it (on-demand refresh).
            let taken = try await store.claim(id: "conn_1", now: now, owner: "A", leaseUntil: F.at(60))
            #expect(taken == F.stored(F.record("conn_1", nextActionAt: F.at(500))))
            #expect(try await store.claim(id: "conn_1", now: F.at(10), owner: "B", leaseUntil: F.at(70)) == nil)
            // The owner may take it again, extending its lease.
            #expect(try await store.claim(id: "conn_1", now: F.at(20), owner: "A", leaseUntil: F.at(100)) != nil)
            #expect(try await store.claim(id: "conn_1", now: F.at(80), owner: "B", leaseUntil: F.at(140)) == nil)
            // Expired: anyone.
            #expect(try await store.claim(id: "conn_1", now: F.at(101), owner: "B", leaseUntil: F.at(160)) != nil)
            #expect(try await store.claim(id: "conn_1", now: F.at(102), owner: "A", leaseUntil: F.at(160)) == nil)
            // A claim(id:) lease also keeps claimDue away until it expires.
            try await store.insert(F.record("conn_2", nextActionAt: F.at(0)), events: [])
            #expect(try await store.claim(id: "conn_2", now: now, owner: "A", leaseUntil: F.at(60)) != nil)
            #expect(try await store.claimDue(now: F.at(10), limit: 10, owner: "C", leaseUntil: F.at(70)).isEmpty)
            #expect(
                try await store.claimDue(now: F.at(61), limit: 10, owner: "C", leaseUntil: F.at(120)).map(\.id) == [
                    "conn_2"
                ])
            #expect(try await store.claim(id: "conn_missing", now: now, owner: "A", leaseUntil: F.at(60)) == nil)
        }
    }

    @Test("releaseLease releases only the owner's lease", arguments: StoreFactory.all)
    func releaseLeaseOnlyByItsOwner(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            try await store.insert(F.record("conn_1", nextActionAt: F.at(0)), events: [])
            #expect(try await store.claimDue(now: F.at(0), limit: 10, owner: "A", leaseUntil: F.at(60)).count == 1)

            try await store.releaseLease(id: "conn_1", owner: "B")
            #expect(try await store.claim(id: "conn_1", now: F.at(1), owner: "B", leaseUntil: F.at(60)) == nil)

            try await store.releaseLease(id: "conn_1", owner: "A")
            #expect(
                try await store.claimDue(now: F.at(2), limit: 10, owner: "B", leaseUntil: F.at(60)).map(\.id) == [
                    "conn_1"
                ])
            try await store.releaseLease(id: "conn_1", owner: "B")
            #expect(try await store.claim(id: "conn_1", now: F.at(3), owner: "C", leaseUntil: F.at(60)) != nil)
            try await store.releaseLease(id: "conn_missing", owner: "A")
        }
    }

    @Test("nextActionDate is the earliest next action", arguments: StoreFactory.all)
    func nextActionDateIsTheEarliest(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            #expect(try await store.nextActionDate() == nil)
            try await store.insert(F.record("conn_idle", nextActionAt: nil), events: [])
            #expect(try await store.nextActionDate() == nil)
            try await store.insert(F.record("conn_1", nextActionAt: F.at(300.5)), events: [])
            try await store.insert(F.record("conn_2", nextActionAt: F.at(120.25)), events: [])
            try await store.insert(F.record("conn_3", nextActionAt: F.at(900)), events: [])
            #expect(try await store.nextActionDate() == F.at(120.25))

            var record = try #require(try await store.record(id: "conn_2"))
            record.nextActionAt = nil
            #expect(try await store.update(record, events: []))
            #expect(try await store.nextActionDate() == F.at(300.5))
        }
    }

    @Test("app identity, sealed-token counts and instance reports", arguments: StoreFactory.all)
    func vaultMetadata(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            let openStore = contract.openStore
            // The app identity: recorded once, replaced only from the expected value.
            #expect(try await store.vaultIdentity() == nil)
            let first = VaultIdentity(
                appID: "app-1", apiBaseURL: "https://business-api.tiktok.com/open_api/v1.3/", sandbox: false)
            let second = VaultIdentity(
                appID: "app-2", apiBaseURL: "https://business-api.tiktok.com/open_api/v1.3/", sandbox: false)
            #expect(try await store.recordVaultIdentity(first, replacing: nil))
            #expect(try await store.vaultIdentity() == first)
            #expect(try await !store.recordVaultIdentity(second, replacing: nil))
            #expect(try await !store.recordVaultIdentity(second, replacing: second))
            #expect(try await store.recordVaultIdentity(second, replacing: first))
            #expect(try await openStore().vaultIdentity() == second)

            // Sealed tokens counted per key, access and refresh tokens apart.
            #expect(try await !store.hasConnections())
            #expect(try await store.sealedTokenCounts().isEmpty)
            var records = [
                F.record("conn_a", kind: .tiktokAccount, identities: ["o1"], key: "k1"),
                F.record("conn_b", kind: .advertiser, key: "k2"),
                F.record("conn_none", key: nil),
            ]
            var mixed = F.record("conn_mixed", kind: .creator, identities: ["o2"], key: "k2")
            mixed.refreshToken = F.sealed(key: "k1", seed: 5)
            records.append(mixed)
            var expected: [String: Int] = [:]
            for record in records {
                try await store.insert(record, events: [])
                if let access = record.accessToken { expected[access.keyID, default: 0] += 1 }
                if let refresh = record.refreshToken { expected[refresh.keyID, default: 0] += 1 }
            }
            #expect(try await store.hasConnections())
            #expect(try await store.sealedTokenCounts() == expected)

            // Instances' reports: replaced per id, listed by recency, removed.
            let now = F.at(1_000)
            try await store.recordInstance(VaultInstance(id: "i-1", sealingKeyID: "k1", keyIDs: ["k1"], seenAt: now))
            try await store.recordInstance(
                VaultInstance(id: "i-old", sealingKeyID: "k0", keyIDs: ["k0"], seenAt: now.addingTimeInterval(-100)))
            #expect(try await store.instances(seenSince: now.addingTimeInterval(-10)).map(\.id) == ["i-1"])
            try await store.recordInstance(
                VaultInstance(id: "i-1", sealingKeyID: "k2", keyIDs: ["k2", "k1"], seenAt: now))
            let reported = try await store.instances(seenSince: now.addingTimeInterval(-10))
            #expect(reported == [VaultInstance(id: "i-1", sealingKeyID: "k2", keyIDs: ["k2", "k1"], seenAt: now)])
            try await store.removeInstance(id: "i-1")
            #expect(try await store.instances(seenSince: now.addingTimeInterval(-10)).isEmpty)
            #expect(try await store.instances(seenSince: now.addingTimeInterval(-1_000)).map(\.id) == ["i-old"])
            #expect(try await store.removeInstances(seenBefore: now.addingTimeInterval(-50)) == 1)
            #expect(try await store.instances(seenSince: now.addingTimeInterval(-1_000)).isEmpty)
        }
    }

    @Test("records(notSealedWith:) finds tokens sealed with other keys", arguments: StoreFactory.all)
    func recordsNotSealedWithAKey(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            try await store.insert(
                F.record("conn_new", kind: .tiktokAccount, identities: ["o1"], key: "k2"), events: [])
            try await store.insert(F.record("conn_old1", kind: .advertiser, key: "k1"), events: [])
            try await store.insert(F.record("conn_old2", kind: .creator, identities: ["o2"], key: "k1"), events: [])
            try await store.insert(F.record("conn_none", key: nil), events: [])
            var mixed = F.record("conn_mixed", kind: .tiktokAccount, identities: ["o3"], key: "k2")
            mixed.refreshToken = F.sealed(key: "k1", seed: 5)
            try await store.insert(mixed, events: [])
            var refreshOnly = F.record("conn_refresh_only", kind: .creator, identities: ["o4"], key: nil)
            refreshOnly.refreshToken = F.sealed(key: "k1", seed: 6)
            try await store.insert(refreshOnly, events: [])

            let stale = try await store.records(notSealedWith: "k2", limit: 100)
            #expect(Set(stale.map(\.id)) == ["conn_old1", "conn_old2", "conn_mixed", "conn_refresh_only"])
            #expect(
                stale.first { $0.id == "conn_old1" } == F.stored(F.record("conn_old1", kind: .advertiser, key: "k1")))
            #expect(try await store.records(notSealedWith: "k2", limit: 2).count == 2)
            #expect(
                Set(try await store.records(notSealedWith: "k1", limit: 100).map(\.id)) == ["conn_new", "conn_mixed"])

            // Re-sealed: no longer listed.
            var old1 = try #require(try await store.record(id: "conn_old1"))
            old1.accessToken = F.sealed(key: "k2", seed: 1)
            #expect(try await store.update(old1, events: []))
            let remaining = try await store.records(notSealedWith: "k2", limit: 100)
            #expect(Set(remaining.map(\.id)) == ["conn_old2", "conn_mixed", "conn_refresh_only"])
        }
    }

    // MARK: Operations

    @Test("migrate again keeps the data; ping answers", arguments: StoreFactory.all)
    func migrateAgainAndPing(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            try await store.insert(F.record("conn_1"), events: [F.event(.connectionCreated, "conn_1")])
            try await store.migrate()
            try await store.migrate()
            try await store.ping()
            #expect(try await store.record(id: "conn_1") == F.stored(F.record("conn_1")))
            #expect(try await store.events(after: 0, connectionID: nil, limit: 10).count == 1)
        }
    }

    @Test("two instances claiming concurrently never get the same connection", arguments: StoreFactory.all)
    func twoInstancesNeverClaimTheSameConnection(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            let openStore = contract.openStore
            let other = try await openStore()
            let ids = (0..<60).map { "conn_\(1000 + $0)" }
            for (index, id) in ids.enumerated() {
                try await store.insert(F.record(id, nextActionAt: F.at(Double(-index))), events: [])
            }
            let rounds = ids.count
            @Sendable func drain(_ store: any ConnectionStore, owner: String) async throws -> [String] {
                var claimed: [String] = []
                // Bounded, so that a store whose leases do not hold fails the counts below instead of looping forever.
                for _ in 0..<rounds {
                    let batch = try await store.claimDue(now: F.at(0), limit: 4, owner: owner, leaseUntil: F.at(60))
                    if batch.isEmpty { break }
                    claimed += batch.map(\.id)
                }
                return claimed
            }
            async let fromA = drain(store, owner: "A")
            async let fromB = drain(other, owner: "B")
            async let fromC = drain(store, owner: "C")
            let (a, b, c) = try await (fromA, fromB, fromC)
            #expect(a.count + b.count + c.count == ids.count)
            #expect(Set(a + b + c) == Set(ids))

            // Concurrent single claims of one row across both instances: one winner.
            try await store.insert(F.record("conn_hot", nextActionAt: F.at(0)), events: [])
            let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<10 {
                    let target = index.isMultiple(of: 2) ? store : other
                    group.addTask {
                        try await target.claim(
                            id: "conn_hot", now: F.at(1), owner: "owner-\(index)", leaseUntil: F.at(60))
                            != nil
                    }
                }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(winners == 1)
        }
    }
}
