import Foundation
import Testing
import TikTokConnections

/// The webhook outbox part of the store contract.
extension StoreContractTests {
    private typealias F = StoreFixtures

    /// Appends one event per entry (connection id, event type) to the log, creating each connection on first use.
    private static func append(
        _ entries: [(String, ConnectionEvent.EventType)], at offset: TimeInterval = 0, to store: any ConnectionStore
    ) async throws {
        for (connectionID, type) in entries {
            let event = F.event(type, connectionID, at: offset)
            if try await store.record(id: connectionID) == nil {
                try await store.insert(F.record(connectionID), events: [event])
            } else {
                try await store.appendEvents([event])
            }
        }
    }

    @Test("the outbox starts at the end of the log and enqueues each event once", arguments: StoreFactory.all)
    func outboxStartsAtTheEndOfTheLogAndEnqueuesEachEventOnce(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            try await Self.append([("conn_1", .connectionCreated), ("conn_2", .connectionCreated)], to: store)
            // The first enqueue only places the cursor: events from before webhooks were on are not sent.
            #expect(try await store.enqueueWebhookDeliveries(now: F.at(0), limit: 100) == 0)
            #expect(try await store.webhookDeliveryCounts().values.reduce(0, +) == 0)
            #expect(try await store.nextWebhookAttemptDate() == nil)

            try await Self.append(
                [("conn_1", .tokenRefreshed), ("conn_2", .tokenRefreshed), ("conn_1", .connectionRevoked)], to: store)
            #expect(try await store.enqueueWebhookDeliveries(now: F.at(10), limit: 2) == 2)
            #expect(try await store.enqueueWebhookDeliveries(now: F.at(11), limit: 100) == 1)
            #expect(try await store.enqueueWebhookDeliveries(now: F.at(12), limit: 100) == 0)
            #expect(try await store.webhookDeliveryCounts() == [.pending: 3])

            let events = try await store.events(after: 0, connectionID: nil, limit: 100)
            let sequences = events.map(\.sequence)
            let deliveries = try await store.webhookDeliveries(sequences: sequences + [999_999])
            // The two events from before the cursor, and the unknown sequence, are absent.
            #expect(deliveries.keys.sorted() == Array(sequences.suffix(3)))
            let first = try #require(deliveries[sequences[2]])
            #expect(first.event == events[2])
            #expect(first.state == .pending && first.attempts == 0)
            #expect(first.createdAt == F.at(10) && first.nextAttemptAt == F.at(10))
            #expect(
                first.firstAttemptAt == nil && first.lastAttemptAt == nil && first.lastStatusCode == nil
                    && first.lastError == nil)
            #expect(first.deliveredAt == nil)
            #expect(deliveries[sequences[4]]?.createdAt == F.at(11))
            #expect(try await store.nextWebhookAttemptDate() == F.at(10))

