import Foundation
import Testing
import TikTokBusiness
import TikTokConnections
import TikTokConnectionsSQLite
import TikTokEmulator
import TikTokTestSupport

/// A refresh that waited for its slot of the app's QPS budget checks, and renews, its lease before it spends the
/// refresh token: while it waited, the lease may have lapsed and another instance taken the connection over.
@Suite("A refresh waiting for its QPS slot")
struct QPSSlotLeaseTests {
    static func governor() -> RateGovernor { RateGovernor(requestsPerSecond: 100, burst: 1) }

    static func waitUntilWaiting(_ governor: RateGovernor) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while governor.waiting.authorization == 0 {
            try #require(ContinuousClock.now < deadline, "the refresh never waited for a slot")
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    @Test func aLeaseTakenOverMeanwhileStopsTheRefreshBeforeItCallsTikTok() async throws {
        let governor = Self.governor()
        try await VaultHarness.run(configure: { $0.leaseDuration = 120 }, rateGovernor: governor) { vault in
            let id = try await vault.connectDirect(.tiktokAccount, user: "waiting").connection.id
            governor.setRate(0)  // the budget is spent: the refresh waits for its turn
            let refresh = Task { try await vault.manager.refresh(id: id) }
            try await Self.waitUntilWaiting(governor)
            // The wait outlasts the lease; another instance claims the connection and refreshes it itself.
            try vault.advance(121)
            let now = vault.clock.now()
            let other = try await vault.store.claim(
                id: id, now: now, owner: "other-instance", leaseUntil: now.addingTimeInterval(120))
            #expect(other != nil)
            try await Task.sleep(for: .seconds(1))
            governor.setRate(100)
            _ = try? await refresh.value
            #expect(vault.emulator.control.counters.refreshes == 0, "the refresh token was spent under another's lease")
            #expect(vault.logs.text.contains("The lease lapsed while waiting for a QPS slot"))
        }
    }

    @Test func aLeaseStillHeldIsRenewedAndTheRefreshGoesOn() async throws {
        let governor = Self.governor()
        try await VaultHarness.run(rateGovernor: governor) { vault in
            let id = try await vault.connectDirect(.tiktokAccount, user: "waiting").connection.id
            governor.setRate(0)  // the budget is spent: the refresh waits for its turn
            let refresh = Task { try await vault.manager.refresh(id: id) }
            try await Self.waitUntilWaiting(governor)
            try await Task.sleep(for: .seconds(1.2))
            governor.setRate(100)
            let connection = try await refresh.value
            #expect(connection.status == .active)
            #expect(vault.emulator.control.counters.refreshes == 1)
        }
    }

    @Test func aConnectionReSealedMeanwhileIsStillRefreshedAndItsLeaseReleased() async throws {
        let governor = Self.governor()
        try await VaultHarness.run(rateGovernor: governor) { vault in
            let id = try await vault.connectDirect(.tiktokAccount, user: "resealed").connection.id
            governor.setRate(0)
            let refresh = Task { try await vault.manager.refresh(id: id) }
            try await Self.waitUntilWaiting(governor)
            // A key rotation re-seals the connection meanwhile: a new version, the same refresh token.
            let stored = try #require(try await vault.store.record(id: id))
            #expect(try await vault.store.update(stored, events: [], leaseOwner: "key-rotation"))
            try await Task.sleep(for: .seconds(1.2))
            governor.setRate(100)
            #expect(try await refresh.value.status == .active)
            #expect(vault.emulator.control.counters.refreshes == 1, "the refresh gave up on a re-sealed connection")
            let now = vault.clock.now()
            #expect(
                try await vault.store.claim(id: id, now: now, owner: "next", leaseUntil: now.addingTimeInterval(60))
                    != nil,
                "the lease was left held")
        }
    }

    @Test func aConnectionRefreshedMeanwhileByAnotherInstanceIsLeftAsItIsAndItsLeaseReleased() async throws {
        let governor = Self.governor()
        try await VaultHarness.run(configure: { $0.leaseDuration = 120 }, rateGovernor: governor) { vault in
            let id = try await vault.connectDirect(.tiktokAccount, user: "taken").connection.id
            governor.setRate(0)
            let refresh = Task { try await vault.manager.refresh(id: id) }
            try await Self.waitUntilWaiting(governor)
            // The lease lapses; another instance claims the connection, stores a refreshed pair and lets go.
            try vault.advance(121)
            let now = vault.clock.now()
            var other = try #require(
                try await vault.store.claim(id: id, now: now, owner: "other", leaseUntil: now.addingTimeInterval(120)))
            other.refreshToken = try vault.cipher.seal(
                "rft.from-the-other-instance", connectionID: id, field: .refreshToken)
            #expect(try await vault.store.update(other, events: [], leaseOwner: "other"))
            try await Task.sleep(for: .seconds(1.2))
            governor.setRate(100)
            _ = try await refresh.value
            #expect(vault.emulator.control.counters.refreshes == 0, "a spent refresh token was sent again")
            #expect(
                try await vault.store.claim(id: id, now: now, owner: "next", leaseUntil: now.addingTimeInterval(60))
                    != nil,
                "the lease was left held")
        }
    }
}
