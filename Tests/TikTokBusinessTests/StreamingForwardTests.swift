import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing
import TikTokBusiness

/// A forwarded answer streams: the call returns once the envelope's `code` is read, the rest arrives later, and a
/// peer that stalls halfway is cut off at the call's deadline.
@Suite("Forwarding streams the body")
struct StreamingForwardTests {
    /// Counts the calls of a route.
    final class Counter: Sendable {
        private let value = Mutex(0)
        func increment() -> Int {
            value.withLock {
                $0 += 1; return $0
            }
        }
        var count: Int { value.withLock { $0 } }
    }

    /// Opens when the test says so.
    final class Gate: Sendable {
        private let waiters = Mutex<(open: Bool, continuations: [CheckedContinuation<Void, Never>])>((false, []))

        func wait() async {
            await withCheckedContinuation { continuation in
                let resumeNow = waiters.withLock { state -> Bool in
                    if state.open { return true }
                    state.continuations.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }

        func open() {
            let continuations = waiters.withLock { state in
                state.open = true
                defer { state.continuations.removeAll() }
                return state.continuations
            }
            for continuation in continuations { continuation.resume() }
        }
    }

    static let head = #"{"code":0,"message":"OK","request_id":"req-stream","data":{"list":["#
    static let rows = (0..<2_000).map { #"{"campaign_id":"\#($0)","campaign_name":"Campaign \#($0)"}"# }
        .joined(separator: ",")
    static let tail = #"]}}"#

    static func application(gate: Gate, attempts: Counter) -> some ApplicationProtocol {
        let router = Router()
        router.get("open_api/v1.3/report/get/") { _, _ in
            // The envelope's head and the start of data at once; the rest when the test opens the gate.
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init { writer in
                    try await writer.write(ByteBuffer(string: head))
                    await gate.wait()
                    try await writer.write(ByteBuffer(string: rows))
                    try await writer.write(ByteBuffer(string: tail))
                    try await writer.finish(nil)
                })
        }
        router.get("open_api/v1.3/flaky/get/") { _, _ -> Response in
            let attempt = attempts.increment()
            let body =
                attempt == 1
                ? #"{"code":50000,"message":"System error","request_id":"req-1","data":{}}"#
                : #"{"code":0,"message":"OK","request_id":"req-2","data":{"ok":true}}"#
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        router.get("open_api/v1.3/stall/get/") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init { writer in
                    try await writer.write(ByteBuffer(string: #"{"code":0,"message":"OK","data":{"list":["#))
                    try await Task.sleep(for: .seconds(20))
                    try await writer.write(ByteBuffer(string: "]}}"))
                    try await writer.finish(nil)
                })
        }
        return Application(router: router)
    }

    /// A client for the test server; the default deadline is long enough that a loaded machine's stalls never reach it.
    static func client(port: Int, timeout: Duration = .seconds(60)) -> TikTokClient {
        TikTokClient(
            configuration: .init(
                appID: "app", secret: "secret", apiBaseURL: "http://127.0.0.1:\(port)/open_api/v1.3/",
                retry: RetryPolicy(initialBackoff: .milliseconds(1), maximumBackoff: .milliseconds(5)),
                rateGovernor: nil, requestTimeout: timeout))
    }

    @Test func theCallReturnsAtTheEnvelopesHeadAndTheRestFollows() async throws {
        let gate = Gate()
        try await Self.application(gate: gate, attempts: Counter()).test(.live) { http in
            let client = Self.client(port: http.port!)
            // The gate is still shut: the call can only return if it does not wait for the whole body.
            var (response, head) = try await client.forwardStreaming(
                method: "GET", path: "/report/get/", rawQuery: nil, body: nil, accessToken: "act.x", retry: .idempotent)
            #expect(head == TikTokEnvelopeHead(code: 0, message: "OK", requestID: "req-stream"))
            #expect(response.rest != nil)
            gate.open()
            let whole = try await response.collect(upTo: 1 << 20)
            #expect(String(decoding: whole.body, as: UTF8.self) == Self.head + Self.rows + Self.tail)
        }
    }

    @Test func aRetriedAnswerIsDroppedAndTheNextRelayed() async throws {
        let attempts = Counter()
        try await Self.application(gate: Gate(), attempts: attempts).test(.live) { http in
            let client = Self.client(port: http.port!)
            var (response, head) = try await client.forwardStreaming(
                method: "GET", path: "/flaky/get/", rawQuery: nil, body: nil, accessToken: "act.x", retry: .idempotent)
            #expect(head?.code == 0)
            #expect(head?.requestID == "req-2")
            let whole = try await response.collect(upTo: 1 << 20)
            #expect(String(decoding: whole.body, as: UTF8.self).contains(#""ok":true"#))
            #expect(attempts.count == 2)
        }
    }

    @Test func aPeerThatStallsHalfwayIsCutOffAtTheDeadline() async throws {
        try await Self.application(gate: Gate(), attempts: Counter()).test(.live) { http in
            // 8 s: the head must arrive within it even on a loaded machine.
            let client = Self.client(port: http.port!, timeout: .seconds(8))
            let started = ContinuousClock.now
            var (response, head) = try await client.forwardStreaming(
                method: "GET", path: "/stall/get/", rawQuery: nil, body: nil, accessToken: "act.x", retry: nil)
            #expect(head?.code == 0)
            await #expect(throws: TransportTimeout.self) {
                _ = try await response.collect(upTo: 1 << 20)
            }
            #expect(
                ContinuousClock.now - started < .seconds(18),
                "cut off at the 8 s deadline, not when the peer went on (20 s)")
        }
    }
}
