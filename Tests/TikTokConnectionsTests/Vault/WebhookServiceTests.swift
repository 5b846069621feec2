import Foundation
import Synchronization
import Testing
import TikTokBusiness
import TikTokConnections
import TikTokTestSupport

/// A webhook receiver behind the transport seam: accepts, answers an error status, or is unreachable.
final class ScriptedReceiver: TikTokTransport {
    enum Mode: Sendable { case accept, status(Int), unreachable }
    struct Request: Sendable {
        var id: String
        var timestamp: Int64
        var signature: String
        var body: Data
        var accepted: Bool
    }

    let mode = Mutex<Mode>(.accept)
    let requests = Mutex<[Request]>([])

    func send(_ request: TikTokHTTPRequest, timeout: Duration) async throws -> TikTokHTTPResponse {
        func header(_ name: String) -> String { request.headers.first { $0.name == name }?.value ?? "" }
        let mode = self.mode.withLock { $0 }
        var accepted = false
        defer {
            requests.withLock {
                $0.append(
                    Request(
                        id: header("webhook-id"), timestamp: Int64(header("webhook-timestamp")) ?? 0,
                        signature: header("webhook-signature"), body: request.body ?? Data(), accepted: accepted))
            }
        }
        switch mode {
        case .accept:
            accepted = true
            return TikTokHTTPResponse(status: 204, body: Data())
        case .status(let status):
            return TikTokHTTPResponse(status: status, body: Data("no".utf8))
        case .unreachable:
            throw HarnessError("connection refused")
        }
    }

    var accepted: [Request] { requests.withLock { $0.filter(\.accepted) } }
}

