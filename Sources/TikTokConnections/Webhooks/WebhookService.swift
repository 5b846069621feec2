import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TikTokBusiness

/// Delivers every event of the log to the webhook receiver: a swift-service-lifecycle `Service`.
///
/// Events enter a durable outbox in the store (``ConnectionStore/enqueueWebhookDeliveries(now:limit:)``), so nothing
/// is lost when the receiver is down or the service restarts. Each round claims due deliveries through store leases
/// (so several instances never send the same one at once), only the oldest pending delivery of each connection (so a
/// connection's events arrive in order), and sends them signed per Standard Webhooks. A failed attempt is retried after
/// 1 s, doubling up to 10 minutes between tries, until the retry window (at least 24 hours) has passed; then the
/// delivery is marked failed and the connection's next event goes out. On graceful shutdown it finishes the attempts
/// in flight, records them, and releases its leases.
public struct WebhookService: Service, CustomStringConvertible {
    let manager: ConnectionManager
    let configuration: WebhookConfiguration
    let transport: any TikTokTransport
    let logger: Logger
    let owner: String
    let wakeUp: WakeUpSignal

    /// Creates the service. It wakes early whenever `manager` records an event; events of other instances are picked
    /// up within ``WebhookConfiguration/pollInterval``.
    public init(
        manager: ConnectionManager, configuration: WebhookConfiguration,
        transport: any TikTokTransport = AsyncHTTPClientTransport(),
        logger: Logger = Logger(label: "tiktok-business.webhooks")
    ) {
        self.manager = manager
        self.configuration = configuration
        self.transport = transport
        self.logger = logger
        self.owner = manager.configuration.instanceID + "/webhooks"
        let wakeUp = WakeUpSignal()
        self.wakeUp = wakeUp
        manager.addEventObserver { _ in wakeUp.signal() }
    }

    public var description: String { "WebhookService" }

    /// Starts the outbox's cursor if webhooks were never on for this database, so that every event from now on is
    /// delivered. Call before serving requests; ``run()`` does it too.
    public func prepare() async throws {
        _ = try await enqueueNewEvents()
    }

