import Foundation
import Logging
import ServiceLifecycle

/// The sweeper's housekeeping: a `Service` that deletes, on every instance, what the vault no longer needs
/// (``ConnectionManager/prune(_:)``): expired authorization states after their grace period, and events past their
/// retention once their webhook deliveries are done. Work is done in small batches that never hold the database's
/// writer long, so refreshes and callbacks go on meanwhile. It stops on graceful shutdown.
public struct RetentionService: Service, CustomStringConvertible {
    /// What is kept, and how the rounds are paced.
    public struct Configuration: Sendable {
        /// What is kept and how it is deleted.
        public var policy: RetentionPolicy
        /// The time between two rounds. The first round starts after a random part of it, so that instances started
        /// together spread out. Default 60 s.
        public var interval: Duration

        /// Creates a configuration with the documented defaults.
        public init(policy: RetentionPolicy = .init(), interval: Duration = .seconds(60)) {
            self.policy = policy
            self.interval = interval
        }
    }

    let manager: ConnectionManager
    let configuration: Configuration
    let logger: Logger

    /// Creates the service.
    public init(
        manager: ConnectionManager, configuration: Configuration = .init(),
        logger: Logger = Logger(label: "tiktok-business.retention")
    ) {
        self.manager = manager
        self.configuration = configuration
        self.logger = logger
    }

    public var description: String { "RetentionService" }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            let interval = configuration.interval
            let first = interval * Double.random(in: 0.1...1)
            guard (try? await Task.sleep(for: first)) != nil else { return }
            while !Task.isCancelled {
                var pause = interval
                do {
                    let report = try await manager.prune(configuration.policy)
                    if report.states > 0 || report.events > 0 {
                        logger.info(
                            "Pruned expired states and old events",
                            metadata: ["states": "\(report.states)", "events": "\(report.events)"])
                    }
                    // A backlog (a first run on an old database) goes on after a short breath.
                    if report.more { pause = .seconds(1) }
                } catch is CancellationError {
                    return
                } catch {
                    logger.warning("Pruning failed; retrying next round", metadata: ["error": "\(error)"])
                }
                guard (try? await Task.sleep(for: pause)) != nil else { return }
            }
        }
    }
}
