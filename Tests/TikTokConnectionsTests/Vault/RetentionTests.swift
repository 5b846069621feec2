import Foundation
import Logging
import ServiceLifecycle
import Testing
import TikTokBusiness
import TikTokConnections
import TikTokEmulator

/// The sweeper's housekeeping on a moving clock: expired states go after their grace period, events after their
/// retention, in batches, and nothing a connection needs is touched.
@Suite("Retention")
struct RetentionTests {
    @Test func expiredStatesGoAfterTheGracePeriodAndOldEventsAfterTheirRetention() async throws {
        try await VaultHarness.run { harness in
            let manager = harness.manager
            let kept = try await harness.connectDirect(.advertiser, user: "kept").connection
            // Seven pending links that expire in a minute, and one that lives two days.
            for _ in 0..<7 { _ = try await manager.authorizationLink(for: .advertiser, options: .init(expiresIn: 60)) }
            let longLived = try await manager.authorizationLink(for: .advertiser, options: .init(expiresIn: 2 * 86_400))
            let policy = RetentionPolicy(
                stateGracePeriod: 3_600, eventRetention: 90 * 86_400, batchSize: 3, pauseBetweenBatches: .zero)

            // Expired, but within the grace period: nothing goes (a late callback is still told the link expired).
            try harness.advance(600)
            #expect(try await manager.prune(policy) == PruneReport())
            // Past it: the seven expired states go, in batches of three; the long-lived link stays and still
            // completes (and the connection's consumed state lives until its own expiry).
            try harness.advance(3_600)
            let report = try await manager.prune(policy)
            #expect(report.states == 7 && report.events == 0 && !report.more, "\(report)")
            let code = try harness.emulator.control.mintAuthorizationCode(
                flow: .advertiser, appID: TikTokEmulatorConfiguration.App.default.appID,
                redirectURI: manager.configuration.redirectURIs[.advertiser]!, user: "late")
            let late = try await manager.completeAuthorization(
                kind: .advertiser,
                callback: AuthorizationCallback(state: longLived.state, outcome: .authorized(code: code, scopes: [])))
            #expect(late.created)

            // Events: kept while young, and forever without a retention.
            try harness.advance(91 * 86_400)
            let keepAll = RetentionPolicy(stateGracePeriod: 3_600, eventRetention: nil, batchSize: 3)
            #expect(try await manager.prune(keepAll).events == 0)
            #expect(try await manager.store.events(after: 0, connectionID: nil, limit: 100).count == 2)
            // Past their retention they go; the connections and their tokens do not.
            #expect(try await manager.prune(policy).events == 2)
            #expect(try await manager.store.events(after: 0, connectionID: nil, limit: 100).isEmpty)
            #expect(try await manager.connection(id: kept.id).status == .active)
            #expect(try await manager.accessToken(for: kept.id).isEmpty == false)
            #expect(try await manager.connection(id: late.connection.id).status == .active)
        }
    }

    @Test func theServicePrunesOnItsOwnAndStopsOnShutdown() async throws {
        try await VaultHarness.run { harness in
            for index in 0..<5 { _ = try await harness.connectDirect(.advertiser, user: "user-\(index)") }
            try harness.advance(100 * 86_400)
            let service = RetentionService(
                manager: harness.manager,
                configuration: .init(
                    policy: .init(eventRetention: 90 * 86_400, batchSize: 2, pauseBetweenBatches: .zero),
                    interval: .milliseconds(100)))
            let group = ServiceGroup(
                configuration: .init(services: [service], gracefulShutdownSignals: [], logger: Logger(label: "test")))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                // Generous bounds: on a loaded CI machine running the whole suite, a task may wait seconds for a
                // thread. What is checked is that it prunes without being asked and stops without a further round.
                let deadline = ContinuousClock.now + .seconds(30)
                while try await !harness.manager.store.events(after: 0, connectionID: nil, limit: 10).isEmpty {
                    #expect(ContinuousClock.now < deadline, "the service did not prune")
                    if ContinuousClock.now >= deadline { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                let stopping = ContinuousClock.now
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                #expect(ContinuousClock.now - stopping < .seconds(5))
            }
        }
    }
}