    public func run() async throws {
        logger.info(
            "Webhook delivery started",
            metadata: ["destination": "\(configuration.loggableDestination)", "instance": "\(owner)"])
        let stopping = StopFlag()
        let grace = configuration.shutdownGracePeriod
        await withGracefulShutdownHandler {
            // On shutdown no new round starts; attempts in flight get the grace period, then are cancelled (their
            // leases are released below, so another instance, or this one after a restart, sends them again).
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.loop(stopping: stopping) }
                group.addTask {
                    await stopping.wait()
                    try? await Task.sleep(for: grace)
                }
                await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            stopping.stop()
            self.wakeUp.signal()
        }
        try? await manager.store.releaseWebhookLeases(owner: owner)
        logger.info("Webhook delivery stopped")
    }

    /// One round: enqueue new events, claim due deliveries and send them. Returns how many were attempted.
    @discardableResult
    public func deliverDue() async throws -> Int {
        _ = try await enqueueNewEvents()
        let now = manager.now()
        let claimed = try await manager.store.claimWebhookDeliveries(
            now: now, limit: max(1, configuration.batchSize), owner: owner,
            leaseUntil: now.addingTimeInterval(configuration.leaseDuration))
        guard !claimed.isEmpty else { return 0 }
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for delivery in claimed {
                if running >= max(1, configuration.concurrency) {
                    await group.next()
                    running -= 1
                }
                group.addTask { await self.attempt(delivery) }
                running += 1
            }
        }
        return claimed.count
    }

    private func loop(stopping: StopFlag) async {
        while !stopping.isStopped && !Task.isCancelled {
            do {
                if try await deliverDue() > 0 { continue }
                try await sleepUntilDue()
            } catch {
                logger.error("Webhook round failed; retrying", metadata: ["error": "\(error)"])
                await pause(.seconds(1))
            }
        }
    }

    /// Copies new events of the log into the outbox, in batches, until none is left.
    private func enqueueNewEvents() async throws -> Int {
        var total = 0
        while true {
            let added = try await manager.store.enqueueWebhookDeliveries(
                now: manager.now(), limit: Self.enqueueBatch)
            total += added
            if added < Self.enqueueBatch { return total }
        }
    }

    /// Sends one delivery and records the outcome.
    private func attempt(_ delivery: WebhookDelivery) async {
        let attemptedAt = manager.now()
        let message = WebhookMessage(event: delivery.event, attemptedAt: attemptedAt, secret: configuration.secret)
        let request = TikTokHTTPRequest(
            method: "POST", url: configuration.url, headers: message.headers, body: message.body)
        let outcome: WebhookAttemptOutcome
        do {
            let response = try await VaultTracing.deliveringWebhook(delivery) {
                try await transport.send(request, timeout: configuration.requestTimeout)
            }
            if (200..<300).contains(response.status) {
                outcome = .delivered(statusCode: response.status)
            } else {
                outcome = failure(of: delivery, statusCode: response.status, error: "HTTP \(response.status)")
            }
        } catch  where Task.isCancelled {
            // Shutdown cut the attempt short: not an attempt of the receiver's; the lease is released for a resend.
            logger.notice(
                "Webhook attempt cancelled by shutdown", metadata: ["event.id": "\(delivery.event.id)"])
            return
        } catch {
            outcome = failure(of: delivery, statusCode: nil, error: Self.describe(error))
        }
        var metadata: Logger.Metadata = [
            "event.id": "\(delivery.event.id)", "event.type": "\(delivery.event.type)",
            "connection.id": "\(delivery.event.connectionID)", "attempt": "\(delivery.attempts + 1)",
        ]
        switch outcome {
        case .delivered:
            logger.debug("Webhook delivered", metadata: metadata)
        case .retry(let at, _, let error):
            metadata["error"] = "\(error)"
            metadata["retry_in_seconds"] = "\(Int(at.timeIntervalSince(attemptedAt).rounded()))"
            logger.warning("Webhook delivery failed; will retry", metadata: metadata)
        case .failed(_, let error):
            metadata["error"] = "\(error)"
            logger.error(
                "Webhook delivery failed for the whole retry window; giving up on this event", metadata: metadata)
        }
        await record(delivery, outcome: outcome, at: attemptedAt, metadata: metadata)
    }

    /// Records an outcome, retrying store failures a few times: an unrecorded success would be sent again.
    private func record(
        _ delivery: WebhookDelivery, outcome: WebhookAttemptOutcome, at date: Date, metadata: Logger.Metadata
    ) async {
        for attempt in 1...Self.recordAttempts {
            do {
                let held = try await manager.store.recordWebhookAttempt(
                    sequence: delivery.event.sequence, owner: owner, at: date, outcome: outcome)
                if !held {
                    logger.warning("Webhook lease was lost before the attempt was recorded", metadata: metadata)
                }
                return
            } catch {
                logger.error(
                    "Recording a webhook attempt failed",
                    metadata: metadata.merging(["error": "\(error)", "try": "\(attempt)"]) { $1 })
                await pause(.milliseconds(250 * attempt))
            }
        }
    }

    /// A failed attempt's outcome: retry after the backoff, or give up once the retry window, counted from the first
    /// attempt, has passed (an event that waited behind its connection's earlier ones still gets the whole window).
    private func failure(of delivery: WebhookDelivery, statusCode: Int?, error: String) -> WebhookAttemptOutcome {
        let now = manager.now()
        if now.timeIntervalSince(delivery.firstAttemptAt ?? now) >= configuration.retryWindow {
            return .failed(statusCode: statusCode, error: error)
        }
        let delay = configuration.retryDelay(afterAttempts: delivery.attempts + 1)
        return .retry(at: now.addingTimeInterval(delay), statusCode: statusCode, error: error)
    }

    /// Sleeps until the next delivery falls due, at most the poll interval, waking early on a new local event.
    private func sleepUntilDue() async throws {
        var wait = configuration.pollInterval
        if let next = try await manager.store.nextWebhookAttemptDate() {
            let seconds = max(0, next.timeIntervalSince(manager.now()))
            wait = min(wait, .milliseconds(Int64(seconds * 1000)))
        }
        await pause(max(wait, Self.minimumSleep), wakeEarly: true)
    }

    private func pause(_ duration: Duration, wakeEarly: Bool = false) async {
        if wakeEarly {
            await wakeUp.wait(upTo: duration)
        } else {
            try? await Task.sleep(for: duration)
        }
    }

    /// A short description of a transport failure, without the URL (its path or query may hold a secret).
    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        let firstLine = text.split(separator: "\n").first.map(String.init) ?? text
        return String(firstLine.prefix(200))
    }

    /// Set once graceful shutdown begins: no new round starts, attempts in flight get the grace period.
    final class StopFlag: Sendable {
        private let stopped = Mutex(false)
        private let signal = AsyncStream.makeStream(of: Void.self)
        var isStopped: Bool { stopped.withLock { $0 } }
        func stop() {
            stopped.withLock { $0 = true }
            signal.continuation.finish()
        }
        /// Returns once ``stop()`` was called (or the task is cancelled).
        func wait() async {
            for await _ in signal.stream {}
        }
    }

    static let enqueueBatch = 1000
    static let recordAttempts = 5
    static let minimumSleep = Duration.milliseconds(50)
}
