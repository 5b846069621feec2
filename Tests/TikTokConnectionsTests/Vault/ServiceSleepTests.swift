import Foundation
import Synchronization
import Testing
import TikTokBusiness
import TikTokConnections
import TikTokTestSupport

/// The background services sleep between rounds. They used to race a sleep against `for await` on an `AsyncStream`
/// of wake-ups and cancel the loser; cancelling the stream's waiter finished the stream, so after the first round
/// that ended by timer every later sleep returned at once: an idle `serve` burned a core from a minute after its
/// start (the sweeper's longest sleep), and its memory grew by the cancelled sleeps left pending. Found by the soak
/// (`scripts/soak.sh`).
@Suite("Service sleeps")
struct ServiceSleepTests {
    @Test func anIdleSweeperSleepsAfterItsFirstTimedWakeUpAndANewConnectionStillWakesIt() async throws {
        try await FaultyStore.run { vault, store in
            let service = RefreshService(
                manager: vault.manager,
                configuration: .init(maximumSleep: .seconds(6), minimumSleep: .milliseconds(10)),
                logger: vault.logs.logger("refresh"))
            func sweeps() -> Int { store.claimDueCalls.withLock { $0 } }
            func waitForSweeps(above count: Int, within limit: Duration) async throws -> Duration {
                let started = ContinuousClock.now
                while sweeps() <= count, ContinuousClock.now - started < limit {
                    try await Task.sleep(for: .milliseconds(5))
                }
                return ContinuousClock.now - started
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await service.run() }
                // One sweep at the start, the next when the first 6 s sleep ends by timer.
                _ = try await waitForSweeps(above: 1, within: .seconds(30))
                try await Task.sleep(for: .milliseconds(500))
                let idle = sweeps()
                #expect(idle <= 3, "\(idle) sweeps half a second after the first timed wake-up: the sweeper spins")
                // A new connection wakes the sweeper long before its timer (5.5 s away) would; the bound leaves room
                // for a loaded machine's stalls.
                _ = try await vault.connectDirect(.tiktokAccount, user: "wake")
                let waited = try await waitForSweeps(above: idle, within: .seconds(10))
                #expect(waited < .seconds(4), "the next sweep came \(waited) after a new connection")
                group.cancelAll()
            }
        }
    }

    @Test func anIdleWebhookServiceSleepsBetweenRounds() async throws {
        try await FaultyStore.run { vault, store in
            var configuration = try WebhookConfiguration(
                url: "http://127.0.0.1:9/hooks", secret: WebhookServiceTests.secret)
            configuration.pollInterval = .milliseconds(200)
            let service = WebhookService(
                manager: vault.manager, configuration: configuration, transport: ScriptedReceiver(),
                logger: vault.logs.logger("webhooks"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await service.run() }
                // Rounds come (a loaded machine may take a while for the first) ...
                let deadline = ContinuousClock.now + .seconds(20)
                while store.webhookClaimCalls.withLock({ $0 }) < 2, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                }
                let first = store.webhookClaimCalls.withLock { $0 }
                #expect(first >= 2, "no rounds in 20 s")
                // ... about one per 200 ms, never a spin: 1.5 s of idling makes at most a few.
                try await Task.sleep(for: .seconds(1.5))
                let rounds = store.webhookClaimCalls.withLock { $0 } - first
                #expect(rounds <= 20, "\(rounds) rounds in 1.5 s of idling, about one per 200 ms expected")
                group.cancelAll()
            }
        }
    }
}