@Suite("Webhook delivery")
struct WebhookServiceTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    static func service(_ vault: VaultHarness, _ receiver: ScriptedReceiver) throws -> WebhookService {
        let configuration = try WebhookConfiguration(url: "http://127.0.0.1:9/hooks?token=s3cret", secret: secret)
        return WebhookService(
            manager: vault.manager, configuration: configuration, transport: receiver,
            logger: vault.logs.logger("webhooks"))
    }

    /// Rounds until a round attempts nothing (the clock does not move, so only due deliveries go out).
    static func drain(_ service: WebhookService) async throws {
        while try await service.deliverDue() > 0 {}
    }

    @Test func theSignatureMatchesTheStandardWebhooksExample() throws {
        // The example of the Standard Webhooks specification.
        let secret = try WebhookSecret(Self.secret)
        let body = Data(#"{"test": 2432232314}"#.utf8)
        let signature = secret.signature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body)
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        #expect(
            secret.verify(
                header: "v1,bogus " + signature, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330,
                body: body))
        #expect(
            !secret.verify(header: signature, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_331, body: body))
        #expect(!"\(secret)".contains("MfKQ9r8G"))
    }

    @Test func theBodyCarriesTheEventAsTheAPIListsIt() throws {
        var event = ConnectionEvent(
            type: .tokenRefreshed, connectionID: "conn_1", occurredAt: Date(timeIntervalSince1970: 1_800_000_000),
            data: ["refresh_token_rotated": "true"])
        event.sequence = 9_007_199_254_740_993  // above 2^53: must stay exact
        let body = WebhookMessage.body(of: event)
        let json = try JSONDecoder().decode(JSONValue.self, from: body)
        #expect(json["type"]?.stringValue == "token.refreshed")
        #expect(json["timestamp"]?.stringValue == "2027-01-15T08:00:00Z")
        #expect(json["data"] == .object(event.jsonFields))
        #expect(String(decoding: body, as: UTF8.self).contains(#""sequence":9007199254740993"#))
        #expect(WebhookMessage.body(of: event) == body, "reproducible: keys sorted")
    }

    @Test func badSettingsAreRefusedClearly() {
        for (url, secret) in [
            ("ftp://example.com/hooks", Self.secret), ("/hooks", Self.secret),
            ("https://example.com", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            ("https://example.com", "whsec_not*base64"), ("https://example.com", "whsec_c2hvcnQ="),
        ] {
            #expect(throws: WebhookConfigurationError.self) { try WebhookConfiguration(url: url, secret: secret) }
        }
        do {
            _ = try WebhookConfiguration(url: "https://example.com", secret: "whsec_c2hvcnQ=")
        } catch {
            #expect(!error.message.contains("c2hvcnQ"))
        }
    }

    @Test func retriesStartAtOneSecondAndDoubleUpToTenMinutes() throws {
        var configuration = try WebhookConfiguration(url: "https://example.com/hooks", secret: Self.secret)
        #expect(
            (1...11).map { configuration.retryDelay(afterAttempts: $0) } == [
                1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 600,
            ])
        #expect(configuration.retryDelay(afterAttempts: 500) == 600)
        configuration.retryWindow = 60
        #expect(configuration.retryWindow == 86_400)
    }

    @Test func everyEventGoesOutOnceSignedAndInOrder() async throws {
        try await VaultHarness.run { vault in
            let receiver = ScriptedReceiver()
            let service = try Self.service(vault, receiver)
            try await service.prepare()
            var ids: [String] = []
            for user in ["ana", "ben", "cho"] {
                ids.append(try await vault.connectDirect(.tiktokAccount, user: user).connection.id)
            }
            _ = try await vault.manager.refresh(id: ids[0])
            _ = try await vault.manager.refresh(id: ids[0])
            _ = try await vault.manager.revoke(id: ids[1])
            try await Self.drain(service)

            let events = try await vault.manager.events(limit: 1000)
            #expect(events.count == 6)
            let received = receiver.accepted
            #expect(received.map(\.id).sorted() == events.map(\.id).sorted(), "each event exactly once")
            for id in ids {
                let expected = events.filter { $0.connectionID == id }.map(\.id)
                #expect(received.map(\.id).filter(expected.contains) == expected, "in order for \(id)")
            }
            let secret = try WebhookSecret(Self.secret)
            for request in received {
                #expect(
                    secret.verify(
                        header: request.signature, id: request.id, timestamp: request.timestamp, body: request.body))
                #expect(abs(Double(request.timestamp) - vault.clock.now().timeIntervalSince1970) < 5)
                let json = try JSONSerialization.jsonObject(with: request.body) as? [String: Any]
                let data = json?["data"] as? [String: Any]
                #expect(data?["id"] as? String == request.id)
                #expect(json?["type"] as? String == data?["type"] as? String)
                #expect(!String(decoding: request.body, as: UTF8.self).contains("act."), "no token in a webhook")
            }
            let deliveries = try await vault.manager.webhookDeliveries(sequences: events.map(\.sequence))
            #expect(
                deliveries.values.allSatisfy { $0.state == .delivered && $0.attempts == 1 && $0.deliveredAt != nil })
            #expect(try await vault.manager.webhookDeliveryCounts()[.delivered] == 6)
        }
    }

    @Test func aReceiverThatIsDownGetsRetriesWithBackoffAndThenEverythingInOrder() async throws {
        try await VaultHarness.run { vault in
            let receiver = ScriptedReceiver()
            receiver.mode.withLock { $0 = .unreachable }
            let service = try Self.service(vault, receiver)
            try await service.prepare()
            let first = try await vault.connectDirect(.tiktokAccount, user: "ana").connection.id
            _ = try await vault.manager.refresh(id: first)
            let second = try await vault.connectDirect(.tiktokAccount, user: "ben").connection.id
            let events = try await vault.manager.events(limit: 100)
            #expect(events.count == 3)

            // Attempts at 0, 1, 3, 7, 15 s: the head of each connection only, never its later event.
            var delays: [TimeInterval] = []
            for _ in 0..<5 {
                // One round (not a drain): the harness's clock runs with real time, and on a loaded machine a second
                // round could already find the next attempt due.
                _ = try await service.deliverDue()
                let heads = try await vault.manager.webhookDeliveries(sequences: [events[0].sequence])
                let head = try #require(heads[events[0].sequence])
                #expect(head.state == .pending)
                #expect(head.lastError?.contains("connection refused") == true)
                let next = try #require(head.nextAttemptAt)
                delays.append((next.timeIntervalSince(try #require(head.lastAttemptAt)) * 10).rounded() / 10)
                vault.clock.advance(next.timeIntervalSince(vault.clock.now()) + 0.01)
            }
            #expect(delays == [1, 2, 4, 8, 16])
            let attempted = Set(receiver.requests.withLock { $0.map(\.id) })
            #expect(!attempted.contains(events[1].id), "a connection's second event waits for its first")
            #expect(attempted.contains(events[2].id), "another connection is not held up")

            receiver.mode.withLock { $0 = .accept }
            try await Self.drain(service)
            let accepted = receiver.accepted.map(\.id)
            #expect(accepted.count == 3 && Set(accepted) == Set(events.map(\.id)), "each exactly once")
            #expect(accepted.firstIndex(of: events[0].id)! < accepted.firstIndex(of: events[1].id)!)
            #expect(second != first)
            let deliveries = try await vault.manager.webhookDeliveries(connectionID: first)
            #expect(deliveries.map(\.state) == [.delivered, .delivered])
            #expect(deliveries.last?.attempts == 6)
            #expect(!vault.logs.text.contains("s3cret"), "the webhook URL's query is never logged")
        }
    }

    @Test func afterTheRetryWindowADeliveryFailsAndTheNextEventGoesOut() async throws {
        try await VaultHarness.run { vault in
            let receiver = ScriptedReceiver()
            receiver.mode.withLock { $0 = .status(500) }
            let service = try Self.service(vault, receiver)
            try await service.prepare()
            let id = try await vault.connectDirect(.tiktokAccount, user: "ana").connection.id
            _ = try await vault.manager.refresh(id: id)
            let events = try await vault.manager.events(limit: 100)
            try await Self.drain(service)
            // Still retried just before three days (the default window) have passed…
            vault.clock.advance(3 * 86_400 - 700)
            try await Self.drain(service)
            var head = try #require(
                try await vault.manager.webhookDeliveries(sequences: [events[0].sequence])[events[0].sequence])
            #expect(head.state == .pending)
            #expect(head.lastStatusCode == 500)
            // …and given up on after them; then the connection's next event goes out.
            vault.clock.advance(1_400)
            try await Self.drain(service)
            head = try #require(
                try await vault.manager.webhookDeliveries(sequences: [events[0].sequence])[events[0].sequence])
            #expect(head.state == .failed)
            #expect(head.nextAttemptAt == nil)
            #expect(head.attempts == 3)
            // The next event had waited three days behind it; its own window starts at its first attempt (just made,
            // and failed), so it is retried, not given up on.
            var next = try #require(
                try await vault.manager.webhookDeliveries(sequences: [events[1].sequence])[events[1].sequence])
            #expect(next.state == .pending && next.attempts == 1)
            let firstAttempt = try #require(next.firstAttemptAt)
            #expect(abs(firstAttempt.timeIntervalSince(vault.clock.now())) < 5)
            #expect(abs(try #require(next.nextAttemptAt).timeIntervalSince(firstAttempt) - 1) < 0.5)
            receiver.mode.withLock { $0 = .accept }
            vault.clock.advance(1)
            try await Self.drain(service)
            #expect(receiver.accepted.map(\.id) == [events[1].id])
            next = try #require(
                try await vault.manager.webhookDeliveries(sequences: [events[1].sequence])[events[1].sequence])
            #expect(next.state == .delivered && next.attempts == 2)
            let counts = try await vault.manager.webhookDeliveryCounts()
            #expect(counts[.failed] == 1 && counts[.delivered] == 1 && (counts[.pending] ?? 0) == 0)
        }
    }
}
