import HTTPTypes
import HummingbirdTesting
import Testing

@testable import TikTokEmulator

@Suite("Data endpoints")
struct DataEndpointTests {
    @Test("authentication errors: 40104, 40105, unknown path 404")
    func authenticationErrors() async throws {
        try await withEmulator { emulator, client in
            let advertiserID = emulator.control.user(named: "alice").advertiserIDs[0]
            let query: [(String, String?)] = [("advertiser_id", advertiserID)]
            #expect(try await client.apiGet("/campaign/get/", query).code == 40104)
            #expect(try await client.apiGet("/campaign/get/", query, token: "bogus").code == 40105)

            let notFound = try await client.apiGet("/no/such/endpoint/", token: "bogus")
            #expect(notFound.status == .notFound)
            #expect(notFound.code == 40002)
            #expect(notFound.message == "Invalid path")
            #expect(try await client.apiPost("/campaign/get/", [:]).status == .notFound)
        }
    }

    @Test("advertiser/info: ids, fields, permissions and parameter errors")
    func advertiserInfo() async throws {
        try await withEmulator { emulator, client in
            let token = try await client.advertiserToken(emulator, user: "alice")
            let ids = emulator.control.user(named: "alice").advertiserIDs
            let info = try await client.apiGet(
                "/advertiser/info/",
                [
                    ("advertiser_ids", JSONValue.strings(ids).serialized),
                    ("fields", #"["name","currency","timezone"]"#),
                ],
                token: token
            )
            #expect(info.code == 0)
            let list = try #require(try info["list"].arrayValue)
            #expect(list.count == 2)
            #expect(list[0].objectValue?.map(\.0) == ["name", "currency", "timezone"])

            let full = try await client.apiGet(
                "/advertiser/info/",
                [("advertiser_ids", JSONValue.strings([ids[1]]).serialized)],
                token: token
            )
            let advertiser = try #require(try full["list"].arrayValue?.first)
            #expect(advertiser["advertiser_id"]?.stringValue == ids[1])
            for field in ["name", "currency", "timezone", "status", "company", "country", "create_time"] {
                #expect(advertiser[field] != nil, "missing \(field)")
            }

            let foreign = emulator.control.user(named: "mallory").advertiserIDs[0]
            let denied = try await client.apiGet(
                "/advertiser/info/",
                [("advertiser_ids", JSONValue.strings([ids[0], foreign]).serialized)],
                token: token
            )
            #expect(denied.code == 40001)
            #expect(try await client.apiGet("/advertiser/info/", [], token: token).code == 40002)
            let malformed = try await client.apiGet("/advertiser/info/", [("advertiser_ids", "[\"1\"")], token: token)
            #expect(malformed.code == 40002)
            #expect(malformed.message.contains("advertiser_ids"))
            let tooMany = JSONValue.strings((0..<101).map { _ in ids[0] }).serialized
            #expect(
                try await client.apiGet("/advertiser/info/", [("advertiser_ids", tooMany)], token: token).code == 40002)
        }
    }

