import Foundation
import Testing

@testable import TikTokEmulator

@Suite("Cached encodings")
struct CachedEncodingTests {
    @Test("an encoded value is written as its cached text and otherwise behaves as the value")
    func encodedValue() throws {
        let value: JSONValue = ["id": "17", "budget": 10.0, "tags": ["a", "b"]]
        let encoded = EncodedJSON(value)
        #expect(String(decoding: encoded.bytes, as: UTF8.self) == value.serialized)
        let wrapped = JSONValue.encoded(encoded)
        let document: JSONValue = ["list": [wrapped, wrapped], "n": 2]
        let expected: JSONValue = ["list": [value, value], "n": 2]
        #expect(document.serialized == expected.serialized)
        #expect(document == expected)
        #expect(wrapped["id"] == "17")
        #expect(wrapped.objectValue?.count == 3)
        #expect(wrapped.selecting(["id"]) == ["id": "17"])
        #expect(JSONValue.parse(document.serialized) == expected)
    }

    @Test("cached listings are exactly the catalog's objects, for every advertiser read")
    func listingsMatchTheCatalog() {
        let catalog = MarketingCatalog(seed: 7)
        let cache = EncodedCatalog(catalog: catalog)
        for advertiserID in ["7459297742989979678", "7000000000000000001"] {
            for _ in 0..<2 {
                let campaigns = cache.campaigns(advertiserID)
                #expect(campaigns.count == catalog.campaignCount(advertiserID))
                for (index, campaign) in campaigns.enumerated() {
                    #expect(campaign.value == catalog.campaign(advertiserID, index))
                    #expect(campaign.bytes == Array(catalog.campaign(advertiserID, index).serialized.utf8))
                }
                let adGroups = cache.adGroups(advertiserID)
                #expect(
                    adGroups.paths.map { [$0.campaign, $0.adGroup] }
                        == catalog.adGroupPaths(advertiserID).map { [$0.campaign, $0.adGroup] })
                for (path, object) in zip(adGroups.paths, adGroups.objects) {
                    #expect(object.value == catalog.adGroup(advertiserID, path.campaign, path.adGroup))
                }
                let ads = cache.ads(advertiserID)
                #expect(ads.paths == catalog.adPaths(advertiserID))
                for (path, object) in zip(ads.paths, ads.objects) {
                    #expect(object.bytes == Array(catalog.ad(advertiserID, path).serialized.utf8))
                }
            }
        }
    }

    @Test("the listing cache keeps a bounded number of advertisers")
    func listingCacheIsBounded() {
        let catalog = MarketingCatalog(seed: 1)
        let cache = EncodedCatalog(catalog: catalog)
        for number in 0..<(EncodedCatalog.capacity + 20) {
            let advertiserID = "70000000000" + CivilDate.pad(number, 8)
            #expect(cache.campaigns(advertiserID).count == catalog.campaignCount(advertiserID))
        }
        #expect(cache.advertiserCount == EncodedCatalog.capacity)
    }

    @Test("campaign/get serves the cached objects, paged and with fields selected")
    func campaignGetUsesTheCache() async throws {
        try await withEmulator { emulator, client in
            let token = try await client.advertiserToken(emulator, user: "alice")
            let advertiserID = emulator.control.user(named: "alice").advertiserIDs[0]
            let catalog = emulator.state.marketing
            let page = try await client.apiGet(
                "/campaign/get/", [("advertiser_id", advertiserID), ("page", "2"), ("page_size", "5")], token: token)
            #expect(page.code == 0)
            let expected = (5..<10).map { catalog.campaign(advertiserID, $0) }
            #expect(try page["list"] == .array(expected))
            let selected = try await client.apiGet(
                "/campaign/get/",
                [("advertiser_id", advertiserID), ("page_size", "3"), ("fields", #"["campaign_id","budget"]"#)],
                token: token)
            #expect(
                try selected["list"]
                    == .array(
                        (0..<3).map {
                            catalog.campaign(advertiserID, $0).selecting(["campaign_id", "budget"])
                        }))
        }
    }

    @Test("ad-level daily report rows carry their own ad's id and names on every day (worked out once per ad)")
    func reportRowsPerEntity() async throws {
        try await withEmulator { emulator, client in
            let token = try await client.advertiserToken(emulator, user: "alice")
            let advertiserID = emulator.control.user(named: "alice").advertiserIDs[0]
            let catalog = emulator.state.marketing
            let report = try await client.apiGet(
                "/report/integrated/get/",
                [
                    ("advertiser_id", advertiserID), ("report_type", "BASIC"), ("data_level", "AUCTION_AD"),
                    ("dimensions", #"["ad_id","stat_time_day"]"#), ("start_date", "2024-03-01"),
                    ("end_date", "2024-03-03"), ("page", "2"), ("page_size", "10"),
                    ("metrics", #"["spend","campaign_name","adgroup_name","ad_name","currency"]"#),
                ],
                token: token)
            #expect(report.code == 0, "\(report.message)")
            let rows = try #require(try report["list"].arrayValue)
            #expect(rows.count == 10)
            let ads = catalog.adPaths(advertiserID)
            for (offset, row) in rows.enumerated() {
                let path = ads[(10 + offset) / 3]
                #expect(row["dimensions"]?["ad_id"]?.stringValue == catalog.adID(advertiserID, path))
                #expect(row["metrics"]?["ad_name"]?.stringValue == catalog.adName(advertiserID, path))
                #expect(
                    row["metrics"]?["adgroup_name"]?.stringValue
                        == catalog.adGroupName(advertiserID, path.campaign, path.adGroup))
                #expect(
                    row["metrics"]?["campaign_name"]?.stringValue == catalog.campaignName(advertiserID, path.campaign))
                #expect(row["metrics"]?["currency"] == catalog.advertiserInfo(advertiserID)["currency"])
            }
        }
    }

    @Test("request ids: a UTC timestamp and 18 uppercase hex digits, unique")
    func requestIDs() {
        let generator = RequestIDGenerator()
        let before = Int(Date().timeIntervalSince1970)
        let ids = (0..<1_000).map { _ in generator.next() }
        let after = Int(Date().timeIntervalSince1970)
        #expect(Set(ids).count == ids.count)
        let timestamps = Set((before...after).map { CivilDate.compactTimestamp(unixSeconds: $0) })
        for id in ids {
            #expect(id.utf8.count == 32)
            #expect(timestamps.contains(String(id.prefix(14))))
            #expect(id.dropFirst(14).hasPrefix("00"))
            #expect(id.dropFirst(14).allSatisfy { $0.isHexDigit && !$0.isLowercase })
        }
    }
}
