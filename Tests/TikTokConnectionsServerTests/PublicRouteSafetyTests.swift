import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TikTokBusiness
import TikTokConnections
import TikTokEmulator

@testable import TikTokConnectionsServer

/// What a stranger can do to the public routes: rate limits with 429 and `Retry-After`, length caps on every value
/// that would be stored, and `/metrics` behind the API key and cheap to scrape.
@Suite("Public routes: rate limits, length caps, metrics")
struct PublicRouteSafetyTests {
    /// Every state stored (destructive: it deletes them to count them).
    static func countStates(_ manager: ConnectionManager) async throws -> Int {
        try await manager.store.deleteStates(expiredBefore: .distantFuture, limit: .max)
    }

    @Test func aHundredThousandConnectsFromOneClientStoreOnlyWhatTheLimitAllowsWhileASweepFinishes() async throws {
        // Tokens of 4 s are due 2 s after they are issued: a sweep of 100 refreshes runs during the flood.
        try await ServerHarness.run(
            emulator: .init(autoConsent: true, accessTokenLifetime: 4),
            configureServer: { $0.rateLimits = .init(connect: .init(perMinute: 60, burst: 10)) }
        ) { harness in
            let accounts = 100
            for index in 0..<accounts {
                _ = try await harness.connect(.tiktokAccount, user: "flood-\(index)")
            }
            // The links those connections used (consumed states) do not count.
            _ = try await Self.countStates(harness.manager)
            try await Task.sleep(for: .seconds(2.5))
            try await harness.application.test(.router) { client in
                let started = ContinuousClock.now
                async let sweep: (SweepReport, Duration) = {
                    let sweepStarted = ContinuousClock.now
                    let report = try await harness.manager.sweep(limit: 1_000, concurrency: 16)
                    return (report, ContinuousClock.now - sweepStarted)
                }()
                var found = 0
                var limited = 0
                var retryAfter: Set<String> = []
                for _ in 0..<100_000 {
                    let response = try await client.execute(uri: "/connect/advertiser", method: .get)
                    switch response.status {
                    case .found: found += 1
                    case .tooManyRequests:
                        limited += 1
                        if let value = response.headers[.retryAfter] { retryAfter.insert(value) }
                    default: Issue.record("unexpected status \(response.status)")
                    }
                }
                let elapsed = ContinuousClock.now - started
                let (report, sweepTook) = try await sweep
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
                // The burst, then one a second.
                let allowed = 10 + Int(seconds.rounded(.up)) + 1
                #expect(found >= 10 && found <= allowed, "\(found) stored in \(elapsed)")
                #expect(found + limited == 100_000)
                #expect(retryAfter.allSatisfy { Int($0).map { $0 >= 1 } == true })
                #expect(try await Self.countStates(harness.manager) == found)
                // The sweep was not held up by the flood: every due token refreshed, in a few seconds.
                #expect(report.refreshed == accounts, "\(report)")
                #expect(sweepTook < .seconds(20), "the sweep took \(sweepTook)")
                print(
                    "100,000 /connect from one client: \(found) stored, \(limited) refused in \(elapsed); sweep of \(report.refreshed) in \(sweepTook)"
                )
            }
        }
    }

