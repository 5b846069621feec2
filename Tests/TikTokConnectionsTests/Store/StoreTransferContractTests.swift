import Foundation
import Testing
import TikTokConnections

/// The transfer methods of the store contract (export and import), run against every store.
@Suite("ConnectionStore contract: transfer")
struct StoreTransferContractTests {
    private typealias F = StoreFixtures
    @Test(
        "insertTransferred keeps every field, the version and event ids; records(after:) pages them",
        arguments: StoreFactory.all)
    func transferredRecordsRoundTrip(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            var full = F.fullRecord("conn_b")
            full.version = 7
            var sparse = F.sparseRecord("conn_a")
            sparse.version = 1
            var advertiser = F.record("conn_c", identities: ["adv-1", "adv-2"])
            advertiser.version = 3
            let events = [
                F.event(.connectionCreated, "conn_a", at: 1),
                F.event(.tokenRefreshed, "conn_b", at: 2, data: ["k": "v"]),
                F.event(.connectionCreated, "conn_c", at: 3),
            ]
            try await store.insertTransferred([full, sparse, advertiser], events: events)

            let all = try await store.records(after: nil, limit: 10)
            #expect(all.map(\.id) == ["conn_a", "conn_b", "conn_c"])
            #expect(all == [sparse, full, advertiser])
            #expect(try await store.records(after: nil, limit: 1).map(\.id) == ["conn_a"])
            #expect(try await store.records(after: "conn_a", limit: 1).map(\.id) == ["conn_b"])
            #expect(try await store.records(after: "conn_c", limit: 10).isEmpty)
            #expect(try await store.records(after: nil, limit: 0).isEmpty)

            // Identities are indexed as by insert, and a transferred record updates from its kept version.
            #expect(
                try await store.connectionID(kind: .advertiser, endUserID: nil, matchingAnyOf: ["adv-2"]) == "conn_c")
            #expect(try await store.update(advertiser, events: []))
            #expect(try await store.record(id: "conn_c")?.version == 4)

            let read = try await store.events(after: 0, connectionID: nil, limit: 10)
            #expect(read.map(\.id) == events.map(\.id))
            #expect(read.map(\.type) == events.map(\.type))
            #expect(read.map(\.occurredAt) == events.map(\.occurredAt))
            #expect(read[1].data == ["k": "v"])
        }
    }

    @Test("insertTransferred writes nothing when an id exists", arguments: StoreFactory.all)
    func transferIsAllOrNothing(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            try await store.insertTransferred([F.record("conn_1")], events: [F.event(.connectionCreated, "conn_1")])
            await #expect(throws: (any Error).self) {
                try await store.insertTransferred(
                    [F.record("conn_2"), F.record("conn_1")], events: [F.event(.connectionCreated, "conn_2")])
            }
            #expect(try await store.records(after: nil, limit: 10).map(\.id) == ["conn_1"])
            #expect(try await store.events(after: 0, connectionID: nil, limit: 10).count == 1)
            let event = try #require(try await store.events(after: 0, connectionID: nil, limit: 1).first)
            await #expect(throws: (any Error).self) {
                try await store.insertTransferred([F.record("conn_3")], events: [event])
            }
            #expect(try await store.record(id: "conn_3") == nil)
        }
    }

    @Test("the pending-import note is recorded and cleared", arguments: StoreFactory.all)
    func pendingImportNote(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            #expect(try await store.pendingImport() == nil)
            try await store.setPendingImport("started at X")
            #expect(try await store.pendingImport() == "started at X")
            try await store.setPendingImport("started at Y")
            #expect(try await store.pendingImport() == "started at Y")
            // The identity lives beside it, untouched.
            #expect(try await store.vaultIdentity() == nil)
            try await store.setPendingImport(nil)
            #expect(try await store.pendingImport() == nil)
        }
    }
}
