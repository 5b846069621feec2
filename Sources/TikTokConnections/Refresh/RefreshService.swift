import Foundation
import Logging
import ServiceLifecycle
import TikTokBusiness

/// The background sweeper: a swift-service-lifecycle `Service` that keeps every connection's tokens fresh.
///
/// It claims due connections through store leases (so several instances never work on the same connection), does
/// their work with bounded concurrency and jitter, then sleeps until the next connection falls due rather than polling
/// on a fixed period, waking early when a new connection arrives. It stops on graceful shutdown.
public struct RefreshService: Service, CustomStringConvertible {
    /// How the sweeper paces itself.
    public struct Configuration: Sendable {
        /// Connections claimed per sweep. Default 1,000. With an app QPS governor on the client, a sweep claims no
        /// more than the governor lets through in a quarter of the lease duration (see ``effectiveBatchSize(for:)``).
        public var batchSize: Int
        /// Connections worked on at once. Default 64. With an app QPS governor on the client, no more than one
        /// second of its rate (a refresh waiting for the governor holds its lease meanwhile).
        public var concurrency: Int
        /// Staggers the start of a sweep after a sleep: each of the first ``concurrency`` connections waits a random
        /// delay of up to this much; later ones start as earlier ones end, and sweeps that follow a full batch start
        /// at once. Default 200 ms.
        public var jitter: Duration
        /// The longest sleep between sweeps (other instances may add work the store did not announce). Default 60 s.
        public var maximumSleep: Duration
        /// The shortest sleep between sweeps that found nothing to do. Default 100 ms.
        public var minimumSleep: Duration

        /// Creates a configuration with the documented defaults.
        public init(
            batchSize: Int = 1_000, concurrency: Int = 64, jitter: Duration = .milliseconds(200),
            maximumSleep: Duration = .seconds(60), minimumSleep: Duration = .milliseconds(100)
        ) {
            self.batchSize = max(1, batchSize)
            self.concurrency = max(1, concurrency)
            self.jitter = jitter
            self.maximumSleep = maximumSleep
            self.minimumSleep = minimumSleep
        }

        /// The connections one sweep claims for `manager`: ``batchSize``, but with an app QPS governor on its client
        /// no more than the governor lets through in a quarter of the lease duration, so that a batch is done well
        /// before its unstarted leases lapse, and other instances are not kept from work this one cannot start soon.
        /// Never fewer than ``effectiveConcurrency(for:)``.
        public func effectiveBatchSize(for manager: ConnectionManager) -> Int {
            guard let governor = manager.client.configuration.rateGovernor else { return batchSize }
            let budget = governor.requestsPerSecond * manager.configuration.leaseDuration / 4
            return max(effectiveConcurrency(for: manager), min(batchSize, Int(min(budget, Double(Int.max / 2)))))
        }

        /// The connections one sweep works on at once for `manager`: ``concurrency``, but with an app QPS governor
        /// on its client no more than one second of its rate (more would only wait for the governor).
        public func effectiveConcurrency(for manager: ConnectionManager) -> Int {
            guard let governor = manager.client.configuration.rateGovernor else { return concurrency }
            let perSecond = governor.requestsPerSecond.rounded(.up)
            return max(1, min(concurrency, Int(min(perSecond, Double(Int.max / 2)))))
        }
    }

    let manager: ConnectionManager
    let configuration: Configuration
    let logger: Logger

    /// Creates the service.
    public init(
        manager: ConnectionManager, configuration: Configuration = .init(),
        logger: Logger = Logger(label: "tiktok-business.refresh")
    ) {
        self.manager = manager
        self.configuration = configuration
        self.logger = logger
    }

    public var description: String { "RefreshService" }

    public func run() async throws {
        logger.info("Refresh sweeper started", metadata: ["instance": "\(manager.configuration.instanceID)"])
        await cancelWhenGracefulShutdown {
            await self.loop()
        }
        logger.info("Refresh sweeper stopped")
    }

    private func loop() async {
        let batchSize = configuration.effectiveBatchSize(for: manager)
        let concurrency = configuration.effectiveConcurrency(for: manager)
        logger.debug(
            "Refresh sweeps sized", metadata: ["batch_size": "\(batchSize)", "concurrency": "\(concurrency)"])
        // Only a sweep after a sleep staggers its start; one that follows a full batch goes on at once.
        var jitter = configuration.jitter
        while !Task.isCancelled {
            do {
                let report = try await manager.sweep(limit: batchSize, concurrency: concurrency, jitter: jitter)
                if report.claimed > 0 {
                    logger.debug(
                        "Sweep done",
                        metadata: [
                            "claimed": "\(report.claimed)", "refreshed": "\(report.refreshed)",
                            "checked": "\(report.checked)", "failed": "\(report.failed)",
                            "reauthorization_required": "\(report.reauthorizationRequired)",
                        ])
                }
                if report.claimed >= batchSize {
                    jitter = .zero
                    continue
                }
                jitter = configuration.jitter
                try await sleepUntilWork()
            } catch is CancellationError {
                return
            } catch {
                jitter = configuration.jitter
                logger.error("Sweep failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Sleeps until the next connection falls due, at most `maximumSleep`, waking early on a work signal.
    private func sleepUntilWork() async throws {
        var sleep = configuration.maximumSleep
        if let next = try await manager.store.nextActionDate() {
            let seconds = next.timeIntervalSince(manager.now())
            sleep = min(sleep, .milliseconds(Int64(max(0, seconds) * 1000)))
        }
        await manager.workSignals.wait(upTo: max(sleep, configuration.minimumSleep))
    }
}
