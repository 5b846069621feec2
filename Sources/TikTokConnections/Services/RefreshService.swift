import Foundation
import Logging
import ServiceLifecycle

/// The background sweeper: a swift-service-lifecycle `Service` that keeps every connection's tokens fresh.
///
/// It claims due connections through store leases (so several instances never work on the same connection), does
/// their work with bounded concurrency and jitter, then sleeps until the next connection falls due rather than polling
/// on a fixed period, waking early when a new connection arrives. It stops on graceful shutdown.
public struct RefreshService: Service, CustomStringConvertible {
    /// How the sweeper paces itself.
    public struct Configuration: Sendable {
        /// Connections claimed per sweep. Default 200.
        public var batchSize: Int
        /// Connections worked on at once. Default 16.
        public var concurrency: Int
        /// A random delay of up to this much before each connection's work, to spread load. Default 200 ms.
        public var jitter: Duration
        /// The longest sleep between sweeps (other instances may add work the store did not announce). Default 60 s.
        public var maximumSleep: Duration
        /// The shortest sleep between sweeps that found nothing to do. Default 100 ms.
        public var minimumSleep: Duration

        /// Creates a configuration with the documented defaults.
        public init(
            batchSize: Int = 200, concurrency: Int = 16, jitter: Duration = .milliseconds(200),
            maximumSleep: Duration = .seconds(60), minimumSleep: Duration = .milliseconds(100)
        ) {
            self.batchSize = max(1, batchSize)
            self.concurrency = max(1, concurrency)
            self.jitter = jitter
            self.maximumSleep = maximumSleep
            self.minimumSleep = minimumSleep
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
        while !Task.isCancelled {
            do {
                let report = try await manager.sweep(
                    limit: configuration.batchSize, concurrency: configuration.concurrency,
                    jitter: configuration.jitter)
                if report.claimed > 0 {
                    logger.debug(
                        "Sweep done",
                        metadata: [
                            "claimed": "\(report.claimed)", "refreshed": "\(report.refreshed)",
                            "checked": "\(report.checked)", "failed": "\(report.failed)",
                            "reauthorization_required": "\(report.reauthorizationRequired)",
                        ])
                }
                if report.claimed >= configuration.batchSize { continue }
                try await sleepUntilWork()
            } catch is CancellationError {
                return
            } catch {
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
        let duration = max(sleep, configuration.minimumSleep)
        let signals = manager.workSignals
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: duration) }
            group.addTask {
                for await _ in signals { return }
            }
            await group.next()
            group.cancelAll()
        }
    }
}
