import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// A router served on `127.0.0.1:port` inside the test process, that can stop and start again on the same port: the
/// body of the loopback webhook and OTLP receivers.
final class LoopbackServer: Sendable {
    let port: Int
    let label: String
    private let running = Mutex<(group: ServiceGroup, task: Task<Void, any Error>)?>(nil)

    init(port: Int, label: String) {
        self.port = port
        self.label = label
    }

    /// Serves `router`; returns once the port accepts connections.
    func start(_ router: Router<BasicRequestContext>) async {
        let (up, upContinuation) = AsyncStream.makeStream(of: Void.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { _ in upContinuation.yield() }, logger: Logger(label: label))
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [], logger: Logger(label: label)))
        let task = Task { try await group.run() }
        running.withLock { $0 = (group, task) }
        for await _ in up { break }
    }

    /// Stops listening (a no-op when not running).
    func stop() async {
        guard
            let (group, task) = running.withLock({ value in
                defer { value = nil }
                return value
            })
        else { return }
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
