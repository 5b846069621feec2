import Foundation
import Synchronization
import Testing
import TikTokBusiness
import TikTokTestSupport

/// A transport that answers from a script, to pin down decoding and retry rules without a server.
final class ScriptedTransport: TikTokTransport {
    let answers: Mutex<[Result<TikTokHTTPResponse, any Error>]>
    let sent = Mutex<[TikTokHTTPRequest]>([])

    init(_ answers: [Result<TikTokHTTPResponse, any Error>]) {
        self.answers = Mutex(answers)
    }

    func send(_ request: TikTokHTTPRequest, timeout: Duration) async throws -> TikTokHTTPResponse {
        sent.withLock { $0.append(request) }
        let next = answers.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        guard let next else { throw HarnessError("no scripted answer") }
        return try next.get()
    }

    static func json(_ text: String, status: Int = 200) -> Result<TikTokHTTPResponse, any Error> {
        .success(TikTokHTTPResponse(status: status, body: Data(text.utf8)))
    }
}

@Suite("Envelope decoding and retries, over a scripted transport")
struct TransportTests {
    func client(_ transport: ScriptedTransport, attempts: Int = 4) -> TikTokClient {
        TikTokClient(
            configuration: .init(
                appID: "a", secret: "s", apiBaseURL: "http://unused/open_api/v1.3/",
                retry: RetryPolicy(
                    maxAttempts: attempts, initialBackoff: .milliseconds(1), maximumBackoff: .milliseconds(2)),
                rateGovernor: nil),
            transport: transport)
    }

    @Test func unknownCodeIsPreservedNotFatal() async throws {
        let transport = ScriptedTransport([ScriptedTransport.json(#"{"code":41234,"message":"new","request_id":"r1"}"#)]
        )
        let error = await #expect(throws: TikTokError.self) {
            try await client(transport).request("GET", "/x/")
        }
        #expect(error?.category == .unknown)
        #expect(error?.code == 41234)
        #expect(error?.requestID == "r1")
    }

    @Test func nonJSONGatewayPageIsTransientAndRetried() async throws {
        let transport = ScriptedTransport([
            .success(TikTokHTTPResponse(status: 504, body: Data("<html>Gateway Timeout</html>".utf8))),
            ScriptedTransport.json(#"{"code":0,"message":"ok","request_id":"r2","data":{"x":1}}"#),
        ])
        let data = try await client(transport).request("GET", "/x/")
        #expect(data["x"]?.intValue == 1)
        #expect(transport.sent.withLock { $0.count } == 2)
    }

    @Test func authCodeExchangeIsNotResentAfterTransientFailure() async throws {
        let transport = ScriptedTransport([
            ScriptedTransport.json(#"{"code":50002,"message":"system error","request_id":"r"}"#),
            ScriptedTransport.json(#"{"code":0,"message":"OK","data":{"access_token":"t","advertiser_ids":[]}}"#),
        ])
        let error = await #expect(throws: TikTokError.self) {
            try await client(transport).exchangeAdvertiserAuthCode("code")
        }
        #expect(error?.category == .transient)
        #expect(transport.sent.withLock { $0.count } == 1)
    }

    @Test func authCodeExchangeIsRetriedWhenRateLimited() async throws {
        let transport = ScriptedTransport([
            ScriptedTransport.json(#"{"code":40100,"message":"App reaches the QPS limit.","request_id":"r"}"#),
            ScriptedTransport.json(
                #"{"code":0,"message":"OK","data":{"access_token":"t","advertiser_ids":[7301234567890123456],"scope":[4]}}"#
            ),
        ])
        let grant = try await client(transport).exchangeAdvertiserAuthCode("code")
        #expect(grant.advertiserIDs == ["7301234567890123456"])
        #expect(grant.scope == [4])
        #expect(!grant.description.contains("t,"))
    }

    @Test func retriesAreBoundedInCount() async throws {
        let transport = ScriptedTransport(
            Array(repeating: ScriptedTransport.json(#"{"code":50000,"message":"busy"}"#), count: 10))
        await #expect(throws: TikTokError.self) { try await client(transport, attempts: 3).request("GET", "/x/") }
        #expect(transport.sent.withLock { $0.count } == 3)
    }

    @Test func transportFailureIsTransient() async throws {
        let transport = ScriptedTransport([.failure(HarnessError("connection refused"))])
        let error = await #expect(throws: TikTokError.self) {
            try await client(transport, attempts: 1).request("GET", "/x/")
        }
        #expect(error?.category == .transient)
    }

    @Test func secretStaysOutOfErrorsAndPathsAreChecked() async throws {
        let transport = ScriptedTransport([
            ScriptedTransport.json(#"{"code":40105,"message":"Access token is incorrect or has been revoked."}"#)
        ])
        let error = await #expect(throws: TikTokError.self) {
            try await client(transport).authorizedAdvertisers(accessToken: "tok-123")
        }
        #expect(error?.category == .accessTokenInvalid)
        #expect(!"\(error!)".contains("tok-123"))
        #expect(!"\(error!)".contains("secret"))
        #expect(error?.endpoint == "/oauth2/advertiser/get/")
        let sent = transport.sent.withLock { $0[0] }
        #expect(sent.headers.contains { $0.name == "Access-Token" && $0.value == "tok-123" })
        await #expect(throws: TikTokError.self) { try await client(transport).request("GET", "../etc/passwd") }
        await #expect(throws: TikTokError.self) { try await client(transport).request("GET", "https://evil.example/") }
    }
}
