import Foundation
import Testing
import TikTokBusiness
import TikTokEmulator

@Suite("SDK against the emulator on loopback")
struct LiveEmulatorTests {
    @Test func advertiserFlowThroughTheAuthorizationURL() async throws {
        try await EmulatorHarness.run { emulator in
            let client = emulator.client()
            let url = client.advertiserAuthorizationURL(
                state: "state-1", redirectURI: EmulatorHarness.advertiserRedirect)
            let redirect = try await emulator.fetchNoRedirect(url)
            #expect(redirect.status == 302)
            let callback = try AuthorizationCallback(url: try #require(redirect.location))
            #expect(callback.state == "state-1")
            guard case .authorized(let code, _) = callback.outcome else {
                Issue.record("not authorized: \(callback)")
                return
            }
            let grant = try await client.exchangeAdvertiserAuthCode(code)
            #expect(grant.advertiserIDs.count >= 1)
            #expect(!grant.scope.isEmpty)

            // The code is single use.
            let reuse = await #expect(throws: TikTokError.self) { try await client.exchangeAdvertiserAuthCode(code) }
            #expect(reuse?.category == .authCodeInvalid)

            let advertisers = try await client.authorizedAdvertisers(accessToken: grant.accessToken)
            #expect(Set(advertisers.map(\.advertiserID)) == Set(grant.advertiserIDs))

            let info = try await client.advertiserInfo(
                advertiserIDs: grant.advertiserIDs, fields: ["name", "currency"], accessToken: grant.accessToken)
            #expect(info.map(\.id).sorted() == grant.advertiserIDs.sorted())
            #expect(info.allSatisfy { $0.name != nil })

            let revoked = try await client.revokeAdvertiserToken(grant.accessToken)
            #expect(Set(revoked.advertiserIDs) == Set(grant.advertiserIDs))
            let after = await #expect(throws: TikTokError.self) {
                try await client.authorizedAdvertisers(accessToken: grant.accessToken)
            }
            #expect(after?.category == .accessTokenInvalid)
            #expect(after?.code == 40105)
        }
    }

