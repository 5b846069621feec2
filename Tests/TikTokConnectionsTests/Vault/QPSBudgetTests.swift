import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import TikTokBusiness
import TikTokConnections
import TikTokConnectionsSQLite

/// The app's QPS budget split between instances: the pure split, the store's places, and the service moving a
/// governor as instances come and go.
@Suite("Shared QPS budget")
struct QPSBudgetTests {
    static func members(_ shares: [(String, Double)]) -> [BudgetMember] {
        shares.enumerated().map { index, member in
            BudgetMember(id: member.0, share: member.1, joinedAt: Date(timeIntervalSince1970: Double(index)))
        }
    }

    @Test func partsAreWholeNumbersThatAddUpToTheUsableBudget() {
        let budget = QPSBudget(requestsPerSecond: 10)  // 9 usable
        let three = Self.members([("a", 0), ("b", 0), ("c", 0)])
        #expect(["a", "b", "c"].map { budget.target(for: $0, members: three) } == [3, 3, 3])
        let four = Self.members([("a", 0), ("b", 0), ("c", 0), ("d", 0)])
        #expect(["a", "b", "c", "d"].map { budget.target(for: $0, members: four) } == [3, 2, 2, 2])
        #expect(budget.target(for: "a", members: Self.members([("a", 0)])) == 9)
        // More members than whole calls: equal fractions.
        let small = QPSBudget(requestsPerSecond: 2, headroom: 0)
        #expect(small.target(for: "c", members: three) == 2.0 / 3)
        // A newcomer not yet listed counts as the newest.
        #expect(budget.target(for: "d", members: three) == 2)
    }

    @Test func aNewcomerTakesOnlyWhatTheOthersLeaveAndTheSplitConverges() {
        let budget = QPSBudget(requestsPerSecond: 10)
        // a and b run at 5 and 4; c joins: nothing is free.
        var shares: [String: Double] = ["a": 5, "b": 4, "c": 0]
        func members() -> [BudgetMember] { Self.members(["a", "b", "c"].map { ($0, shares[$0]!) }) }
        #expect(budget.share(for: "c", members: members()) == 0)
        // Each renews in turn; at no step does the total exceed the usable budget.
        for id in ["a", "b", "c", "a", "b", "c"] {
            shares[id] = budget.share(for: id, members: members())
            #expect(shares.values.reduce(0, +) <= budget.usable)
        }
        #expect(shares == ["a": 3, "b": 3, "c": 3])
        // c leaves: a and b grow back to 5 and 4.
        shares["c"] = nil
        for id in ["a", "b"] {
            shares[id] = budget.share(for: id, members: Self.members(["a", "b"].map { ($0, shares[$0]!) }))
        }
        #expect(shares == ["a": 5, "b": 4])
    }

    @Test func theFallbackIsHalfAnEqualPartAndNeverMoreThanTheShareInUse() {
        let budget = QPSBudget(requestsPerSecond: 10)
        #expect(budget.fallbackShare(current: 3, lastMemberCount: 3) == 1.5)
        #expect(budget.fallbackShare(current: 1, lastMemberCount: 3) == 1)
        #expect(budget.fallbackShare(current: 0, lastMemberCount: 1) == 4.5)
    }

