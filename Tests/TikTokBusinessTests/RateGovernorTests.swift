import Synchronization
import Testing
import TikTokBusiness

/// The governor's priorities, bounded wait, adjustable rate and prepaid slots.
@Suite("Rate governor")
struct RateGovernorTests {
    @Test func authorizationCallsGoBeforeWaitingDataCalls() async throws {
        let governor = RateGovernor(requestsPerSecond: 20, burst: 1)
        // Paused, so that the queue is built deterministically: six data calls wait, then an authorization call.
        governor.setRate(0)
        let order = GrantOrder()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<6 {
                group.addTask {
                    try await governor.acquire(priority: .data)
                    order.append("data-\(index)")
                }
            }
            try await Self.waitUntil { governor.waiting.data == 6 }
            group.addTask {
                try await governor.acquire(priority: .authorization)
                order.append("auth")
            }
            try await Self.waitUntil { governor.waiting.authorization == 1 }
            governor.setRate(20)
            try await group.waitForAll()
        }
        #expect(order.names.withLock { $0.first } == "auth", "an authorization call jumps the data queue")
    }

    static func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while !condition() {
            try #require(ContinuousClock.now < deadline, "timed out")
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    @Test func dataCallsThatWouldWaitTooLongAreRefusedAtOnceWithARetryDelay() async throws {
        let governor = RateGovernor(requestsPerSecond: 10, burst: 1, maximumWait: .milliseconds(250))
        try await governor.acquire()
        let clock = ContinuousClock()
        let started = clock.now
        var refused: [RateBudgetExhausted] = []
        try await withThrowingTaskGroup(of: RateBudgetExhausted?.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    do {
                        try await governor.acquire()
                        return nil
                    } catch let error as RateBudgetExhausted {
                        return error
                    }
                }
            }
            for try await outcome in group { if let outcome { refused.append(outcome) } }
        }
        // About two calls fit in 250 ms at 10 per second; the rest are refused, none waits much past the bound.
        #expect(refused.count >= 6, "\(refused.count) refused")
        #expect(refused.allSatisfy { $0.retryAfterSeconds >= 1 })
        // Generous for a loaded machine: what matters is that nobody waits on without end.
        #expect(clock.now - started < .seconds(10))
        // Authorization calls are never refused, however long the queue.
        try await governor.acquire(priority: .authorization)
    }

    @Test func aZeroRateHoldsCallsUntilItIsRaised() async throws {
        let governor = RateGovernor(requestsPerSecond: 10, burst: 1, maximumWait: .milliseconds(300))
        governor.setRate(0)
        // A data call waits for the rate to come back, up to its bound, then is refused.
        let clock = ContinuousClock()
        let started = clock.now
        await #expect(throws: RateBudgetExhausted.self) { try await governor.acquire(priority: .data) }
        #expect(clock.now - started >= .milliseconds(300))
        // One that waits while the rate comes back goes through (a bound far longer than a loaded machine's stalls).
        let patient = RateGovernor(requestsPerSecond: 10, burst: 1, maximumWait: .seconds(60))
        patient.setRate(0)
        let data = Task { try await patient.acquire(priority: .data) }
        try await Self.waitUntil { patient.waiting.data == 1 }
        patient.setRate(50)
        try await data.value
        patient.setRate(0)
        let order = GrantOrder()
        let waiting = Task {
            try await patient.acquire(priority: .authorization)
            order.append("auth")
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(order.names.withLock { $0 }.isEmpty)
        patient.setRate(50)
        try await waiting.value
        #expect(order.names.withLock { $0 } == ["auth"])
    }

    @Test func aCancelledWaiterLeavesTheQueue() async throws {
        let governor = RateGovernor(requestsPerSecond: 1, burst: 1)
        governor.setRate(0)
        let waiting = Task { try await governor.acquire() }
        try await Self.waitUntil { governor.waiting.data == 1 }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(governor.waiting.data == 0)
    }

    @Test func aPrepaidSlotIsUsedOnceByItsOwnGovernor() async throws {
        let governor = RateGovernor(requestsPerSecond: 1, burst: 1)
        try await governor.acquire()
        let other = RateGovernor(requestsPerSecond: 100)
        let clock = ContinuousClock()
        let started = clock.now
        try await RateGovernor.$prepaidSlot.withValue(RateGovernor.PrepaidSlot(governor)) {
            try await other.acquire()  // another governor's slot is not this one
            try await governor.acquire()  // uses the prepaid slot: no wait
        }
        #expect(clock.now - started < .milliseconds(500))
    }
}

/// The order in which calls were granted.
private final class GrantOrder: Sendable {
    let names = Mutex<[String]>([])
    func append(_ name: String) { names.withLock { $0.append(name) } }
}

extension RateGovernorTests {
    @Test func thousandsOfConcurrentCallersAtAHighRateAllGetThrough() async throws {
        let governor = RateGovernor(requestsPerSecond: 30_000, burst: 1, maximumWait: .seconds(5))
        let clock = ContinuousClock()
        let started = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<3_000 {
                group.addTask {
                    try await governor.acquire(priority: index % 7 == 0 ? .authorization : .data)
                }
            }
            try await group.waitForAll()
        }
        #expect(clock.now - started < .seconds(10))
        #expect(governor.waiting == (0, 0))
    }
}
