import Foundation
import Testing
import TikTokConnections
import TikTokConnectionsPostgres
import TikTokTestSupport

/// Leases that hold across machines: a write never frees another instance's lease, and on PostgreSQL a lease is
/// judged by the database's clock, so a caller whose clock runs ahead cannot take it over early.
@Suite("Store leases across instances")
struct StoreLeaseTests {
    private typealias F = StoreFixtures

    @Test(
        "a write by another instance keeps the lease; the holder's own write releases it", arguments: StoreFactory.all)
    func aWriteReleasesOnlyItsOwnLease(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            try await store.insert(F.record("conn_1"), events: [])
            let now = Date()
            let held = try #require(
                try await store.claim(id: "conn_1", now: now, owner: "A", leaseUntil: now.addingTimeInterval(60)))
            // B writes the connection (a liveness result, a key rotation's re-seal) while A refreshes it.
            #expect(try await store.update(held, events: [], leaseOwner: "B"))
            // C must not be able to claim it: A still holds the lease, and may be spending its refresh token.
            #expect(
                try await store.claim(id: "conn_1", now: now, owner: "C", leaseUntil: now.addingTimeInterval(60)) == nil
            )
            #expect(
                try await store.claimDue(
                    now: now.addingTimeInterval(86_400 * 400), limit: 10, owner: "C",
                    leaseUntil: now.addingTimeInterval(60)
                ).isEmpty)
            // A's own write releases it.
            let latest = try #require(try await store.record(id: "conn_1"))
            #expect(try await store.update(latest, events: [], leaseOwner: "A"))
            #expect(
                try await store.claim(id: "conn_1", now: now, owner: "C", leaseUntil: now.addingTimeInterval(60)) != nil
            )
        }
    }

    @Test(
        "on PostgreSQL a lease lasts its duration by the database's clock, whatever the callers' clocks say",
        .enabled(if: PostgresTestDatabase.isEnabled))
    func leasesGoByTheDatabaseClock() async throws {
        let stores = PostgresTestStores(database: try await PostgresTestDatabase.create())
        do {
            let store = try await stores.open { $0.leaseClock = .database }
            try await store.insert(F.record("conn_1"), events: [])
            let now = Date()
            // A takes an 8 s lease with a clock an hour behind; B's clock runs an hour ahead.
            let behind = now.addingTimeInterval(-3_600)
            let taken = ContinuousClock.now
            #expect(
                try await store.claim(id: "conn_1", now: behind, owner: "A", leaseUntil: behind.addingTimeInterval(8))
                    != nil)
            let ahead = now.addingTimeInterval(3_600)
            #expect(
                try await store.claim(id: "conn_1", now: ahead, owner: "B", leaseUntil: ahead.addingTimeInterval(60))
                    == nil,
                "a clock ahead took over a lease that still holds")
            #expect(
                try await store.claimDue(
                    now: ahead.addingTimeInterval(86_400 * 400), limit: 5, owner: "B",
                    leaseUntil: ahead.addingTimeInterval(60)
                )
                .isEmpty)
            // Once 8 s have passed by the database's clock the lease is free, even for a clock an hour behind.
            while try await store.claim(
                id: "conn_1", now: behind, owner: "B", leaseUntil: behind.addingTimeInterval(60)) == nil
            {
                try #require(ContinuousClock.now - taken < .seconds(60), "the lease never lapsed")
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(ContinuousClock.now - taken >= .seconds(8), "the lease lapsed early")
        } catch {
            await stores.stopAll()
            throw error
        }
        await stores.stopAll()
    }
}