            let forConn1 = try await store.webhookDeliveries(connectionID: "conn_1", limit: 10)
            #expect(forConn1.map(\.event.type) == [.connectionRevoked, .tokenRefreshed])
            #expect(
                try await store.webhookDeliveries(connectionID: "conn_1", limit: 1).map(\.event.type) == [
                    .connectionRevoked
                ])
            #expect(try await store.webhookDeliveries(connectionID: "conn_none", limit: 10).isEmpty)
            #expect(try await store.webhookDeliveries(sequences: []).isEmpty)
        }
    }

    @Test("the outbox hands out the head of each connection only, and records outcomes", arguments: StoreFactory.all)
    func outboxClaimsTheHeadOfEachConnectionOnly(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            try await Self.append([("conn_1", .connectionCreated)], to: store)
            _ = try await store.enqueueWebhookDeliveries(now: F.at(0), limit: 100)
            try await Self.append(
                [
                    ("conn_1", .tokenRefreshed), ("conn_2", .connectionCreated), ("conn_1", .refreshFailed),
                    ("conn_2", .tokenRefreshed),
                ], to: store)
            #expect(try await store.enqueueWebhookDeliveries(now: F.at(0), limit: 100) == 4)

            // One delivery per connection: the oldest pending one.
            let heads = try await store.claimWebhookDeliveries(
                now: F.at(0), limit: 10, owner: "A", leaseUntil: F.at(60))
            #expect(heads.map(\.event.connectionID) == ["conn_1", "conn_2"])
            #expect(heads.map(\.event.type) == [.tokenRefreshed, .connectionCreated])
            // Leased heads block their lines for everyone, their owner included.
            #expect(
                try await store.claimWebhookDeliveries(now: F.at(1), limit: 10, owner: "B", leaseUntil: F.at(60))
                    .isEmpty)
            #expect(
                try await store.claimWebhookDeliveries(now: F.at(1), limit: 10, owner: "A", leaseUntil: F.at(60))
                    .isEmpty)
            // Leased heads count from the end of their lease.
            #expect(try await store.nextWebhookAttemptDate() == F.at(60))

            // Delivered: the next one of that connection becomes the head.
            #expect(
                try await store.recordWebhookAttempt(
                    sequence: heads[0].event.sequence, owner: "A", at: F.at(2), outcome: .delivered(statusCode: 204)))
            let delivered = try #require(
                try await store.webhookDeliveries(sequences: [heads[0].event.sequence]).first?.value)
            #expect(delivered.state == .delivered && delivered.attempts == 1 && delivered.lastStatusCode == 204)
            #expect(
                delivered.deliveredAt == F.at(2) && delivered.lastAttemptAt == F.at(2) && delivered.lastError == nil)
            #expect(delivered.nextAttemptAt == nil)
            let next = try await store.claimWebhookDeliveries(now: F.at(3), limit: 10, owner: "B", leaseUntil: F.at(60))
            #expect(next.map(\.event.type) == [.refreshFailed])
            #expect(
                try await store.recordWebhookAttempt(
                    sequence: next[0].event.sequence, owner: "B", at: F.at(4), outcome: .delivered(statusCode: 200)))

            // Retried: stays the head (its connection's later events wait), due later, lease released.
            let retryError = String(repeating: "x", count: StoredWebhookAttempt.maximumErrorLength + 50)
            #expect(
                try await store.recordWebhookAttempt(
                    sequence: heads[1].event.sequence, owner: "A", at: F.at(5),
                    outcome: .retry(at: F.at(20), statusCode: 503, error: retryError)))
            let retried = try #require(
                try await store.webhookDeliveries(sequences: [heads[1].event.sequence]).first?.value)
            #expect(retried.state == .pending && retried.attempts == 1 && retried.nextAttemptAt == F.at(20))
            #expect(retried.lastStatusCode == 503 && retried.lastAttemptAt == F.at(5) && retried.deliveredAt == nil)
            #expect(retried.firstAttemptAt == F.at(5))
            #expect(retried.lastError?.count == StoredWebhookAttempt.maximumErrorLength)
            #expect(try await store.nextWebhookAttemptDate() == F.at(20))
            #expect(
                try await store.claimWebhookDeliveries(now: F.at(19), limit: 10, owner: "A", leaseUntil: F.at(60))
                    .isEmpty)
            let again = try await store.claimWebhookDeliveries(
                now: F.at(20), limit: 10, owner: "A", leaseUntil: F.at(80))
            #expect(again.map(\.event.sequence) == [heads[1].event.sequence])
            #expect(again.first?.attempts == 1)

            // Failed: the line moves on.
            #expect(
                try await store.recordWebhookAttempt(
                    sequence: again[0].event.sequence, owner: "A", at: F.at(21),
                    outcome: .failed(statusCode: nil, error: "connection refused")))
            let failed = try #require(
                try await store.webhookDeliveries(sequences: [again[0].event.sequence]).first?.value)
            #expect(failed.state == .failed && failed.attempts == 2 && failed.lastStatusCode == nil)
            #expect(
                failed.lastError == "connection refused" && failed.nextAttemptAt == nil && failed.deliveredAt == nil)
            #expect(failed.firstAttemptAt == F.at(5) && failed.lastAttemptAt == F.at(21))
            let last = try await store.claimWebhookDeliveries(
                now: F.at(22), limit: 10, owner: "A", leaseUntil: F.at(80))
            #expect(last.map(\.event.type) == [.tokenRefreshed])
            #expect(last.map(\.event.connectionID) == ["conn_2"])
            #expect(try await store.webhookDeliveryCounts() == [.pending: 1, .delivered: 2, .failed: 1])
        }
    }

    @Test("deleteEvents prunes old events with finished deliveries; cursors stay valid", arguments: StoreFactory.all)
    func deleteEventsKeepsPendingDeliveriesAndCursorsValid(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            // Before webhooks: two old events. Then webhooks on, and three more old events plus one recent one.
            try await Self.append([("conn_1", .connectionCreated), ("conn_2", .connectionCreated)], at: 10, to: store)
            _ = try await store.enqueueWebhookDeliveries(now: F.at(0), limit: 100)
            try await Self.append(
                [("conn_1", .tokenRefreshed), ("conn_2", .tokenRefreshed), ("conn_1", .refreshFailed)], at: 20,
                to: store)
            try await Self.append([("conn_2", .connectionRevoked)], at: 500, to: store)
            #expect(try await store.enqueueWebhookDeliveries(now: F.at(30), limit: 100) == 4)
            let all = try await store.events(after: 0, connectionID: nil, limit: 100)
            #expect(all.count == 6)
            // conn_1's refresh is delivered, conn_2's failed; conn_1's refresh failure stays pending behind it.
            let heads = try await store.claimWebhookDeliveries(
                now: F.at(30), limit: 10, owner: "A", leaseUntil: F.at(90))
            #expect(heads.count == 2)
            for head in heads {
                let outcome: WebhookAttemptOutcome =
                    head.event.connectionID == "conn_1"
                    ? .delivered(statusCode: 204) : .failed(statusCode: 500, error: "gave up")
                #expect(
                    try await store.recordWebhookAttempt(
                        sequence: head.event.sequence, owner: "A", at: F.at(31), outcome: outcome))
            }

            // In batches: the four old events without a pending delivery go, with their finished deliveries.
            #expect(try await store.deleteEvents(occurredBefore: F.at(100), limit: 3) == 3)
            #expect(try await store.deleteEvents(occurredBefore: F.at(100), limit: 3) == 1)
            #expect(try await store.deleteEvents(occurredBefore: F.at(100), limit: 3) == 0)
            let left = try await store.events(after: 0, connectionID: nil, limit: 100)
            #expect(left.map(\.type) == [.refreshFailed, .connectionRevoked])
            #expect(left.map(\.sequence) == [all[4].sequence, all[5].sequence])
            #expect(try await store.webhookDeliveryCounts() == [.pending: 2])
            // A cursor inside the pruned range is still valid: it skips to what is left.
            #expect(
                try await store.events(after: all[1].sequence, connectionID: nil, limit: 100).map(\.sequence)
                    == [all[4].sequence, all[5].sequence])
            #expect(
                try await store.events(after: all[2].sequence, connectionID: "conn_2", limit: 100).map(\.sequence)
                    == [all[5].sequence])
            // The pending delivery still goes out, and its event is pruned once it is done.
            let pending = try await store.claimWebhookDeliveries(
                now: F.at(40), limit: 10, owner: "B", leaseUntil: F.at(90))
            #expect(pending.map(\.event.sequence).contains(all[4].sequence))
            for delivery in pending {
                #expect(
                    try await store.recordWebhookAttempt(
                        sequence: delivery.event.sequence, owner: "B", at: F.at(41),
                        outcome: .delivered(statusCode: 200)))
            }
            #expect(try await store.deleteEvents(occurredBefore: F.at(100), limit: 10) == 1)
            #expect(
                try await store.events(after: 0, connectionID: nil, limit: 100).map(\.sequence) == [all[5].sequence])
            #expect(try await store.deleteEvents(occurredBefore: F.at(1_000), limit: 0) == 0)
        }
    }

    @Test("two instances prune at once: every row deleted once, nothing else", arguments: StoreFactory.all)
    func instancesPruneConcurrentlyWithoutErrorsOrLosses(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            let openStore = contract.openStore
            let other = try await openStore()
            // 120 old events of 12 connections and 60 old states, plus one recent event and state that stay.
            for index in 0..<120 {
                try await Self.append([("conn_p\(index % 12)", .tokenRefreshed)], at: Double(index), to: store)
            }
            try await Self.append([("conn_recent", .connectionCreated)], at: 10_000, to: store)
            for index in 0..<60 {
                try await store.insertState(F.state("hash-prune-\(index)", expiresAt: F.at(Double(index))))
            }
            try await store.insertState(F.state("hash-recent", expiresAt: F.at(10_000)))
            let counts = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                for target in [store, other, store, other] {
                    group.addTask {
                        var events = 0
                        var states = 0
                        while true {
                            let deletedEvents = try await target.deleteEvents(occurredBefore: F.at(5_000), limit: 7)
                            let deletedStates = try await target.deleteStates(expiredBefore: F.at(5_000), limit: 5)
                            events += deletedEvents
                            states += deletedStates
                            if deletedEvents == 0 && deletedStates == 0 { return (events, states) }
                        }
                    }
                }
                return try await group.reduce(into: (0, 0)) {
                    $0.0 += $1.0; $0.1 += $1.1
                }
            }
            // Every row deleted exactly once, by one instance or the other.
            #expect(counts.0 == 120 && counts.1 == 60, "\(counts)")
            #expect(
                try await store.events(after: 0, connectionID: nil, limit: 500).map(\.connectionID) == ["conn_recent"])
            #expect(try await store.state(hash: "hash-recent") != nil)
        }
    }

    @Test("outbox leases expire; only the lease holder records an attempt", arguments: StoreFactory.all)
    func outboxLeasesExpireAndOnlyTheirOwnerRecords(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            try await Self.append([("conn_0", .connectionCreated)], to: store)
            _ = try await store.enqueueWebhookDeliveries(now: F.at(0), limit: 100)
            try await Self.append([("conn_1", .connectionCreated), ("conn_2", .connectionCreated)], to: store)
            _ = try await store.enqueueWebhookDeliveries(now: F.at(0), limit: 100)
            let claimed = try await store.claimWebhookDeliveries(
                now: F.at(0), limit: 1, owner: "A", leaseUntil: F.at(30))
            #expect(claimed.map(\.event.connectionID) == ["conn_1"])
            let sequence = claimed[0].event.sequence

            // Someone else's attempt on A's lease changes nothing.
            #expect(
                try await store.recordWebhookAttempt(
                    sequence: sequence, owner: "B", at: F.at(1), outcome: .delivered(statusCode: 200)) == false)
            #expect(try await store.webhookDeliveries(sequences: [sequence])[sequence]?.attempts == 0)

            // After the lease lapses, B takes it over; A's late answer is then refused.
            let takenOver = try await store.claimWebhookDeliveries(
                now: F.at(31), limit: 10, owner: "B", leaseUntil: F.at(90))
            #expect(takenOver.map(\.event.connectionID) == ["conn_1", "conn_2"])
            #expect(
                try await store.recordWebhookAttempt(
                    sequence: sequence, owner: "A", at: F.at(32), outcome: .delivered(statusCode: 200)) == false)
            #expect(
                try await store.recordWebhookAttempt(
                    sequence: sequence, owner: "B", at: F.at(33), outcome: .delivered(statusCode: 200)))
            // Not pending any more: nobody records on it again.
            #expect(
                try await store.recordWebhookAttempt(
                    sequence: sequence, owner: "B", at: F.at(34), outcome: .failed(statusCode: 500, error: "late"))
                    == false)
            #expect(try await store.webhookDeliveries(sequences: [sequence])[sequence]?.state == .delivered)

            // A graceful stop releases B's other lease at once.
            try await store.releaseWebhookLeases(owner: "A")
            #expect(
                try await store.claimWebhookDeliveries(now: F.at(35), limit: 10, owner: "C", leaseUntil: F.at(90))
                    .isEmpty)
            try await store.releaseWebhookLeases(owner: "B")
            #expect(
                try await store.claimWebhookDeliveries(now: F.at(35), limit: 10, owner: "C", leaseUntil: F.at(90)).map(
                    \.event.connectionID) == ["conn_2"])
        }
    }

    @Test(
        "two instances enqueue and claim the outbox concurrently: each event once, in order per connection",
        arguments: StoreFactory.all)
    func instancesEnqueueAndClaimTheOutboxWithoutDuplicates(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            let openStore = contract.openStore
            let other = try await openStore()
            try await Self.append([("conn_seed", .connectionCreated)], to: store)
            _ = try await store.enqueueWebhookDeliveries(now: F.at(0), limit: 100)

            // Writers on both instances append while enqueuers on both instances copy the log into the outbox.
            let writers = 4
            let perWriter = 25
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<writers {
                    let target = writer.isMultiple(of: 2) ? store : other
                    group.addTask {
                        for index in 0..<perWriter {
                            let id = "conn_w\(writer)_\(index % 5)"
                            let event = F.event(.tokenRefreshed, id, at: Double(index))
                            try await target.appendEvents([event])
                        }
                    }
                }
                for enqueuer in 0..<2 {
                    let target = enqueuer == 0 ? store : other
                    group.addTask {
                        for _ in 0..<20 {
                            _ = try await target.enqueueWebhookDeliveries(now: F.at(0), limit: 7)
                            try await Task.sleep(for: .milliseconds(2))
                        }
                    }
                }
                try await group.waitForAll()
            }
            while try await store.enqueueWebhookDeliveries(now: F.at(0), limit: 50) > 0 {}
            let total = writers * perWriter
            #expect(try await store.webhookDeliveryCounts() == [.pending: total])
            let logged = try await store.events(after: 0, connectionID: nil, limit: 1_000).map(\.sequence)
            #expect(try await store.webhookDeliveries(sequences: logged).count == total)

            // Claimers on both instances drain the outbox: every delivery exactly once, each connection in log order.
            let claimOrder = ClaimOrder()
            @Sendable func drain(_ store: any ConnectionStore, owner: String) async throws -> [WebhookDelivery] {
                var sent: [WebhookDelivery] = []
                for _ in 0..<(total * 2) {
                    let batch = try await store.claimWebhookDeliveries(
                        now: F.at(0), limit: 3, owner: owner, leaseUntil: F.at(60))
                    if batch.isEmpty {
                        if try await store.webhookDeliveryCounts()[.pending, default: 0] == 0 { break }
                        try await Task.sleep(for: .milliseconds(1))
                        continue
                    }
                    for delivery in batch {
                        // Noted before it is recorded, so before the connection's next delivery can be claimed.
                        await claimOrder.note(delivery)
                        let recorded = try await store.recordWebhookAttempt(
                            sequence: delivery.event.sequence, owner: owner, at: F.at(1),
                            outcome: .delivered(statusCode: 200))
                        #expect(recorded)
                        sent.append(delivery)
                    }
                }
                return sent
            }
            async let fromA = drain(store, owner: "A")
            async let fromB = drain(other, owner: "B")
            async let fromC = drain(other, owner: "C")
            let (a, b, c) = try await (fromA, fromB, fromC)
            let all = a + b + c
            #expect(all.count == total)
            #expect(Set(all.map(\.event.sequence)).count == total)
            #expect(try await store.webhookDeliveryCounts() == [.delivered: total])
            // Head of line: a connection's delivery is claimed only after the one before it was recorded.
            let order = await claimOrder.deliveries
            #expect(order.count == total)
            for (connectionID, deliveries) in Dictionary(grouping: order, by: \.event.connectionID) {
                let sequences = deliveries.map(\.event.sequence)
                #expect(sequences == sequences.sorted(), "\(connectionID) was claimed out of order")
            }
        }
    }
}

/// The order in which deliveries were claimed, across claimers.
private actor ClaimOrder {
    private(set) var deliveries: [WebhookDelivery] = []
    func note(_ delivery: WebhookDelivery) { deliveries.append(delivery) }
}