    @Test func limitsApplyPerRouteAndTheRefusalIsAPageWithRetryAfter() async throws {
        try await ServerHarness.run(configureServer: {
            $0.rateLimits = .init(
                connect: .init(perMinute: 1, burst: 2), callback: .init(perMinute: 1, burst: 1),
                signIn: .init(perMinute: 1, burst: 1))
        }) { harness in
            try await harness.application.test(.router) { client in
                #expect(try await client.execute(uri: "/connect/advertiser", method: .get).status == .found)
                #expect(try await client.execute(uri: "/connect/advertiser", method: .get).status == .found)
                let refused = try await client.execute(uri: "/connect/tiktok_account", method: .get)
                #expect(refused.status == .tooManyRequests)
                // About a minute for the next token (less if the machine was slow to get here).
                #expect(refused.headers[.retryAfter].flatMap { Int($0) }.map { (45...60).contains($0) } == true)
                #expect(refused.headers[.contentType]?.hasPrefix("text/html") == true)
                #expect(String(buffer: refused.body).contains("Too many requests"))
                // Other route groups have their own buckets.
                #expect(
                    try await client.execute(uri: "/oauth/callback/advertiser?state=x&auth_code=y", method: .get).status
                        == .badRequest)
                #expect(
                    try await client.execute(uri: "/oauth/callback/advertiser?state=x&auth_code=y", method: .get).status
                        == .tooManyRequests)
                let form = HTTPFields([.init(name: .contentType, value: "application/x-www-form-urlencoded")])
                #expect(
                    try await client.execute(
                        uri: "/admin/sign-in", method: .post, headers: form, body: ByteBuffer(string: "api_key=x")
                    ).status != .tooManyRequests)
                #expect(
                    try await client.execute(
                        uri: "/admin/sign-in", method: .post, headers: form, body: ByteBuffer(string: "api_key=x")
                    ).status == .tooManyRequests)
                // The API is not limited this way (it needs the key).
                for _ in 0..<5 { #expect(try await client.api("/v1/connections").status == .ok) }
                let metrics = try await client.api("/metrics")
                #expect(metrics.text.contains(#"tiktok_business_rate_limited_total{route="connect"} 1"#))
                #expect(metrics.text.contains(#"tiktok_business_rate_limited_total{route="sign_in"} 1"#))
            }
        }
    }

    @Test func valuesLongerThanTheirCapsAreRefusedAndNothingIsStored() async throws {
        try await ServerHarness.run { harness in
            try await harness.application.test(.router) { client in
                let longRedirect = "https://app.example/" + String(repeating: "a", count: InputLimits.redirectAfter)
                let refused = try await client.execute(
                    uri: "/connect/advertiser?redirect_after=\(longRedirect)", method: .get)
                #expect(refused.status == .badRequest)
                #expect(refused.json["error"]?["code"]?.stringValue == "value_too_long")
                #expect(
                    try await client.execute(
                        uri: "/connect/advertiser?redirect_after=https://app.example/ok", method: .get
                    ).status == .found)

                // The API takes 256 characters of any script...
                let longUser = String(repeating: "ü", count: 257)
                let link = try await client.api(
                    "/v1/connect-links", method: .post, body: #"{"kind":"advertiser","end_user_id":"\#(longUser)"}"#)
                #expect(link.status == .badRequest)
                #expect(link.json["error"]?["message"]?.stringValue?.contains("end_user_id") == true)
                let okUser = String(repeating: "😀", count: 256)
                #expect(
                    try await client.api(
                        "/v1/connect-links", method: .post, body: #"{"kind":"advertiser","end_user_id":"\#(okUser)"}"#
                    ).status == .created)
                // ...and the vault, whatever calls it (the CLI, a Swift server), no more than 1 KiB.
                await #expect(throws: ConnectionError.self) {
                    try await harness.manager.authorizationLink(
                        for: .advertiser,
                        options: .init(endUserID: String(repeating: "u", count: InputLimits.endUserID + 1)))
                }

                let longCallback =
                    "/oauth/callback/advertiser?state=s&auth_code="
                    + String(repeating: "c", count: InputLimits.callbackQuery)
                let callback = try await client.execute(uri: longCallback, method: .get)
                #expect(callback.status == .badRequest)
                #expect(String(buffer: callback.body).contains("Not a valid authorization"))
            }
            // Only the two accepted requests stored a state.
            #expect(try await Self.countStates(harness.manager) == 2)
        }
    }

    @Test func metricsNeedTheKeyUnlessPublicAndCountAtMostOncePerInterval() async throws {
        try await ServerHarness.run(configureServer: { $0.metricsCountInterval = .seconds(4) }) { harness in
            try await harness.application.test(.router) { client in
                #expect(try await client.api("/metrics", key: nil).status == .unauthorized)
                let counted = ContinuousClock.now
                let first = try await client.api("/metrics")
                #expect(first.text.contains(#"tiktok_business_connections{kind="advertiser",status="active"} 0"#))
                // A new connection is not counted by scrapes within the interval (they read no table)...
                _ = try await harness.connect(.advertiser, user: "metrics")
                for _ in 0..<20 where ContinuousClock.now - counted < .seconds(3) {
                    let again = try await client.api("/metrics")
                    #expect(again.text.contains(#"tiktok_business_connections{kind="advertiser",status="active"} 0"#))
                }
                // ...and is once it has passed.
                try await Task.sleep(until: counted + .seconds(4))
                var counts = false
                while !counts, ContinuousClock.now - counted < .seconds(15) {
                    counts = try await client.api("/metrics").text.contains(
                        #"tiktok_business_connections{kind="advertiser",status="active"} 1"#)
                    if !counts { try await Task.sleep(for: .milliseconds(200)) }
                }
                #expect(counts, "the new connection was never counted")
            }
        }
        try await ServerHarness.run(configureServer: { $0.metricsPublic = true }) { harness in
            try await harness.application.test(.router) { client in
                let open = try await client.api("/metrics", key: nil)
                #expect(open.status == .ok)
            }
        }
    }
}
