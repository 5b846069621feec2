import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing
import TikTokBusiness
import TikTokConnections
import TikTokTestSupport

/// An OTLP/HTTP receiver on loopback: keeps the bodies POSTed to `/v1/traces` (JSON, with
/// `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`), and accepts webhooks on `/hooks`.
final class OTLPReceiver: Sendable {
    let port: Int
    let bodies = Mutex<[Data]>([])
    let contentTypes = Mutex<[String]>([])
    /// The `x-collector-key` header of each export.
    let collectorKeys = Mutex<[String]>([])
    private let server: LoopbackServer

    init(port: Int) {
        self.port = port
        server = LoopbackServer(port: port, label: "otlp-receiver")
    }

    func start() async throws {
        let router = Router()
        router.post("v1/traces") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 16 << 20)
            self.bodies.withLock { $0.append(Data(body.readableBytesView)) }
            self.contentTypes.withLock { $0.append(request.headers[.contentType] ?? "") }
            self.collectorKeys.withLock { $0.append(request.headers[HTTPField.Name("x-collector-key")!] ?? "") }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        router.post("hooks") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 1 << 20)
            return Response(status: .noContent)
        }
        await server.start(router)
    }

    func stop() async { await server.stop() }

    /// Every span received, with its resource's attributes.
    func spans() throws -> [ReceivedSpan] {
        var spans: [ReceivedSpan] = []
        for body in bodies.withLock({ $0 }) {
            let document = try JSONDecoder().decode(JSONValue.self, from: body)
            for resourceSpans in document["resourceSpans"]?.arrayValue ?? [] {
                let resource = Self.attributes(resourceSpans["resource"]?["attributes"])
                for scopeSpans in resourceSpans["scopeSpans"]?.arrayValue ?? [] {
                    for span in scopeSpans["spans"]?.arrayValue ?? [] {
                        spans.append(
                            ReceivedSpan(
                                name: span["name"]?.stringValue ?? "", kind: span["kind"]?.intValue ?? 0,
                                spanID: span["spanId"]?.stringValue ?? "",
                                parentSpanID: span["parentSpanId"]?.stringValue ?? "",
                                attributes: Self.attributes(span["attributes"]),
                                statusCode: span["status"]?["code"]?.intValue ?? 0, resource: resource))
                    }
                }
            }
        }
        return spans
    }

    /// OTLP JSON attributes (`[{"key","value":{"stringValue"|"intValue"|"boolValue"|…}}]`) as text.
    static func attributes(_ list: JSONValue?) -> [String: String] {
        var result: [String: String] = [:]
        for attribute in list?.arrayValue ?? [] {
            guard let key = attribute["key"]?.stringValue, let value = attribute["value"]?.objectValue?.first?.value
            else { continue }
            result[key] = value.stringValue ?? "\(value)"
        }
        return result
    }
}

struct ReceivedSpan {
    var name: String
    /// OTLP's SpanKind: 2 server, 3 client.
    var kind: Int
    var spanID: String
    var parentSpanID: String
    var attributes: [String: String]
    var statusCode: Int
    var resource: [String: String]

    subscript(_ key: String) -> String? { attributes[key] }
}

