import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization
import Testing
import TikTokBusiness
import TikTokConnections
import TikTokTestSupport

/// A webhook receiver on loopback that can go down (stop listening) and come back on the same port.
final class LoopbackReceiver: Sendable {
    struct Delivery: Sendable {
        var id: String
        var timestamp: Int64
        var signature: String
        var body: Data
    }

    let port: Int
    let deliveries = Mutex<[Delivery]>([])
    private let server: LoopbackServer

    init(port: Int) {
        self.port = port
        server = LoopbackServer(port: port, label: "receiver")
    }

    /// Starts listening; returns once the port accepts connections.
    func start() async throws {
        let router = Router()
        router.post("hooks") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let id = request.headers[HTTPField.Name("webhook-id")!] ?? ""
            let timestamp = Int64(request.headers[HTTPField.Name("webhook-timestamp")!] ?? "") ?? 0
            let signature = request.headers[HTTPField.Name("webhook-signature")!] ?? ""
            self.deliveries.withLock {
                $0.append(
                    Delivery(id: id, timestamp: timestamp, signature: signature, body: Data(body.readableBytesView)))
            }
            return Response(status: .noContent)
        }
        await server.start(router)
    }

    /// Stops listening.
    func stop() async { await server.stop() }
}

/// `serve` as a process delivering webhooks to a loopback receiver that is down for a while, across a restart.
@Suite("End to end: webhooks", .serialized)
struct WebhookEndToEndTests {
    static let secret = "whsec_" + Data((0..<32).map { UInt8($0 * 7 % 256) }).base64EncodedString()

