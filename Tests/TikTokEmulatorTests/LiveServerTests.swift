import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import TikTokEmulator

@Suite("Live server")
struct LiveServerTests {
    @Test("withRunningServer serves a full authorization over TCP and stops afterwards")
    func fullFlowOverTCP() async throws {
        let emulator = Fixture.emulator(.init(autoConsent: true))
        let port = try await emulator.withRunningServer { baseURL in
            #expect(baseURL.hasPrefix("http://127.0.0.1:"))
            let port = try #require(Int(baseURL.split(separator: ":").last ?? ""))
            try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                let consent = try await client.get(accountAuthURL(scope: "user.info.basic"))
                #expect(consent.status == .found)
                let location = try #require(consent.headers[.location])
                let query = try FormEncoding.decode(String(location.split(separator: "?").last ?? ""))
                let code = try #require(query["code"])

                let body: JSONValue = [
                    "client_id": .string(Fixture.appID), "client_secret": .string(Fixture.secret),
                    "grant_type": "authorization_code", "auth_code": .string(code),
                    "redirect_uri": .string(Fixture.accountRedirect),
                ]
                let exchange = try await client.post(
                    Fixture.api + "/tt_user/oauth2/token/",
                    headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: body.serialized)
                )
                #expect(exchange.status == .ok)
                let responseBody = try #require(exchange.body)
                let json = try #require(JSONValue.parse(responseBody.readableBytesView))
                #expect(json["code"] == 0)
                #expect(json["data"]?["access_token"]?.stringValue?.hasPrefix("act.") == true)
                #expect(exchange.headers[.ttLogID] == json["request_id"]?.stringValue)
            }
            return port
        }
        #expect(emulator.control.counters.accountExchanges == 1)
        // The server is gone once the body has returned.
        await #expect(throws: (any Error).self) {
            try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                _ = try await client.get("/_emulator/clock")
            }
        }
    }

    @Test("withRunningServer rethrows the body's error after shutting down")
    func bodyErrorPropagates() async throws {
        struct Expected: Error {}
        let emulator = Fixture.emulator()
        await #expect(throws: Expected.self) {
            try await emulator.withRunningServer { _ in throw Expected() }
        }
    }

    @Test("withRunningServer throws when the port is taken")
    func portTaken() async throws {
        let first = Fixture.emulator()
        try await first.withRunningServer { baseURL in
            let port = try #require(Int(baseURL.split(separator: ":").last ?? ""))
            await #expect(throws: (any Error).self) {
                try await Fixture.emulator().withRunningServer(port: port) { _ in }
            }
        }
    }

    @Test("the live test framework sees the same routes, with request ids unique per response")
    func liveFramework() async throws {
        let emulator = Fixture.emulator()
        let app = Application(router: emulator.makeRouter(), logger: Fixture.quietLogger)
        try await app.test(.live) { client in
            var ids = Set<String>()
            for _ in 0..<20 {
                let envelope = try await client.apiGet("/campaign/get/")
                #expect(envelope.code == 40104)
                #expect(envelope.requestID.count == 32)
                ids.insert(envelope.requestID)
            }
            #expect(ids.count == 20)
        }
    }
}
