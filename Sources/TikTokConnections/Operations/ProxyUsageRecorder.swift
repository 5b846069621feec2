import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Counts proxied calls per connection, caller and day in memory, and adds the counts to the store every
/// ``interval`` (and once more on shutdown): the audit trail's record of proxy use costs the proxy no database write
/// per call. Counts that could not be written are kept for the next flush.
public final class ProxyUsageRecorder: Service, Sendable, CustomStringConvertible {
    struct Key: Hashable {
        var connectionID: String
        var day: String
        var actor: String
    }

    let manager: ConnectionManager
    /// How often the counts are written. Default 10 s.
    public let interval: Duration
    let logger: Logger
    private let tallies = Mutex<[Key: (calls: Int, errors: Int)]>([:])

    /// Creates a recorder.
    public init(
        manager: ConnectionManager, interval: Duration = .seconds(10),
        logger: Logger = Logger(label: "tiktok-business.proxy-usage")
    ) {
        self.manager = manager
        self.interval = interval
        self.logger = logger
    }

    public var description: String { "ProxyUsageRecorder" }

    /// Counts one proxied call.
    public func record(connectionID: String, actor: String, failed: Bool) {
        let key = Key(connectionID: connectionID, day: ProxyUsage.day(of: manager.now()), actor: actor)
        tallies.withLock { tallies in
            var tally = tallies[key] ?? (0, 0)
            tally.calls += 1
            if failed { tally.errors += 1 }
            tallies[key] = tally
        }
    }

    /// Writes the counts gathered so far.
    public func flush() async {
        let taken = tallies.withLock { tallies in
            defer { tallies.removeAll() }
            return tallies
        }
        guard !taken.isEmpty else { return }
        let usage = taken.map {
            ProxyUsage(
                connectionID: $0.key.connectionID, day: $0.key.day, actor: $0.key.actor, calls: $0.value.calls,
                errors: $0.value.errors)
        }
        do {
            try await manager.addProxyUsage(usage)
        } catch {
            logger.warning(
                "Could not write proxy use counts; keeping them for the next flush", metadata: ["error": "\(error)"])
            tallies.withLock { tallies in
                for (key, value) in taken {
                    var tally = tallies[key] ?? (0, 0)
                    tally.calls += value.calls
                    tally.errors += value.errors
                    tallies[key] = tally
                }
            }
        }
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                guard (try? await Task.sleep(for: self.interval)) != nil else { break }
                await self.flush()
            }
        }
        await flush()
    }
}
