import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import TikTokEmulator

@Suite("Faults, QPS limit, settings and counters")
struct FaultAndLimitTests {
    @Test("faults apply to the filtered paths only and can be cleared")
    func pathFilteredFaults() async throws {
        try await withEmulator { emulator, client in
            let tokens = try await client.accountTokens(emulator, user: "lee")
            let refreshToken = try #require(try tokens["refresh_token"].stringValue)
            let set = try await client.control(
                .post,
                "/faults",
                ["code_50002_rate": 1, "paths": ["/tt_user/oauth2/refresh_token/"]]
            )
            #expect(set.status == .ok)
            #expect(set.json["code_50002_rate"]?.doubleValue == 1)

            let faulted = try await client.refresh(refreshToken)
            #expect(faulted.code == 50002)
            let info = try await client.apiPost(
                "/tt_user/token_info/get/",
                ["app_id": .string(Fixture.appID), "access_token": tokens["access_token"]]
            )
            #expect(info.code == 0)
            #expect(emulator.control.counters.faultsInjected == 1)
            #expect(emulator.control.counters.refreshFailures == 0)

            #expect(try await client.control(.delete, "/faults").status == .ok)
            #expect(try await client.refresh(refreshToken).code == 0)
        }
    }

    @Test("HTTP 500 with an envelope, and a non-JSON 504 gateway page")
    func httpFaults() async throws {
        try await withEmulator { emulator, client in
            try emulator.control.setFaults(EmulatorFaults(http500Rate: 1))
            let serverError = try await client.apiGet("/campaign/get/")
            #expect(serverError.status == .internalServerError)
            #expect(serverError.code == 50000)

            try emulator.control.setFaults(EmulatorFaults(nonJSON504Rate: 1))
            try await client.execute(uri: Fixture.api + "/campaign/get/", method: .get) { response in
                #expect(response.status == .gatewayTimeout)
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                #expect(JSONValue.parse(response.body.readableBytesView) == nil)
            }
            // Faults never touch consent pages or the control API.
            #expect(try await client.page(advertiserAuthURL()).status == .ok)
            #expect(try await client.control(.get, "/clock").status == .ok)
            #expect(emulator.control.counters.faultsInjected == 2)
        }
    }

