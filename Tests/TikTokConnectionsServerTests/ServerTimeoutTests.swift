import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Testing

@testable import TikTokConnectionsServer

/// Slow clients on a live server: a first request head that trickles in, or never comes, and an idle keep-alive
/// connection are closed at their timeouts.
@Suite("HTTP server timeouts")
struct ServerTimeoutTests {
    /// A raw TCP connection to the server. Durations are measured from just before it was opened, as the server's
    /// timers run from when it accepted the connection.
    struct RawConnection {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        let opened: ContinuousClock.Instant

        static func open(port: Int) async throws -> RawConnection {
            let opened = ContinuousClock.now
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
            return RawConnection(channel: channel, opened: opened)
        }

        /// Writes `text` a byte every `interval` until the server closes the connection; returns when it did (or
        /// `nil` after `limit`), with everything the server sent.
        func trickle(_ text: String, every interval: Duration, limit: Duration) async throws -> (Duration?, String) {
            let started = opened
            return try await channel.executeThenClose { inbound, outbound in
                let writer = Task {
                    for byte in text.utf8 {
                        try await outbound.write(ByteBuffer(bytes: [byte]))
                        try await Task.sleep(for: interval)
                    }
                    try await Task.sleep(for: limit)
                }
                defer { writer.cancel() }
                return try await Self.readUntilClosed(inbound, started: started, limit: limit)
            }
        }

        /// Sends `text` at once, then waits for the server to close the connection.
        func send(_ text: String, limit: Duration) async throws -> (Duration?, String) {
            let started = opened
            return try await channel.executeThenClose { inbound, outbound in
                if !text.isEmpty { try await outbound.write(ByteBuffer(string: text)) }
                return try await Self.readUntilClosed(inbound, started: started, limit: limit)
            }
        }

        static func readUntilClosed(
            _ inbound: NIOAsyncChannelInboundStream<ByteBuffer>, started: ContinuousClock.Instant, limit: Duration
        ) async throws -> (Duration?, String) {
            try await withThrowingTaskGroup(of: (Duration?, String).self) { group in
                group.addTask {
                    var received = ""
                    do {
                        for try await chunk in inbound { received += String(buffer: chunk) }
                    } catch {}
                    return (ContinuousClock.now - started, received)
                }
                group.addTask {
                    try await Task.sleep(for: limit)
                    return (nil, "")
                }
                defer { group.cancelAll() }
                return try await group.next()!
            }
        }
    }

    @Test func slowHeadsAndIdleConnectionsAreClosed() async throws {
        try await ServerHarness.run(configureServer: {
            $0.headerTimeout = .seconds(1)
            $0.idleTimeout = .seconds(2)
        }) { harness in
            let (up, upContinuation) = AsyncStream.makeStream(of: Int.self)
            let app = harness.server.makeApplication(host: "127.0.0.1", port: 0) { port in upContinuation.yield(port) }
            let group = ServiceGroup(
                configuration: .init(services: [app], gracefulShutdownSignals: [], logger: Logger(label: "timeouts")))
            let running = Task { try await group.run() }
            defer { running.cancel() }
            var port = 0
            for await bound in up {
                port = bound
                break
            }

            // A head trickled in a byte every 200 ms (it would take 12 s): closed at the header timeout. The upper
            // bounds leave room for a loaded machine's stalls and are still far below what the trickle takes.
            let slow = try await RawConnection.open(port: port).trickle(
                "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: aaaaaaaaaaaaaaaaaaaa\r\n\r\n", every: .milliseconds(200),
                limit: .seconds(12))
            let slowClosed = try #require(slow.0, "a trickled head held the connection open")
            #expect(slowClosed >= .milliseconds(900) && slowClosed < .seconds(7), "closed after \(slowClosed)")
            #expect(!slow.1.contains("200 OK"))

            // A connection that sends nothing: closed at the header timeout too.
            let silent = try await RawConnection.open(port: port).send("", limit: .seconds(12))
            let silentClosed = try #require(silent.0, "a silent connection was kept open")
            #expect(silentClosed >= .milliseconds(900) && silentClosed < .seconds(7), "closed after \(silentClosed)")

            // A request answered, then nothing: the idle timeout (longer) closes it.
            let idle = try await RawConnection.open(port: port).send(
                "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", limit: .seconds(12))
            #expect(idle.1.hasPrefix("HTTP/1.1 200 OK"))
            let idleClosed = try #require(idle.0, "an idle keep-alive connection was kept open")
            #expect(idleClosed >= .milliseconds(1_800) && idleClosed < .seconds(8), "closed after \(idleClosed)")
            await group.triggerGracefulShutdown()
        }
    }
}