    @Test func marketingListingsPaginate() async throws {
        try await EmulatorHarness.run { emulator in
            let client = emulator.client()
            let grant = try await client.exchangeAdvertiserAuthCode(
                try await emulator.grant(flow: "advertiser", user: "pager"))
            let advertiser = grant.advertiserIDs[0]
            var campaigns: [Campaign] = []
            for try await campaign in client.campaigns(
                advertiserID: advertiser, pageSize: 10, accessToken: grant.accessToken)
            {
                campaigns.append(campaign)
            }
            #expect(campaigns.count > 10)
            #expect(Set(campaigns.map(\.id)).count == campaigns.count)
            #expect(campaigns.allSatisfy { $0.advertiserID == advertiser && $0.createTime != nil })
            let calls = try await emulator.counters()["calls"]?["/campaign/get/"]?.intValue ?? 0
            #expect(calls == (campaigns.count + 9) / 10)

            let first = campaigns[0].id
            var groups: [AdGroup] = []
            for try await group in client.adGroups(
                advertiserID: advertiser, filtering: ["campaign_ids": .strings([first])], accessToken: grant.accessToken
            ) {
                groups.append(group)
            }
            #expect(!groups.isEmpty)
            #expect(groups.allSatisfy { $0.campaignID == first })

            var ads: [Ad] = []
            for try await ad in client.ads(advertiserID: advertiser, pageSize: 1000, accessToken: grant.accessToken) {
                ads.append(ad)
            }
            #expect(ads.count >= groups.count)

            let report = ReportQuery(
                advertiserID: advertiser, dimensions: ["campaign_id", "stat_time_day"],
                metrics: ["spend", "impressions", "clicks"], startDate: "2026-01-01", endDate: "2026-01-07",
                pageSize: 25)
            var rows: [ReportRow] = []
            for try await row in client.integratedReport(report, accessToken: grant.accessToken) { rows.append(row) }
            #expect(rows.count > 25)
            #expect(rows.allSatisfy { $0.metric("spend") != nil && $0.dimensions["campaign_id"] != nil })

            let tooLong = ReportQuery(
                advertiserID: advertiser, dimensions: ["stat_time_day"], metrics: ["spend"], startDate: "2026-01-01",
                endDate: "2026-03-01")
            let error = await #expect(throws: TikTokError.self) {
                for try await _ in client.integratedReport(tooLong, accessToken: grant.accessToken) {}
            }
            #expect(error?.category == .parameter)

            // Another user's advertiser: no permission.
            let other = try await client.exchangeAdvertiserAuthCode(
                try await emulator.grant(flow: "advertiser", user: "someone-else"))
            let denied = await #expect(throws: TikTokError.self) {
                for try await _ in client.campaigns(
                    advertiserID: other.advertiserIDs[0], accessToken: grant.accessToken)
                {}
            }
            #expect(denied?.category == .permission)
        }
    }

    @Test func accountFlowRefreshAndBusinessEndpoints() async throws {
        try await EmulatorHarness.run { emulator in
            let client = emulator.client()
            let url = client.accountAuthorizationURL(
                state: "s-acc", redirectURI: EmulatorHarness.accountRedirect,
                scopes: ["user.info.basic", "video.list"])
            let redirect = try await emulator.fetchNoRedirect(url)
            let callback = try AuthorizationCallback(url: try #require(redirect.location))
            guard case .authorized(let code, let scopes) = callback.outcome else {
                Issue.record("not authorized")
                return
            }
            #expect(scopes == ["user.info.basic", "video.list"])
            let grant = try await client.exchangeAccountAuthCode(code, redirectURI: EmulatorHarness.accountRedirect)
            #expect(grant.expiresIn == 86_400)
            #expect(grant.refreshTokenExpiresIn == 31_536_000)
            #expect(abs(grant.accessTokenExpiresAt.timeIntervalSinceNow - 86_400) < 60)
            #expect(!grant.description.contains(grant.accessToken))
            #expect(!grant.description.contains(grant.refreshToken))

            let info = try await client.accountTokenInfo(accessToken: grant.accessToken)
            #expect(info.openID == grant.openID)

            let account = try await client.businessAccount(
                businessID: grant.openID, fields: ["display_name", "followers_count"], startDate: "2026-01-01",
                endDate: "2026-01-05", accessToken: grant.accessToken)
            #expect(account.displayName != nil)
            #expect(account.metrics.count == 5)

            var videos: [BusinessVideo] = []
            for try await video in client.businessVideos(
                businessID: grant.openID, maxCount: 20, accessToken: grant.accessToken)
            {
                videos.append(video)
            }
            #expect(videos.count > 20)
            #expect(Set(videos.map(\.itemID)).count == videos.count)

            var comments: [BusinessComment] = []
            for try await comment in client.businessComments(
                businessID: grant.openID, videoID: videos[0].itemID, accessToken: grant.accessToken)
            {
                comments.append(comment)
            }
            #expect(comments.allSatisfy { $0.videoID == videos[0].itemID })
            let missing = await #expect(throws: TikTokError.self) {
                for try await _ in client.businessComments(
                    businessID: grant.openID, videoID: "404", accessToken: grant.accessToken)
                {}
            }
            #expect(missing?.category == .notFound)

            // An hour later (emulator clock) a refresh keeps the refresh deadline anchored to the grant.
            try await emulator.control("POST", "clock/advance", ["seconds": 3600])
            let refreshed = try await client.refreshAccountToken(grant.refreshToken)
            #expect(refreshed.openID == grant.openID)
            #expect(refreshed.accessToken != grant.accessToken)
            // Anchored: an hour less, give or take the real seconds this test took so far (a busy machine).
            #expect(refreshed.refreshTokenExpiresIn <= 31_536_000 - 3600)
            #expect(refreshed.refreshTokenExpiresIn >= 31_536_000 - 3600 - 60)

            // After expiry the access token answers 40102.
            try await emulator.control("POST", "clock/advance", ["seconds": 90_000])
            let expired = await #expect(throws: TikTokError.self) {
                try await client.businessAccount(businessID: grant.openID, accessToken: refreshed.accessToken)
            }
            #expect(expired?.code == 40102)
            #expect(expired?.category == .accessTokenInvalid)

            // Revocation kills the grant: the refresh token too.
            let again = try await client.refreshAccountToken(grant.refreshToken)
            try await client.revokeAccountToken(again.accessToken)
            let dead = await #expect(throws: TikTokError.self) {
                try await client.refreshAccountToken(grant.refreshToken)
            }
            #expect(dead?.category == .authCodeInvalid)
        }
    }

    @Test func refreshTokenRotationInvalidatesTheOldOne() async throws {
        var configuration = EmulatorHarness.configuration()
        configuration.rotateRefreshTokens = true
        try await EmulatorHarness.run(configuration) { emulator in
            let client = emulator.client()
            let grant = try await client.exchangeAccountAuthCode(
                try await emulator.grant(flow: "account", user: "rotor"), redirectURI: EmulatorHarness.accountRedirect)
            let refreshed = try await client.refreshAccountToken(grant.refreshToken)
            #expect(refreshed.refreshToken != grant.refreshToken)
            await #expect(throws: TikTokError.self) { try await client.refreshAccountToken(grant.refreshToken) }
            _ = try await client.refreshAccountToken(refreshed.refreshToken)
        }
    }

    @Test func creatorMarketplaceEndpoints() async throws {
        try await EmulatorHarness.run { emulator in
            let client = emulator.client()
            let grant = try await client.exchangeAdvertiserAuthCode(
                try await emulator.grant(flow: "advertiser", user: "ttcm"))
            let ids = try await client.tcmAccountIDs(accessToken: grant.accessToken)
            #expect(!ids.isEmpty)
            let info = try await client.tcmAccountInfo(id: ids[0], accessToken: grant.accessToken)
            #expect(info.id == ids[0])
            #expect(info.accountName != nil)
        }
    }

    @Test func errorCategoriesFromTheEmulator() async throws {
        try await EmulatorHarness.run { emulator in
            let client = emulator.client(retry: .none)
            let badSecret = await #expect(throws: TikTokError.self) {
                try await emulator.client(secret: "wrong").exchangeAdvertiserAuthCode("x")
            }
            #expect(badSecret?.category == .appCredentials)
            let badCode = await #expect(throws: TikTokError.self) {
                try await client.exchangeAdvertiserAuthCode("nope")
            }
            #expect(badCode?.category == .authCodeInvalid)
            let empty = await #expect(throws: TikTokError.self) {
                try await client.request("GET", "/advertiser/info/", query: ["advertiser_ids": .strings(["1"])])
            }
            #expect(empty?.code == 40104)
            #expect(empty?.category == .accessTokenInvalid)
            let wrong = await #expect(throws: TikTokError.self) {
                try await client.authorizedAdvertisers(accessToken: "not-a-token")
            }
            #expect(wrong?.code == 40105)
            let grant = try await client.exchangeAdvertiserAuthCode(
                try await emulator.grant(flow: "advertiser", user: "p"))
            let parameter = await #expect(throws: TikTokError.self) {
                try await client.request(
                    "GET", "/campaign/get/", query: ["advertiser_id": .string(grant.advertiserIDs[0]), "page": 0],
                    accessToken: grant.accessToken)
            }
            #expect(parameter?.category == .parameter)
            #expect(parameter?.requestID != nil)

            try await emulator.control("POST", "faults", ["code_40100_rate": 1.0])
            let limited = await #expect(throws: TikTokError.self) {
                try await client.authorizedAdvertisers(accessToken: grant.accessToken)
            }
            #expect(limited?.category == .rateLimited)
            try await emulator.control("POST", "faults", ["non_json_504_rate": 1.0])
            let gateway = await #expect(throws: TikTokError.self) {
                try await client.authorizedAdvertisers(accessToken: grant.accessToken)
            }
            #expect(gateway?.category == .transient)
            #expect(gateway?.httpStatus == 504)
            try await emulator.control("POST", "faults", ["timeout_rate": 1.0, "timeout_seconds": 3])
            let timeout = await #expect(throws: TikTokError.self) {
                try await emulator.client(retry: .none, timeout: .milliseconds(300)).authorizedAdvertisers(
                    accessToken: grant.accessToken)
            }
            #expect(timeout?.category == .transient)
            try await emulator.control("POST", "faults", ["drop_connection_rate": 1.0])
            let dropped = await #expect(throws: TikTokError.self) {
                try await emulator.client(retry: .none).authorizedAdvertisers(accessToken: grant.accessToken)
            }
            // The connection closed before any answer: a transport failure, not an HTTP status.
            #expect(dropped?.category == .transient)
            #expect(dropped?.httpStatus == nil)
            try await emulator.control("DELETE", "faults")
        }
    }

    @Test func retriesRideOutInjectedFaults() async throws {
        try await EmulatorHarness.run { emulator in
            let client = emulator.client(
                retry: RetryPolicy(maxAttempts: 8, initialBackoff: .milliseconds(2), maximumBackoff: .milliseconds(20)))
            let grant = try await client.exchangeAdvertiserAuthCode(
                try await emulator.grant(flow: "advertiser", user: "faulty"))
            try await emulator.control(
                "POST", "faults",
                ["http_500_rate": 0.1, "non_json_504_rate": 0.1, "code_50002_rate": 0.1, "code_40100_rate": 0.1])
            for _ in 0..<40 {
                let advertisers = try await client.authorizedAdvertisers(accessToken: grant.accessToken)
                #expect(advertisers.count == grant.advertiserIDs.count)
            }
            let counters = try await emulator.counters()
            #expect((counters["faults_injected"]?.intValue ?? 0) > 0)
        }
    }

    @Test func governorHoldsTheAppRate() async throws {
        try await EmulatorHarness.run { emulator in
            let governor = RateGovernor(requestsPerSecond: 20, burst: 5)
            let client = emulator.client(governor: governor)
            let grant = try await client.exchangeAdvertiserAuthCode(
                try await emulator.grant(flow: "advertiser", user: "gov"))
            try await emulator.control("POST", "config", ["qps_limit": 25])
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<45 {
                    group.addTask { _ = try await client.authorizedAdvertisers(accessToken: grant.accessToken) }
                }
                try await group.waitForAll()
            }
            let elapsed = ContinuousClock.now - started
            // 1 exchange + 45 calls at 20/s with a burst of 5: at least (46 - 5) / 20 s.
            #expect(elapsed >= .milliseconds(1_950))
            #expect((try await emulator.counters()["rate_limited"]?.intValue ?? 0) == 0)
        }
    }

    @Test func emulatorQPSLimitAnswers40100() async throws {
        try await EmulatorHarness.run { emulator in
            let client = emulator.client(retry: .none)
            let grant = try await client.exchangeAdvertiserAuthCode(
                try await emulator.grant(flow: "advertiser", user: "qps"))
            try await emulator.control("POST", "config", ["qps_limit": 3])
            // Ten calls at once: more than 3 in a second however slow a loaded machine makes each call.
            let limited = await withTaskGroup(of: Int.self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        do {
                            _ = try await client.authorizedAdvertisers(accessToken: grant.accessToken)
                            return 0
                        } catch let error as TikTokError {
                            return error.category == .rateLimited ? 1 : 0
                        } catch {
                            return 0
                        }
                    }
                }
                return await group.reduce(0, +)
            }
            #expect(limited > 0)
        }
    }
}