    @Test("campaign/get pages through every campaign; filtering and page errors")
    func campaignPagination() async throws {
        try await withEmulator { emulator, client in
            let token = try await client.advertiserToken(emulator, user: "alice")
            let advertiserID = emulator.control.user(named: "alice").advertiserIDs[0]
            var page = 1
            var ids: [String] = []
            var totalNumber = 0
            repeat {
                let response = try await client.apiGet(
                    "/campaign/get/",
                    [("advertiser_id", advertiserID), ("page", String(page)), ("page_size", "10")],
                    token: token
                )
                #expect(response.code == 0)
                let info = try response["page_info"]
                totalNumber = try #require(info["total_number"]?.intValue)
                #expect(info["total_page"]?.intValue == (totalNumber + 9) / 10)
                #expect(info["page"]?.intValue == page)
                for campaign in try #require(try response["list"].arrayValue) {
                    ids.append(try #require(campaign["campaign_id"]?.stringValue))
                    #expect(campaign["advertiser_id"]?.stringValue == advertiserID)
                    #expect(campaign["budget"]?.doubleValue != nil)
                    #expect(campaign["create_time"]?.stringValue?.count == 19)
                    for field in [
                        "campaign_name", "budget_mode", "objective_type", "secondary_status", "operation_status",
                    ] {
                        #expect(campaign[field]?.stringValue != nil, "missing \(field)")
                    }
                }
                page += 1
            } while page <= (totalNumber + 9) / 10
            #expect((32...42).contains(totalNumber))
            #expect(ids.count == totalNumber)
            #expect(Set(ids).count == totalNumber)

            let filtered = try await client.apiGet(
                "/campaign/get/",
                [
                    ("advertiser_id", advertiserID),
                    ("filtering", #"{"campaign_ids":["\#(ids[3])","\#(ids[7])","123"]}"#),
                ],
                token: token
            )
            #expect(try filtered["list"].arrayValue?.compactMap { $0["campaign_id"]?.stringValue } == [ids[3], ids[7]])
            #expect(try filtered["page_info"]["total_number"] == 2)

            for bad: [(String, String?)] in [
                [("page", "0")], [("page_size", "1001")], [("page_size", "ten")], [("filtering", "{oops")],
                [("filtering", #"{"campaign_ids":"1"}"#)],
            ] {
                let response = try await client.apiGet(
                    "/campaign/get/", [("advertiser_id", advertiserID)] + bad, token: token)
                #expect(response.code == 40002, "\(bad)")
            }
            #expect(try await client.apiGet("/campaign/get/", [], token: token).code == 40002)
            let foreign = emulator.control.user(named: "mallory").advertiserIDs[0]
            #expect(try await client.apiGet("/campaign/get/", [("advertiser_id", foreign)], token: token).code == 40001)
        }
    }

    @Test("adgroup/get and ad/get honour campaign and ad group filters")
    func adGroupsAndAds() async throws {
        try await withEmulator { emulator, client in
            let token = try await client.advertiserToken(emulator, user: "alice")
            let advertiserID = emulator.control.user(named: "alice").advertiserIDs[1]
            let all = try await client.apiGet(
                "/adgroup/get/",
                [("advertiser_id", advertiserID), ("page_size", "1000")],
                token: token
            )
            let adGroups = try #require(try all["list"].arrayValue)
            #expect(try all["page_info"]["total_number"]?.intValue == adGroups.count)
            let campaignID = try #require(adGroups[0]["campaign_id"]?.stringValue)
            let inCampaign = try await client.apiGet(
                "/adgroup/get/",
                [("advertiser_id", advertiserID), ("filtering", #"{"campaign_ids":["\#(campaignID)"]}"#)],
                token: token
            )
            let campaignGroups = try #require(try inCampaign["list"].arrayValue)
            #expect((1...3).contains(campaignGroups.count))
            #expect(campaignGroups.allSatisfy { $0["campaign_id"]?.stringValue == campaignID })

            let adGroupID = try #require(campaignGroups[0]["adgroup_id"]?.stringValue)
            let ads = try await client.apiGet(
                "/ad/get/",
                [
                    ("advertiser_id", advertiserID), ("filtering", #"{"adgroup_ids":["\#(adGroupID)"]}"#),
                    ("fields", #"["ad_id","adgroup_id","ad_name"]"#),
                ],
                token: token
            )
            let adList = try #require(try ads["list"].arrayValue)
            #expect((1...3).contains(adList.count))
            #expect(adList.allSatisfy { $0["adgroup_id"]?.stringValue == adGroupID && $0.objectValue?.count == 3 })
        }
    }

    @Test("integrated report: daily rows, levels add up, hours add up, range limits")
    func report() async throws {
        try await withEmulator { emulator, client in
            let token = try await client.advertiserToken(emulator, user: "alice")
            let advertiserID = emulator.control.user(named: "alice").advertiserIDs[0]
            func report(_ extra: [(String, String?)]) async throws -> Envelope {
                try await client.apiGet(
                    "/report/integrated/get/",
                    [("advertiser_id", advertiserID), ("report_type", "BASIC"), ("page_size", "1000")] + extra,
                    token: token
                )
            }
            let byCampaign = try await report([
                ("data_level", "AUCTION_CAMPAIGN"), ("dimensions", #"["campaign_id","stat_time_day"]"#),
                ("metrics", #"["spend","impressions","clicks","ctr","campaign_name"]"#),
                ("start_date", "2024-03-01"), ("end_date", "2024-03-07"),
            ])
            #expect(byCampaign.code == 0, "\(byCampaign.message)")
            let rows = try #require(try byCampaign["list"].arrayValue)
            let campaigns = try #require(try byCampaign["page_info"]["total_number"]?.intValue)
            #expect(rows.count == campaigns)
            #expect(campaigns % 7 == 0)
            let first = rows[0]
            #expect(first["dimensions"]?["stat_time_day"] == "2024-03-01 00:00:00")
            let spend = try #require(first["metrics"]?["spend"]?.stringValue)
            #expect(spend.split(separator: ".").last?.count == 2)
            #expect(first["metrics"]?["impressions"]?.stringValue.flatMap(Int.init) != nil)

            // Deterministic, and the advertiser level is the sum of its campaigns.
            let again = try await report([
                ("data_level", "AUCTION_CAMPAIGN"), ("dimensions", #"["campaign_id","stat_time_day"]"#),
                ("metrics", #"["spend","impressions","clicks","ctr","campaign_name"]"#),
                ("start_date", "2024-03-01"), ("end_date", "2024-03-07"),
            ])
            #expect(try again["list"] == byCampaign["list"])
            let campaignImpressions = rows.filter { $0["dimensions"]?["stat_time_day"] == "2024-03-02 00:00:00" }
                .compactMap { $0["metrics"]?["impressions"]?.stringValue.flatMap(Int.init) }.reduce(0, +)
            let byAdvertiser = try await report([
                ("data_level", "AUCTION_ADVERTISER"), ("dimensions", #"["stat_time_day"]"#),
                ("metrics", #"["impressions"]"#), ("start_date", "2024-03-02"), ("end_date", "2024-03-02"),
            ])
            let advertiserImpressions = try byAdvertiser["list"].arrayValue?.first?["metrics"]?["impressions"]
            #expect(advertiserImpressions == .string(String(campaignImpressions)))

            let hourly = try await report([
                ("data_level", "AUCTION_ADVERTISER"), ("dimensions", #"["advertiser_id","stat_time_hour"]"#),
                ("metrics", #"["impressions"]"#), ("start_date", "2024-03-02"), ("end_date", "2024-03-02"),
            ])
            let hours = try #require(try hourly["list"].arrayValue)
            #expect(hours.count == 24)
            #expect(hours[13]["dimensions"]?["stat_time_hour"] == "2024-03-02 13:00:00")
            let hourSum = hours.compactMap { $0["metrics"]?["impressions"]?.stringValue.flatMap(Int.init) }.reduce(0, +)
            #expect(String(hourSum) == advertiserImpressions?.stringValue)

            let paged = try await client.apiGet(
                "/report/integrated/get/",
                [
                    ("advertiser_id", advertiserID), ("report_type", "BASIC"), ("data_level", "AUCTION_AD"),
                    ("dimensions", #"["ad_id"]"#), ("start_date", "2024-03-01"), ("end_date", "2024-03-31"),
                    ("page", "2"), ("page_size", "5"),
                ],
                token: token
            )
            #expect(try paged["list"].arrayValue?.count == 5)
            #expect(try paged["page_info"]["page"] == 2)

            let tooLong = try await report([
                ("data_level", "AUCTION_CAMPAIGN"), ("dimensions", #"["campaign_id","stat_time_day"]"#),
                ("start_date", "2024-03-01"), ("end_date", "2024-03-31"),
            ])
            #expect(tooLong.code == 40002)
            for bad: [(String, String?)] in [
                [("data_level", "AUCTION_X"), ("dimensions", #"["stat_time_day"]"#)],
                [("data_level", "AUCTION_CAMPAIGN"), ("dimensions", #"["ad_id"]"#)],
                [("data_level", "AUCTION_CAMPAIGN"), ("dimensions", #"["campaign_id"]"#), ("metrics", #"["bogus"]"#)],
                [("data_level", "AUCTION_CAMPAIGN"), ("dimensions", "campaign_id")],
                [("data_level", "AUCTION_CAMPAIGN"), ("dimensions", #"["campaign_id","stat_time_hour"]"#)],
            ] {
                let dates: [(String, String?)] = [("start_date", "2024-03-01"), ("end_date", "2024-03-02")]
                #expect(try await report(bad + dates).code == 40002, "\(bad)")
            }
        }
    }

    @Test("business/get, video list with cursors, comment list; 40001 and 40007")
    func business() async throws {
        try await withEmulator { emulator, client in
            let user = emulator.control.user(named: "ivy")
            let tokens = try await client.accountTokens(emulator, user: "ivy")
            let token = try #require(try tokens["access_token"].stringValue)

            let account = try await client.apiGet(
                "/business/get/",
                [
                    ("business_id", user.openID), ("start_date", "2024-05-01"), ("end_date", "2024-05-10"),
                    ("fields", #"["display_name","followers_count","videos_count"]"#),
                ],
                token: token
            )
            #expect(account.code == 0)
            #expect(try account["display_name"].stringValue == user.displayName)
            let metrics = try #require(try account["metrics"].arrayValue)
            #expect(metrics.count == 10)
            #expect(metrics[0]["date"] == "2024-05-01")
            for field in ["video_views", "likes", "comments", "shares", "followers_count"] {
                #expect(metrics[0][field]?.intValue != nil, "missing \(field)")
            }
            let videosCount = try #require(try account["videos_count"].intValue)

            var cursor = 0
            var videoIDs: [String] = []
            var shortPageWithMore = false
            while true {
                let page = try await client.apiGet(
                    "/business/video/list/",
                    [("business_id", user.openID), ("cursor", String(cursor)), ("max_count", "5")],
                    token: token
                )
                #expect(page.code == 0)
                let videos = try #require(try page["videos"].arrayValue)
                videoIDs += videos.compactMap { $0["item_id"]?.stringValue }
                let hasMore = try page["has_more"] == true
                if hasMore && videos.count < 5 { shortPageWithMore = true }
                cursor = try #require(try page["cursor"].intValue)
                if !hasMore { break }
            }
            #expect(videoIDs.count == videosCount)
            #expect(Set(videoIDs).count == videosCount)
            #expect(shortPageWithMore)

            let commentsQuery: [(String, String?)] = [("business_id", user.openID), ("video_id", videoIDs[0])]
            let comments = try await client.apiGet(
                "/business/comment/list/", commentsQuery + [("max_count", "30")], token: token)
            #expect(comments.code == 0)
            let list = try #require(try comments["comments"].arrayValue)
            #expect(list.allSatisfy { $0["video_id"]?.stringValue == videoIDs[0] && $0["text"]?.stringValue != nil })
            #expect(
                try await client.apiGet("/business/comment/list/", commentsQuery + [("max_count", "31")], token: token)
                    .code == 40002)
            let missingVideo = try await client.apiGet(
                "/business/comment/list/",
                [("business_id", user.openID), ("video_id", "7000000000000000000")],
                token: token
            )
            #expect(missingVideo.code == 40007)
            #expect(
                try await client.apiGet(
                    "/business/video/list/", [("business_id", user.openID), ("max_count", "21")], token: token
                ).code == 40002)

            let otherUser = emulator.control.user(named: "jay").openID
            #expect(try await client.apiGet("/business/get/", [("business_id", otherUser)], token: token).code == 40001)
            let advertiserToken = try await client.advertiserToken(emulator, user: "ivy")
            #expect(
                try await client.apiGet("/business/get/", [("business_id", user.openID)], token: advertiserToken).code
                    == 40001)

            // Account tokens expire after 24 h: 40102.
            try emulator.control.advanceClock(bySeconds: 86_401)
            #expect(
                try await client.apiGet("/business/get/", [("business_id", user.openID)], token: token).code == 40102)
        }
    }

    @Test("TTCM: account ids and info for the advertiser-flow token")
    func creatorMarketplace() async throws {
        try await withEmulator { emulator, client in
            let user = emulator.control.user(named: "kim")
            let token = try await client.advertiserToken(emulator, user: "kim")
            let accounts = try await client.apiGet(
                "/tto/oauth2/tcm/",
                [("app_id", Fixture.appID), ("secret", Fixture.secret)],
                token: token
            )
            #expect(accounts.code == 0)
            #expect(try accounts["tto_tcm_account_ids"] == .strings([user.ttoTCMAccountID]))
            let info = try await client.apiGet(
                "/tto/oauth2/info/", [("tto_tcm_account_id", user.ttoTCMAccountID)], token: token)
            #expect(info.code == 0)
            for field in ["tto_tcm_account_id", "account_name", "timezone", "country", "business_verification_status"] {
                #expect(info.data[field]?.stringValue != nil, "missing \(field)")
            }
            #expect(
                try await client.apiGet("/tto/oauth2/info/", [("tto_tcm_account_id", "1")], token: token).code == 40001)
            #expect(try await client.apiGet("/tto/oauth2/info/", [], token: token).code == 40002)
        }
    }

    @Test("the same user gets the same ids; a different seed gives different ones")
    func deterministicIdentities() {
        let one = Fixture.emulator().control.user(named: "alice")
        #expect(one == Fixture.emulator().control.user(named: "alice"))
        #expect(one != Fixture.emulator(.init(seed: 2)).control.user(named: "alice"))
        #expect(one.advertiserIDs.count == 2)
        #expect(one.advertiserIDs.allSatisfy { $0.count == 19 && $0.allSatisfy(\.isNumber) })
        #expect(one.ttoTCMAccountID.count == 19)
        #expect(one.openID.hasPrefix("_000"))
    }
}