    @Test("seeded fault draws are reproducible")
    func reproducibleFaults() async throws {
        try await withEmulator { emulator, client in
            func draws() async throws -> [Int] {
                try emulator.control.setFaults(EmulatorFaults(code50000Rate: 0.3, code40100Rate: 0.3))
                var codes: [Int] = []
                for _ in 0..<30 {
                    codes.append(try await client.apiGet("/campaign/get/").code)
                }
                return codes
            }
            let first = try await draws()
            #expect(first.contains(50000))
            #expect(first.contains(40100))
            #expect(first.contains(40104))
            #expect(try await draws() == first)
            #expect(throws: EmulatorControlError.self) {
                try emulator.control.setFaults(EmulatorFaults(http500Rate: 2))
            }
            #expect(
                try await client.control(.post, "/faults", ["timeout_rate": 0.8, "http_500_rate": 0.8]).status
                    == .badRequest)
        }
    }

    @Test("simulated timeouts and latency delay the answer, which then succeeds")
    func timeoutAndLatency() async throws {
        try await withEmulator { emulator, client in
            let token = try await client.advertiserToken(emulator, user: "max")
            let query: [(String, String?)] = [("app_id", Fixture.appID), ("secret", Fixture.secret)]
            try emulator.control.setFaults(EmulatorFaults(latencyMilliseconds: 50, timeoutRate: 1, timeoutSeconds: 0.2))
            let clock = ContinuousClock()
            let start = clock.now
            let response = try await client.apiGet("/oauth2/advertiser/get/", query, token: token)
            #expect(clock.now - start >= .milliseconds(250))
            #expect(response.code == 0)
        }
    }

    @Test("a dropped connection closes the TCP connection without an answer, before the call is processed")
    func droppedConnection() async throws {
        let emulator = Fixture.emulator(.init(rotateRefreshTokens: true))
        let app = Application(router: emulator.makeRouter(), logger: Fixture.quietLogger)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let tokens = try await client.accountTokens(emulator, user: "quinn")
            let refreshToken = try #require(try tokens["refresh_token"].stringValue)
            let set = try await client.control(
                .post, "/faults", ["drop_connection_rate": 1, "paths": ["/tt_user/oauth2/refresh_token/"]])
            #expect(set.json["drop_connection_rate"]?.doubleValue == 1)

            // The client sees its connection closed before any response: a connection error, not an HTTP status.
            let body: JSONValue = [
                "client_id": .string(Fixture.appID), "client_secret": .string(Fixture.secret),
                "grant_type": "refresh_token", "refresh_token": .string(refreshToken),
            ]
            await #expect(throws: TestClient.Error.connectionClosing) {
                try await TestClient.withClient(host: "localhost", port: port) { dropped in
                    _ = try await dropped.post(
                        Fixture.api + "/tt_user/oauth2/refresh_token/",
                        headers: [.contentType: "application/json"],
                        body: ByteBuffer(string: body.serialized)
                    )
                }
            }
            let counters = emulator.control.counters
            #expect(counters.faultsByKind == ["drop_connection": 1])
            #expect(counters.faultsInjected == 1)
            #expect(counters.calls["/tt_user/oauth2/refresh_token/"] == 1)
            // Not processed: the refresh token was not rotated out, and works once the faults are gone.
            #expect(counters.refreshes == 0)
            #expect(try await client.control(.delete, "/faults").status == .ok)
            #expect(try await client.refresh(refreshToken).code == 0)
            #expect(emulator.control.counters.refreshes == 1)
        }
    }

    @Test("latency on a share of the calls, with jitter, counted apart from the faults")
    func latencyRate() async throws {
        try await withEmulator { emulator, client in
            let set = try await client.control(
                .post, "/faults",
                ["latency_ms": 1, "latency_rate": 0.25, "latency_jitter_ms": 2, "code_50002_rate": 0.5])
            #expect(set.status == .ok)
            #expect(set.json["latency_rate"]?.doubleValue == 0.25)
            #expect(set.json["latency_jitter_ms"] == 2)
            for _ in 0..<200 {
                _ = try await client.apiGet("/campaign/get/")
            }
            let counters = emulator.control.counters
            #expect((20...80).contains(counters.delayedCalls), "\(counters.delayedCalls) of 200 delayed")
            #expect((60...140).contains(counters.faultsInjected), "\(counters.faultsInjected) of 200 faulted")
            #expect(counters.faultsByKind == ["code_50002": counters.faultsInjected])
            // Calls that were not faulted were refused for their missing token, and counted by code.
            #expect(counters.errorCodes == [40104: 200 - counters.faultsInjected])

            // latency_ms alone still delays every call, as before latency_rate existed.
            try emulator.control.setFaults(EmulatorFaults(latencyMilliseconds: 1))
            emulator.control.resetCounters()
            for _ in 0..<10 {
                _ = try await client.apiGet("/campaign/get/")
            }
            #expect(emulator.control.counters.delayedCalls == 10)
            #expect(try await client.control(.post, "/faults", ["latency_rate": 1.5]).status == .badRequest)
            #expect(try await client.control(.post, "/faults", ["latency_jitter_ms": -1]).status == .badRequest)
            #expect(
                try await client.control(.post, "/faults", ["drop_connection_rate": 0.6, "http_500_rate": 0.6]).status
                    == .badRequest)
        }
    }

    @Test("the QPS limit answers 40100 and counts rate-limited calls")
    func qpsLimit() async throws {
        try await withEmulator(.init(qpsLimit: 3)) { emulator, client in
            let token = try await client.advertiserToken(emulator, user: "ned")
            let advertiserID = emulator.control.user(named: "ned").advertiserIDs[0]
            // Twelve calls at once; a busy machine may spread them over more than one of the limiter's one-second
            // windows, each of which lets three through.
            let clock = ContinuousClock()
            let start = clock.now
            let codes = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        try await client.apiGet("/campaign/get/", [("advertiser_id", advertiserID)], token: token).code
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let windows = Int((clock.now - start) / .seconds(1)) + 2
            let limited = codes.count { $0 == 40100 }
            let admitted = codes.count { $0 == 0 }
            #expect(admitted >= 1 && admitted <= 3 * windows, "\(codes)")  // the token exchange may have used one
            #expect(limited + admitted == 12)
            #expect(emulator.control.counters.rateLimited >= limited)

            let response = try await client.apiGet("/campaign/get/", [("advertiser_id", advertiserID)], token: token)
            if response.code == 40100 {
                #expect(response.message == "App reaches the QPS limit.")
            }
            let settings = try await client.control(.post, "/config", ["qps_limit": .null])
            #expect(settings.json["qps_limit"] == .null)
            #expect(
                try await client.apiGet("/campaign/get/", [("advertiser_id", advertiserID)], token: token).code == 0)
        }
    }

    @Test("run-time config changes token lifetimes and rejects bad values")
    func config() async throws {
        try await withEmulator { emulator, client in
            let updated = try await client.control(
                .post,
                "/config",
                ["access_token_lifetime": 60, "refresh_token_lifetime": 600, "rotate_refresh_tokens": true]
            )
            #expect(updated.status == .ok)
            #expect(updated.json["access_token_lifetime"] == 60)
            #expect(updated.json["rotate_refresh_tokens"] == true)
            let tokens = try await client.accountTokens(emulator, user: "olga")
            #expect(try tokens["expires_in"] == 60)
            #expect(try tokens["refresh_token_expires_in"] == 600)

            let rejected = try await client.control(.post, "/config", ["access_token_lifetime": 0])
            #expect(rejected.status == .badRequest)
            #expect(emulator.control.settings.accessTokenLifetime == 60)
            #expect(try await client.control(.post, "/config", raw: "nope").status == .badRequest)
        }
    }

    @Test("clock and counters over the control API")
    func clockAndCounters() async throws {
        try await withEmulator { emulator, client in
            let before = try #require(try await client.control(.get, "/clock").json["now"]?.intValue)
            let advanced = try await client.control(.post, "/clock/advance", ["seconds": 3_600])
            let after = try #require(advanced.json["now"]?.intValue)
            // Plus the real seconds between the two calls, which a loaded machine may make a few.
            #expect((3_600...3_630).contains(after - before))
            #expect(try await client.control(.post, "/clock/advance", ["seconds": -5]).status == .badRequest)

            let token = try await client.advertiserToken(emulator, user: "pat")
            let advertiserID = emulator.control.user(named: "pat").advertiserIDs[0]
            for _ in 0..<3 {
                _ = try await client.apiGet("/campaign/get", [("advertiser_id", advertiserID)], token: token)
            }
            _ = try await client.apiGet("/nothing/here/")
            let counters = try await client.control(.get, "/counters").json
            #expect(counters["calls"]?["/campaign/get/"] == 3)
            #expect(counters["calls"]?["/oauth2/access_token/"] == 1)
            #expect(counters["calls"]?["/nothing/here/"] == nil)
            #expect(counters["exchanges"]?["advertiser"] == 1)
            #expect(counters["exchanges"]?["account"] == 0)
            for key in [
                "refreshes", "refresh_failures", "refreshes_by_open_id", "revokes", "faults_injected", "rate_limited",
            ] {
                #expect(counters[key] != nil, "missing \(key)")
            }
            let reset = try await client.control(.post, "/counters/reset")
            #expect(reset.json["calls"] == [:])
            #expect(emulator.control.counters == EmulatorCounters())

            let user = try await client.control(.get, "/users/pat").json
            #expect(user["advertiser_ids"] == .strings(emulator.control.user(named: "pat").advertiserIDs))
        }
    }
}

extension TestClientProtocol {
    /// A control-API call with a raw body.
    fileprivate func control(
        _ method: HTTPRequest.Method,
        _ path: String,
        raw: String
    ) async throws -> (status: HTTPResponse.Status, json: JSONValue) {
        try await self.execute(uri: "/_emulator" + path, method: method, body: ByteBuffer(string: raw)) { response in
            (response.status, try #require(JSONValue.parse(response.body.readableBytesView)))
        }
    }
}