    @Test func everyEventArrivesOnceInOrderSignedAcrossDowntimeAndARestart() async throws {
        let live = try LiveServices.start("webhooks")
        defer { live.cleanUp() }
        let (directory, serveURL, emulatorURL, apiKey) = (live.directory, live.serveURL, live.emulatorURL, live.apiKey)
        let receiverPort = try ProcessHarness.freePort()
        let webhooks = [
            "TIKTOK_BUSINESS_WEBHOOK_URL": "http://127.0.0.1:\(receiverPort)/hooks?token=hook-path-secret",
            "TIKTOK_BUSINESS_WEBHOOK_SECRET": Self.secret,
        ]
        var serve = try live.startServe(webhooks, log: "serve-1.log")
        defer { serve.terminate() }

        let browser = Browser()
        defer { browser.shutdown() }
        let api = APIClient(base: serveURL, key: apiKey, browser: browser)
        try await browser.waitUntilUp(emulatorURL + "/_emulator/clock")
        try await browser.waitUntilUp(serveURL + "/healthz")

        // The receiver is down: connect five accounts, refresh two, revoke one.
        var ids: [String] = []
        for (index, kind) in ["advertiser", "tiktok_account", "tiktok_account", "tcm_account", "creator"].enumerated() {
            try await Self.post(browser, emulatorURL + "/_emulator/consent/next", #"{"user":"hook-user-\#(index)"}"#)
            let chain = try await browser.follow(serveURL + "/connect/\(kind)")
            #expect(chain.body.contains("Connected"), "\(kind): \(chain.body.prefix(300))")
        }
        let list = try await api.get("/v1/connections")
        ids = list["connections"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
        #expect(ids.count == 5)
        let accounts =
            list["connections"]?.arrayValue?.filter { $0["kind"]?.stringValue == "tiktok_account" }
            .compactMap { $0["id"]?.stringValue } ?? []
        for id in accounts { _ = try await api.send("POST", "/v1/connections/\(id)/refresh") }
        _ = try await api.send("DELETE", "/v1/connections/\(accounts[0])")

        // Attempts fail and are retried; /v1/events shows it.
        let deadline = ContinuousClock.now + .seconds(20)
        var pending: JSONValue?
        while ContinuousClock.now < deadline {
            let first = try await api.get("/v1/events?limit=1")["events"]?.arrayValue?.first
            if let webhook = first?["webhook"], (webhook["attempts"]?.intValue ?? 0) >= 2 { pending = webhook; break }
            try await Task.sleep(for: .milliseconds(300))
        }
        if pending == nil {
            let log = (try? String(contentsOfFile: directory + "/serve-1.log", encoding: .utf8)) ?? ""
            Issue.record("no retried delivery seen in /v1/events: \(try await api.get("/v1/events?limit=3"))\n\(log)")
        }
        let webhook = try #require(pending)
        #expect(webhook["state"]?.stringValue == "pending")
        #expect(webhook["last_error"]?.stringValue?.isEmpty == false)
        #expect(webhook["next_attempt_at"]?.stringValue != nil)

        // Restart the service while deliveries are pending; bring the receiver up meanwhile.
        serve.terminate()
        serve.waitUntilExit()
        #expect(serve.terminationReason == .exit && serve.terminationStatus == 0)
        let receiver = LoopbackReceiver(port: receiverPort)
        try await receiver.start()
        serve = try live.startServe(webhooks, log: "serve-2.log")
        try await browser.waitUntilUp(serveURL + "/healthz")
        _ = try await api.send("POST", "/v1/connections/\(accounts[1])/refresh")

        // Everything arrives.
        var events: [JSONValue] = []
        let delivered = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < delivered {
            events = try await api.get("/v1/events?limit=1000")["events"]?.arrayValue ?? []
            if !events.isEmpty, events.allSatisfy({ $0["webhook"]?["state"]?.stringValue == "delivered" }) { break }
            try await Task.sleep(for: .milliseconds(300))
        }
        await receiver.stop()
        let eventIDs = events.compactMap { $0["id"]?.stringValue }
        #expect(events.count == 5 + accounts.count + 1 + 1, "connected, refreshed, revoked, refreshed after restart")
        #expect(events.allSatisfy { $0["webhook"]?["state"]?.stringValue == "delivered" }, "\(events)")

        let received = receiver.deliveries.withLock { $0 }
        #expect(received.map(\.id).count == Set(received.map(\.id)).count, "no event delivered twice")
        #expect(Set(received.map(\.id)) == Set(eventIDs), "every event delivered")
        for id in ids {
            let expected = events.filter { $0["connection_id"]?.stringValue == id }.compactMap { $0["id"]?.stringValue }
            #expect(received.map(\.id).filter(expected.contains) == expected, "in order for \(id)")
        }
        let secret = try WebhookSecret(Self.secret)
        for delivery in received {
            #expect(
                secret.verify(
                    header: delivery.signature, id: delivery.id, timestamp: delivery.timestamp, body: delivery.body))
            #expect(abs(Double(delivery.timestamp) - Date().timeIntervalSince1970) < 120)
        }

        // The connection page shows delivery state; /metrics counts the outbox.
        let metrics = try await browser.get(serveURL + "/metrics", headers: [("Authorization", "Bearer \(apiKey)")])
        #expect(metrics.body.contains("tiktok_business_webhook_deliveries{state=\"delivered\"} \(events.count)"))
        serve.terminate()
        serve.waitUntilExit()
        let logs = (1...2).compactMap { try? String(contentsOfFile: directory + "/serve-\($0).log", encoding: .utf8) }
            .joined()
        #expect(logs.contains("Webhook delivery failed; will retry"))
        #expect(!logs.contains("hook-path-secret"), "the webhook URL's path and query are never logged")
        #expect(!logs.contains(Self.secret.dropFirst(6).prefix(20)), "the secret is never logged")
    }

    /// A receiver that answers the head of its first delivery's request and then never sends the body, for that
    /// connection's every attempt; other connections' deliveries are answered at once. `serve` must cut the stalled
    /// attempts off at their deadline, keep the other connections' events flowing, and stop within 10 s of SIGTERM.
    @Test func aReceiverThatStallsHoldsUpOnlyItsConnectionAndSIGTERMStopsServeWithinTenSeconds() async throws {
        let live = try LiveServices.start("webhook-stall")
        defer { live.cleanUp() }
        let receiverPort = try ProcessHarness.freePort()
        let stalled = Mutex<String?>(nil)
        let answered = Mutex<[String]>([])
        let stalls = Mutex(0)
        let router = Router()
        router.post("hooks") { request, _ -> Response in
            let body = String(buffer: try await request.body.collect(upTo: 1 << 20))
            let connection = body.firstMatch(of: /"connection_id":"([^"]+)"/).map { String($0.1) } ?? "?"
            let stall = stalled.withLock { first in
                if first == nil { first = connection }
                return first == connection
            }
            guard stall else {
                answered.withLock { $0.append(connection) }
                return Response(status: .noContent)
            }
            stalls.withLock { $0 += 1 }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(string: "{"))
                    try await Task.sleep(for: .seconds(3_600))
                })
        }
        let receiver = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: receiverPort)),
            logger: Logger(label: "stalling-receiver"))
        let receiverGroup = ServiceGroup(
            configuration: .init(services: [receiver], gracefulShutdownSignals: [], logger: Logger(label: "receiver")))
        let receiverTask = Task { try await receiverGroup.run() }
        defer { receiverTask.cancel() }

        let serve = try live.startServe(
            [
                "TIKTOK_BUSINESS_WEBHOOK_URL": "http://127.0.0.1:\(receiverPort)/hooks",
                "TIKTOK_BUSINESS_WEBHOOK_SECRET": Self.secret,
            ], log: "serve.log")
        defer { if serve.isRunning { kill(serve.processIdentifier, SIGKILL) } }
        let browser = Browser()
        defer { browser.shutdown() }
        try await browser.waitUntilUp(live.emulatorURL + "/_emulator/clock")
        try await browser.waitUntilUp(live.serveURL + "/healthz")

        // The first connection's events stall; four more connections' events are delivered meanwhile.
        for index in 0..<5 {
            try await Self.post(
                browser, live.emulatorURL + "/_emulator/consent/next", #"{"user":"stall-user-\#(index)"}"#)
            let chain = try await browser.follow(live.serveURL + "/connect/advertiser")
            #expect(chain.body.contains("Connected"))
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while answered.withLock({ Set($0).count }) < 4, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(answered.withLock { Set($0).count } == 4, "the other connections' events were delivered")
        #expect(stalls.withLock { $0 } >= 1)
        #expect(!answered.withLock { $0 }.contains(stalled.withLock { $0 } ?? "-"))

        // SIGTERM just as a stalled attempt begins (they are retried after 1 s, 2 s, …, each cut off after 10 s):
        // shutdown gives it 3 s, not the rest of its 10 s deadline.
        let seen = stalls.withLock { $0 }
        while stalls.withLock({ $0 }) == seen, ContinuousClock.now < deadline + .seconds(40) {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(stalls.withLock { $0 } > seen, "no new stalled attempt began")
        let stopping = ContinuousClock.now
        serve.terminate()
        while serve.isRunning, ContinuousClock.now - stopping < .seconds(15) {
            try await Task.sleep(for: .milliseconds(50))
        }
        let took = ContinuousClock.now - stopping
        #expect(!serve.isRunning && took < .seconds(7), "serve stopped \(took) after SIGTERM")
        #expect(serve.terminationReason == .exit && serve.terminationStatus == 0)
        _ = receiverGroup
    }

    static func post(_ browser: Browser, _ url: String, _ json: String) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: json))
        let response = try await browser.client.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 20)
        #expect(response.status == .ok, "\(url): \(response.status)")
    }
}