/// `serve` as a process with `OTEL_EXPORTER_OTLP_ENDPOINT` set: an account connected, refreshed and proxied, webhooks
/// delivered, then SIGTERM. The spans arrive (flushed on shutdown) with their attributes, and nothing secret is in
/// them.
@Suite("Tracing: serve exports spans over OTLP/HTTP", .serialized)
struct TracingTests {
    @Test func spansOfCallbackExchangeRefreshProxyAndWebhooksWithoutSecrets() async throws {
        let stateFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("tracing-emulator-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: stateFile) }
        let live = try LiveServices.start("tracing", emulatorArguments: ["--state-file", stateFile])
        defer { live.cleanUp() }
        let receiver = OTLPReceiver(port: try ProcessHarness.freePort())
        try await receiver.start()
        let webhookSecret = "whsec_" + Data((0..<32).map { UInt8($0 * 5 % 256) }).base64EncodedString()
        let webhookQuerySecret = "hook-query-secret-4f1c"
        let collectorKey = "collector-key-9d2e7a"
        let serve = try live.startServe(
            [
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(receiver.port)",
                "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
                "OTEL_EXPORTER_OTLP_HEADERS": "x-collector-key=\(collectorKey)",
                // Nothing is exported on schedule during the test: the spans arrive through the flush on SIGTERM.
                "OTEL_BSP_SCHEDULE_DELAY": "600000",
                "TIKTOK_BUSINESS_WEBHOOK_URL": "http://127.0.0.1:\(receiver.port)/hooks?token=\(webhookQuerySecret)",
                "TIKTOK_BUSINESS_WEBHOOK_SECRET": webhookSecret,
            ], log: "serve.log")
        defer { serve.terminate() }

        let browser = Browser()
        defer { browser.shutdown() }
        try await browser.waitUntilUp(live.emulatorURL + "/_emulator/clock")
        try await browser.waitUntilUp(live.serveURL + "/healthz")
        let api = APIClient(base: live.serveURL, key: live.apiKey, browser: browser)

        // Connect: the callback carries the authorization code and the state.
        let chain = try await browser.follow(live.serveURL + "/connect/tiktok_account")
        #expect(chain.body.contains("Connected"), "\(chain.body.prefix(300))")
        let callbackURL = try #require(chain.visited.last)
        let callbackQuery = URLComponents(string: callbackURL)?.queryItems ?? []
        let authCode = try #require(callbackQuery.first { $0.name == "code" || $0.name == "auth_code" }?.value)
        let state = try #require(callbackQuery.first { $0.name == "state" }?.value)
        let connection = try #require(try await api.get("/v1/connections")["connections"]?.arrayValue?.first)
        let id = try #require(connection["id"]?.stringValue)
        let openID = try #require(connection["open_id"]?.stringValue)
        let firstToken = try #require(
            try await api.get("/v1/connections/\(id)/access-token")["access_token"]?.stringValue)

        // A refresh, a proxied call, a replayed callback (refused).
        let refreshed = try await api.send("POST", "/v1/connections/\(id)/refresh")
        #expect(refreshed["id"]?.stringValue == id, "\(refreshed)")
        let secondToken = try #require(
            try await api.get("/v1/connections/\(id)/access-token")["access_token"]?.stringValue)
        #expect(secondToken != firstToken)
        let business = try await api.get("/v1/proxy/\(id)/business/get/?business_id=\(openID)")
        #expect(business["code"]?.intValue == 0)
        #expect(try await browser.get(callbackURL).status == 409)