    @Test("places are renewed, ranked by joining, lapse, and can be given up", arguments: StoreFactory.all)
    func placesInTheStore(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            let other = try await contract.openStore()
            _ = try await store.renewBudgetMembership(instanceID: "first", share: 0, ttl: 30)
            try await Task.sleep(for: .milliseconds(20))
            let seen = try await other.renewBudgetMembership(instanceID: "second", share: 2, ttl: 30)
            #expect(seen.map(\.id) == ["first", "second"])
            #expect(seen.map(\.share) == [0, 2])
            // Renewal keeps the rank and publishes the new share.
            let renewed = try await store.renewBudgetMembership(instanceID: "first", share: 4.5, ttl: 30)
            #expect(renewed.map(\.id) == ["first", "second"] && renewed[0].share == 4.5)
            #expect(renewed[0].joinedAt == seen[0].joinedAt)
            // "second" renews for a second, then stops renewing: its place lapses.
            _ = try await other.renewBudgetMembership(instanceID: "second", share: 2, ttl: 1)
            try await Task.sleep(for: .milliseconds(1_300))
            #expect(
                try await store.renewBudgetMembership(instanceID: "first", share: 4.5, ttl: 30).map(\.id) == ["first"])
            // It comes back as the newest.
            #expect(
                try await other.renewBudgetMembership(instanceID: "second", share: 0, ttl: 30).map(\.id)
                    == ["first", "second"])
            try await store.leaveBudget(instanceID: "first")
            #expect(
                try await other.renewBudgetMembership(instanceID: "second", share: 0, ttl: 30).map(\.id) == ["second"])
        }
    }

    @Test("instances coming and going move each governor to its share", arguments: StoreFactory.all)
    func theServiceMovesTheGovernor(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let configuration = QPSBudgetService.Configuration(
                budget: QPSBudget(requestsPerSecond: 10), renewalInterval: .milliseconds(50), placeDuration: 2)
            let governors = (0..<3).map { _ in RateGovernor(requestsPerSecond: 10, burst: 1) }
            var made: [ServiceGroup] = []
            for (index, governor) in governors.enumerated() {
                let store = index == 0 ? contract.store : try await contract.openStore()
                let service = QPSBudgetService(
                    store: store, governor: governor, instanceID: "instance-\(index)", configuration: configuration)
                made.append(
                    ServiceGroup(
                        configuration: .init(
                            services: [service], gracefulShutdownSignals: [], logger: Logger(label: "test"))))
            }
            let groups = made
            func rates(_ expected: [Double], _ comment: Comment) async throws {
                let deadline = ContinuousClock.now + .seconds(10)
                while governors.prefix(expected.count).map(\.currentRate) != expected, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(governors.prefix(expected.count).map(\.currentRate) == expected, comment)
            }
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                let first = groups[0], second = groups[1], third = groups[2]
                tasks.addTask { try await first.run() }
                try await rates([9], "alone, an instance takes the usable budget")
                tasks.addTask { try await second.run() }
                try await rates([5, 4], "two split it")
                tasks.addTask { try await third.run() }
                try await rates([3, 3, 3], "three split it")
                await groups[0].triggerGracefulShutdown()
                let deadline = ContinuousClock.now + .seconds(10)
                while (governors[1].currentRate, governors[2].currentRate) != (5, 4), ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(
                    (governors[1].currentRate, governors[2].currentRate) == (5, 4),
                    "the one that left freed its share at once")
                await groups[1].triggerGracefulShutdown()
                await groups[2].triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }

    @Test func anUnreachableDatabaseKeepsTheShareWhileThePlaceHoldsThenFallsBackThenRecovers() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("budget-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let base = try SQLiteConnectionStore(path: directory + "/connections.sqlite")
        try await base.migrate()
        let store = FaultyStore(base)
        // Another instance holds a place: this one's part is 4 of the 9 usable calls per second.
        _ = try await base.renewBudgetMembership(instanceID: "another", share: 5, ttl: 3_600)
        let governor = RateGovernor(requestsPerSecond: 10, burst: 1)
        let service = QPSBudgetService(
            store: store, governor: governor, instanceID: "this",
            configuration: .init(
                budget: QPSBudget(requestsPerSecond: 10), renewalInterval: .milliseconds(50), placeDuration: 1))
        let group = ServiceGroup(
            configuration: .init(services: [service], gracefulShutdownSignals: [], logger: Logger(label: "test")))
        func rate(becomes expected: Double, _ comment: Comment) async throws {
            let deadline = ContinuousClock.now + .seconds(10)
            while governor.currentRate != expected, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(governor.currentRate == expected, comment)
        }
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await rate(becomes: 4, "the part left by the other instance")
            // The place lasts from the last renewal that reached the database, which comes after `renewing`: the
            // share must hold at least a place's duration (1 s) from there, however late this task runs.
            let renewing = ContinuousClock.now
            let renewals = store.budgetRenewals.withLock { $0 }
            while store.budgetRenewals.withLock({ $0 }) == renewals { try await Task.sleep(for: .milliseconds(5)) }
            store.failBudgetRenewals.withLock { $0 = true }
            // Half an equal part among the two members it last saw: 9 / 4.
            try await rate(becomes: 2.25, "a conservative share once its place has lapsed")
            #expect(ContinuousClock.now - renewing >= .milliseconds(950), "it kept its share while its place held")
            store.failBudgetRenewals.withLock { $0 = false }
            try await rate(becomes: 4, "its part again once the database answers")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(try await base.renewBudgetMembership(instanceID: "another", share: 5, ttl: 60).map(\.id) == ["another"])
    }
}
