import Foundation
import HTTPTypes
import HummingbirdTesting
import Synchronization
import Testing
import TikTokBusiness
import TikTokConnections
import TikTokEmulator
import TikTokTestSupport

/// The proxy refreshes only when the refused token is the current one, once for any number of concurrent refusals,
/// and never because a caller made TikTok refuse a fresh token.
@Suite("Proxy: refusals and refreshes")
struct ProxyRefreshTests {
    @Test func fiftyConcurrentCallsOnATokenTikTokCallsExpiredMakeOneRefresh() async throws {
        try await ServerHarness.run(configure: { $0.refusalRefreshInterval = 0 }) { harness in
            let connection = try await harness.connect(.tiktokAccount, user: "busy")
            let openID = try #require(connection.openID)
            try await harness.application.test(.router) { client in
                // Warm the vault's token cache, then let the token expire at TikTok only.
                #expect(try await client.api("/v1/connections/\(connection.id)/access-token").status == .ok)
                try harness.emulator.control.advanceClock(bySeconds: 86_401)
                let codes = try await withThrowingTaskGroup(of: Int?.self) { group in
                    for _ in 0..<50 {
                        group.addTask {
                            try await client.api("/v1/proxy/\(connection.id)/business/get/?business_id=\(openID)")
                                .json["code"]?.intValue
                        }
                    }
                    return try await group.reduce(into: [Int?]()) { $0.append($1) }
                }
                #expect(codes.allSatisfy { $0 == 0 }, "\(codes)")
                #expect(harness.emulator.control.counters.refreshes == 1)
            }
        }
    }

    @Test func aRefusalOfAFreshTokenForcesNoRefresh() async throws {
        try await ServerHarness.run { harness in
            let connection = try await harness.connect(.creator, user: "bait")
            let openID = try #require(connection.openID)
            // An endpoint that answers 40105 whatever we send (say, about a token in the request body).
            harness.transport.set { request in
                request.url.contains("/business/get/")
                    ? OverridingTransport.envelope(code: 40105, message: "Access token is incorrect", requestID: "r-1")
                    : nil
            }
            try await harness.application.test(.router) { client in
                for _ in 0..<5 {
                    let answer = try await client.api("/v1/proxy/\(connection.id)/business/get/?business_id=\(openID)")
                    #expect(answer.json["code"]?.intValue == 40105)
                }
            }
            #expect(harness.emulator.control.counters.refreshes == 0)
            #expect(try await harness.manager.connection(id: connection.id).status == .active)
        }
    }

    @Test func aStaleTokenIsNotRefreshedAgain() async throws {
        try await ServerHarness.run(configure: { $0.refusalRefreshInterval = 0 }) { harness in
            let connection = try await harness.connect(.tiktokAccount, user: "late")
            let stale = try await harness.manager.accessToken(for: connection.id)
            _ = try await harness.manager.refresh(id: connection.id)
            let current = try await harness.manager.accessToken(for: connection.id)
            #expect(current != stale)
            // A refusal of the old token hands out the current one without another refresh.
            #expect(try await harness.manager.accessToken(for: connection.id, afterRefusalOf: stale) == current)
            #expect(harness.emulator.control.counters.refreshes == 1)
            // A never-expiring kind has nothing better to offer.
            let advertiser = try await harness.connect(.advertiser, user: "adv")
            let token = try await harness.manager.accessToken(for: advertiser.id)
            #expect(try await harness.manager.accessToken(for: advertiser.id, afterRefusalOf: token) == nil)
        }
    }
}

/// The query string reaches TikTok byte for byte as the caller sent it.
@Suite("Proxy: exact query strings")
struct ProxyQueryTests {
    @Test func rawBracketsAndQuotesReachTikTokAsSent() async throws {
        try await ServerHarness.run { harness in
            let connection = try await harness.connect(.advertiser, user: "brackets")
            let advertiser = try #require(connection.advertiserIDs.first)
            let seen = SeenQueries()
            harness.transport.set { request in
                seen.record(request.url)
                return nil
            }
            try await harness.application.test(.router) { client in
                for query in [
                    "advertiser_ids=[%22\(advertiser)%22]",  // TikTok's own documented curl form
                    "advertiser_ids=%5B%22\(advertiser)%22%5D",
                    "advertiser_ids=[\"\(advertiser)\"]&fields=[\"name\",\"status\"]",
                ] {
                    let answer = try await client.api("/v1/proxy/\(connection.id)/advertiser/info/?\(query)")
                    #expect(answer.json["code"]?.intValue == 0, "\(query): \(answer.text)")
                    #expect(
                        seen.last?.hasSuffix("/advertiser/info/?" + query) == true,
                        "\(query) became \(seen.last ?? "-")")
                }
            }
        }
    }
}

final class SeenQueries: Sendable {
    private let urls = Mutex<[String]>([])
    func record(_ url: String) { urls.withLock { $0.append(url) } }
    var last: String? { urls.withLock { $0.last } }
}

/// Past the app's QPS budget the proxy answers 429 with `Retry-After` after a bounded wait, sending nothing to
/// TikTok, instead of queueing without end.
@Suite("Proxy: the app's QPS budget")
struct ProxyBudgetTests {
    @Test func aCallTheBudgetCannotTakeInTimeIsAnswered429WithRetryAfter() async throws {
        let governor = RateGovernor(requestsPerSecond: 100, burst: 1, maximumWait: .milliseconds(300))
        try await ServerHarness.run(rateGovernor: governor) { harness in
            let connection = try await harness.connect(.tiktokAccount, user: "budget")
            let openID = try #require(connection.openID)
            try await harness.application.test(.router) { client in
                let path = "/v1/proxy/\(connection.id)/business/get/?business_id=\(openID)"
                #expect(try await client.api(path).json["code"]?.intValue == 0)
                let before = harness.emulator.control.counters.calls["/business/get/"] ?? 0
                // The budget is spent (another instance took it all, say): the call is refused, TikTok never sees it.
                governor.setRate(0)
                let refused = try await client.api(path)
                #expect(refused.status == .tooManyRequests)
                #expect(refused.headers[.retryAfter].flatMap(Int.init).map { $0 >= 1 } == true)
                #expect(refused.json["error"]?["code"]?.stringValue == "qps_budget_exhausted")
                #expect(harness.emulator.control.counters.calls["/business/get/"] ?? 0 == before)
                // A slow budget: the call waits its turn (well within the bound) and goes through.
                governor.setRate(5)
                #expect(try await client.api(path).json["code"]?.intValue == 0)
            }
        }
    }
}