        // Webhooks delivered (connection.created, token.refreshed) before shutting down.
        let deadline = ContinuousClock.now + .seconds(20)
        var events: [JSONValue] = []
        while ContinuousClock.now < deadline {
            events = try await api.get("/v1/events?limit=100")["events"]?.arrayValue ?? []
            if events.count >= 2, events.allSatisfy({ $0["webhook"]?["state"]?.stringValue == "delivered" }) { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(
            events.count >= 2 && events.allSatisfy { $0["webhook"]?["state"]?.stringValue == "delivered" }, "\(events)")
        #expect(receiver.bodies.withLock { $0.isEmpty }, "spans exported before shutdown despite the schedule delay")

        // SIGTERM: the exporter flushes the spans as the service stops.
        serve.terminate()
        serve.waitUntilExit()
        #expect(serve.terminationReason == .exit && serve.terminationStatus == 0)
        let log = (try? String(contentsOfFile: live.directory + "/serve.log", encoding: .utf8)) ?? ""
        #expect(log.contains("Tracing on"), "\(log.suffix(2000))")
        #expect(log.contains("otel.endpoint_host=127.0.0.1"))
        await receiver.stop()
        #expect(receiver.contentTypes.withLock { $0 }.allSatisfy { $0.hasPrefix("application/json") })
        #expect(receiver.collectorKeys.withLock { $0 }.allSatisfy { $0 == collectorKey })
        #expect(!log.contains(collectorKey), "the exporter's headers are never logged")

        let spans = try receiver.spans()
        let names = Set(spans.map(\.name))
        func one(_ name: String, _ outcome: String = "success") throws -> ReceivedSpan {
            try #require(spans.first { $0.name == name && $0["tiktok_business.outcome"] == outcome }, "\(names)")
        }
        let callback = try one("tiktok_business.callback")
        #expect(callback["tiktok_business.connection.id"] == id)
        #expect(callback["tiktok_business.connection.kind"] == "tiktok_account")
        #expect(callback["tiktok_business.connection.created"] == "true")
        #expect(callback.kind == 2)
        #expect(callback.resource["service.name"] == "tiktok-business")

        let exchange = try one("tiktok_business.code_exchange")
        #expect(exchange["tiktok_business.connection.kind"] == "tiktok_account")
        #expect(exchange.kind == 3)
        #expect(exchange.parentSpanID == callback.spanID, "the exchange is a child of the callback")

        let replay = try one("tiktok_business.callback", "state_replayed")
        #expect(replay["tiktok_business.connection.kind"] == "tiktok_account")
        #expect(replay.statusCode == 2, "an error status")

        let refresh = try one("tiktok_business.refresh")
        #expect(refresh["tiktok_business.connection.id"] == id)
        #expect(refresh["tiktok_business.connection.kind"] == "tiktok_account")
        #expect(refresh.kind == 3)

        let proxy = try one("tiktok_business.proxy")
        #expect(proxy["tiktok_business.connection.id"] == id)
        #expect(proxy["tiktok_business.connection.kind"] == "tiktok_account")
        #expect(proxy["http.response.status_code"] == "200")
        #expect(proxy["tiktok.code"] == "0")
        #expect(proxy["tiktok.request_id"]?.isEmpty == false)
        #expect(proxy["tiktok.path"] == "/business/get/")

        let webhooks = spans.filter { $0.name == "tiktok_business.webhook_delivery" }
        #expect(webhooks.count >= 2)
        #expect(
            webhooks.allSatisfy {
                $0["tiktok_business.outcome"] == "delivered" && $0["http.response.status_code"] == "204"
            })
        #expect(webhooks.allSatisfy { $0["tiktok_business.connection.id"] == id })
        #expect(
            Set(webhooks.compactMap { $0["tiktok_business.event.type"] }).isSuperset(of: [
                "connection.created", "token.refreshed",
            ]))

        // No secret anywhere in what was exported: every token the emulator ever issued (from its state file, written
        // when it stops), the code, the state, the app secret, the API key, the webhook secret and URL query.
        live.emulator.terminate()
        live.emulator.waitUntilExit()
        var secrets = Self.tokens(inStateFile: stateFile)
        #expect(secrets.count >= 3, "access tokens and refresh tokens from the emulator's state")
        secrets += [
            firstToken, secondToken, authCode, state, "tracing-secret", live.apiKey, webhookSecret, webhookQuerySecret,
            collectorKey,
        ]
        let payload = receiver.bodies.withLock { $0 }.map { String(decoding: $0, as: UTF8.self) }.joined(
            separator: "\n")
        #expect(!payload.isEmpty)
        for secret in Set(secrets) where secret.count >= 8 {
            #expect(!payload.contains(secret), "a secret (\(secret.prefix(4))…) is in the exported spans")
        }
        // No URL at all among the attribute values (so none with a query).
        for span in spans {
            for (key, value) in span.attributes {
                #expect(!value.contains("://") && !value.contains("?"), "\(span.name) \(key)=\(value)")
            }
        }
    }

    /// Every access and refresh token in the emulator's state file.
    static func tokens(inStateFile path: String) -> [String] {
        guard let data = FileManager.default.contents(atPath: path),
            let document = try? JSONSerialization.jsonObject(with: data)
        else { return [] }
        var found: [String] = []
        func walk(_ value: Any) {
            if let object = value as? [String: Any] {
                for (key, child) in object {
                    if ["token", "refreshToken", "previousRefreshToken"].contains(key), let text = child as? String {
                        found.append(text)
                    } else {
                        walk(child)
                    }
                }
            } else if let array = value as? [Any] {
                array.forEach(walk)
            }
        }
        walk(document)
        return found
    }
}
