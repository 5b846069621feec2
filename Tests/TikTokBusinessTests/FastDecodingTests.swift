import Foundation
import Synchronization
import Testing
import TikTokBusiness

/// A transport that passes calls on and keeps each answer's body by path.
final class RecordingTransport: TikTokTransport {
    let base = AsyncHTTPClientTransport()
    let bodies = Mutex<[(path: String, body: Data)]>([])

    func send(_ request: TikTokHTTPRequest, timeout: Duration) async throws -> TikTokHTTPResponse {
        let response = try await base.send(request, timeout: timeout)
        let path = String(request.url.split(separator: "?", maxSplits: 1)[0].split(separator: "/v1.3").last ?? "")
        bodies.withLock { $0.append((path, response.body)) }
        return response
    }

    /// The `data` of every answer to `path`, decoded as before: `JSONDecoder` over the whole envelope.
    func decodedAsBefore<T: Decodable>(_ path: String, as type: T.Type) throws -> [T] {
        try bodies.withLock { $0.filter { $0.path == path } }.compactMap {
            try JSONDecoder().decode(DataEnvelope<T>.self, from: $0.body).data
        }
    }
}

/// The envelope as the SDK decoded it before it had its own reader.
struct DataEnvelope<T: Decodable>: Decodable { var data: T? }

/// Models decoded now equal those decoded before, but for how `raw` spells numbers: as sent now (`20940.0`), as
/// Foundation re-rendered them before (`20940`).
func expectSame<T: Equatable>(
    _ now: [T], _ before: [T], raw: WritableKeyPath<T, JSONValue>, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(now.count == before.count, sourceLocation: sourceLocation)
    for (now, before) in zip(now, before) {
        #expect(now[keyPath: raw].canonicalNumbers == before[keyPath: raw], sourceLocation: sourceLocation)
        var same = before
        same[keyPath: raw] = now[keyPath: raw]
        #expect(now == same, sourceLocation: sourceLocation)
    }
}

extension JSONValue {
    /// Numbers as `JSONValue`'s `Decodable` conformance renders them: an integer's digits, else a double's.
    var canonicalNumbers: JSONValue {
        switch self {
        case .number(let text):
            if let int = Int64(text) { return .number(String(int)) }
            if let uint = UInt64(text) { return .number(String(uint)) }
            guard let double = Double(text) else { return self }
            return .number(double.rounded() == double && abs(double) < 1e15 ? String(Int64(double)) : String(double))
        case .array(let values): return .array(values.map(\.canonicalNumbers))
        case .object(let members): return .object(members.mapValues(\.canonicalNumbers))
        default: return self
        }
    }
}

@Suite("Models decoded in one pass, as the JSONDecoder path decoded them")
struct FastDecodingTests {
    func client(_ emulator: EmulatorHarness, _ transport: RecordingTransport) -> TikTokClient {
        let base = emulator.client()
        return TikTokClient(configuration: base.configuration, transport: transport)
    }

    @Test func marketingModelsMatchTheJSONDecoderPath() async throws {
        try await EmulatorHarness.run { emulator in
            let transport = RecordingTransport()
            let client = client(emulator, transport)
            let grant = try await client.exchangeAdvertiserAuthCode(
                try await emulator.grant(flow: "advertiser", user: "fast"))
            #expect(try transport.decodedAsBefore("/oauth2/access_token/", as: AdvertiserTokenGrant.self) == [grant])

            let advertisers = try await client.authorizedAdvertisers(accessToken: grant.accessToken)
            struct AdvertiserList: Decodable { var list: [AuthorizedAdvertiser] }
            #expect(
                try transport.decodedAsBefore("/oauth2/advertiser/get/", as: AdvertiserList.self).flatMap(\.list)
                    == advertisers)
            #expect(!advertisers.isEmpty)

            let info = try await client.advertiserInfo(
                advertiserIDs: grant.advertiserIDs, accessToken: grant.accessToken)
            let infoBefore = try transport.decodedAsBefore("/advertiser/info/", as: Page<Advertiser>.self).flatMap(
                \.items)
            expectSame(info, infoBefore, raw: \.raw)
            #expect(info.allSatisfy { $0.raw["advertiser_id"]?.stringValue == $0.id })

            let advertiser = grant.advertiserIDs[0]
            var campaigns: [Campaign] = []
            for try await campaign in client.campaigns(
                advertiserID: advertiser, pageSize: 7, accessToken: grant.accessToken)
            {
                campaigns.append(campaign)
            }
            let campaignsBefore = try transport.decodedAsBefore("/campaign/get/", as: Page<Campaign>.self).flatMap(
                \.items)
            #expect(!campaigns.isEmpty)
            expectSame(campaigns, campaignsBefore, raw: \.raw)
            #expect(Set(campaigns.map(\.id)) == Set(campaignsBefore.map(\.id)))

            var groups: [AdGroup] = []
            for try await group in client.adGroups(advertiserID: advertiser, accessToken: grant.accessToken) {
                groups.append(group)
            }
            expectSame(
                groups, try transport.decodedAsBefore("/adgroup/get/", as: Page<AdGroup>.self).flatMap(\.items),
                raw: \.raw)
            var ads: [Ad] = []
            for try await ad in client.ads(advertiserID: advertiser, accessToken: grant.accessToken) { ads.append(ad) }
            #expect(!ads.isEmpty)
            expectSame(ads, try transport.decodedAsBefore("/ad/get/", as: Page<Ad>.self).flatMap(\.items), raw: \.raw)

            let report = ReportQuery(
                advertiserID: advertiser, dimensions: ["campaign_id", "stat_time_day"],
                metrics: ["spend", "impressions"], startDate: "2026-01-01", endDate: "2026-01-03", pageSize: 10)
            var rows: [ReportRow] = []
            for try await row in client.integratedReport(report, accessToken: grant.accessToken) { rows.append(row) }
            #expect(!rows.isEmpty)
            #expect(
                rows
                    == (try transport.decodedAsBefore("/report/integrated/get/", as: Page<ReportRow>.self).flatMap(
                        \.items)))

            // A page's generic request as JSONValue reads the same tree as Foundation does (numbers aside, which it
            // keeps as sent).
            let tree = try await client.request(
                "GET", "/campaign/get/", query: ["advertiser_id": .string(advertiser)], accessToken: grant.accessToken)
            let body = try #require(transport.bodies.withLock { $0.last?.body })
            #expect(tree == (try JSONValue(parsing: body))["data"])
            #expect(tree["list"]?.arrayValue?.isEmpty == false)

            let revoked = try await client.revokeAdvertiserToken(grant.accessToken)
            #expect(
                try transport.decodedAsBefore("/oauth2/revoke_token/", as: RevokedAdvertiserToken.self) == [revoked])
        }
    }

    @Test func accountAndCreatorModelsMatchTheJSONDecoderPath() async throws {
        try await EmulatorHarness.run { emulator in
            let transport = RecordingTransport()
            let client = client(emulator, transport)
            let code = try await emulator.grant(flow: "account", user: "fast-creator")
            let grant = try await client.exchangeAccountAuthCode(code, redirectURI: EmulatorHarness.accountRedirect)
            #expect(!grant.accessToken.isEmpty)
            let info = try await client.accountTokenInfo(accessToken: grant.accessToken)
            #expect(try transport.decodedAsBefore("/tt_user/token_info/get/", as: AccountTokenInfo.self) == [info])

            let account = try await client.businessAccount(
                businessID: grant.openID, startDate: "2026-01-01", endDate: "2026-01-03", accessToken: grant.accessToken
            )
            expectSame([account], try transport.decodedAsBefore("/business/get/", as: BusinessAccount.self), raw: \.raw)
            #expect(account.metrics.count == 3)

            var videos: [BusinessVideo] = []
            for try await video in client.businessVideos(businessID: grant.openID, accessToken: grant.accessToken) {
                videos.append(video)
            }
            struct Videos: Decodable { var videos: [BusinessVideo] }
            #expect(!videos.isEmpty)
            expectSame(
                videos, try transport.decodedAsBefore("/business/video/list/", as: Videos.self).flatMap(\.videos),
                raw: \.raw)

            var comments: [BusinessComment] = []
            for try await comment in client.businessComments(
                businessID: grant.openID, videoID: videos[0].itemID, accessToken: grant.accessToken)
            {
                comments.append(comment)
            }
            struct Comments: Decodable { var comments: [BusinessComment] }
            expectSame(
                comments,
                try transport.decodedAsBefore("/business/comment/list/", as: Comments.self).flatMap(\.comments),
                raw: \.raw)

            let marketing = try await client.exchangeAdvertiserAuthCode(
                try await emulator.grant(flow: "advertiser", user: "ttcm"))
            let ids = try await client.tcmAccountIDs(accessToken: marketing.accessToken)
            #expect(!ids.isEmpty)
            let tcm = try await client.tcmAccountInfo(id: ids[0], accessToken: marketing.accessToken)
            expectSame([tcm], try transport.decodedAsBefore("/tto/oauth2/info/", as: TCMAccountInfo.self), raw: \.raw)
            #expect(tcm.raw["tto_tcm_account_id"]?.stringValue == tcm.id)
        }
    }

    static let campaignPage = #"""
        {"code":0,"message":"OK","request_id":"req-9","data":{"list":[
        {"campaign_id":7301234567890123456,"campaign_name":"Caf\u00e9","advertiser_id":"1","budget":"20.50",
        "create_time":"2026-01-01 00:00:00","extra":{"nested":[1,2,{"deep":"\ud83d\ude00"}]},"flag":true},
        {"campaign_id":"2","budget":null,"campaign_name":null}],
        "page_info":{"page":"1","page_size":10,"total_number":2,"total_page":1}}}
        """#

    @Test func lenientFieldsAndLazyRaw() async throws {
        let transport = ScriptedTransport([ScriptedTransport.json(Self.campaignPage)])
        let client = TransportTests().client(transport)
        let page = try await client.request("GET", "/campaign/get/", accessToken: "t", as: Page<Campaign>.self)
        let before = try JSONDecoder().decode(JSONValue.self, from: Data(Self.campaignPage.utf8))["data"]?.decode(
            Page<Campaign>.self)
        #expect(page.items == before?.items)
        #expect(page.pageInfo == PageInfo(page: 1, pageSize: 10, totalNumber: 2, totalPage: 1))
        let first = try #require(page.items.first)
        #expect(first.id == "7301234567890123456")
        #expect(first.name == "Café")
        #expect(first.budget == 20.5)
        #expect(first.raw["extra"]?["nested"]?.arrayValue?[2]["deep"] == "😀")
        #expect(first.raw["campaign_id"] == .number("7301234567890123456"))
        #expect(page.items[1].budget == nil && page.items[1].name == nil)

        // raw stays a settable value.
        var edited = first
        edited.raw = ["campaign_id": "x"]
        #expect(edited.raw == ["campaign_id": "x"])
        #expect(edited != first)
        #expect(first.raw["flag"] == true)
    }

    @Test func userTypesDecodeWithJSONDecoderFromDataAlone() async throws {
        struct Mine: Decodable, Sendable, Equatable {
            var list: [Item]
            struct Item: Decodable, Sendable, Equatable { var campaign_id: Int64 }
        }
        let transport = ScriptedTransport([
            ScriptedTransport.json(Self.campaignPage),
            ScriptedTransport.json(Self.campaignPage),
        ])
        let client = TransportTests().client(transport)
        let shape = await #expect(throws: TikTokError.self) {
            try await client.request("GET", "/campaign/get/", accessToken: "t", as: Mine.self)
        }
        #expect(shape?.category == .invalidResponse)
        #expect(shape?.requestID == "req-9")
        struct Loose: Decodable, Sendable { var page_info: [String: JSONValue] }
        let loose = try await client.request("GET", "/campaign/get/", accessToken: "t", as: Loose.self)
        #expect(loose.page_info["total_page"] == 1)
    }

    @Test func invalidBodiesNeverEchoTheirText() async throws {
        let secret = "tok-SECRET-123"
        let transport = ScriptedTransport([
            // Broken after a success head: an invalid response, naming an offset only.
            ScriptedTransport.json(#"{"code":0,"message":"OK","data":{"access_token":"\#(secret)",}}"#),
            // Broken after an error head: that error.
            ScriptedTransport.json(#"{"code":40105,"message":"expired","data":{"access_token":"\#(secret)",]}"#),
            // The wrong shape: named by type and path only.
            ScriptedTransport.json(#"{"code":0,"message":"OK","data":{"list":["\#(secret)"]}}"#),
        ])
        let client = TransportTests().client(transport, attempts: 1)
        let broken = await #expect(throws: TikTokError.self) {
            try await client.request("GET", "/x/", accessToken: "t", as: Page<Campaign>.self)
        }
        #expect(broken?.category == .invalidResponse)
        #expect(broken.map { "\($0)" }?.contains(secret) == false)
        let expired = await #expect(throws: TikTokError.self) {
            try await client.request("GET", "/x/", accessToken: "t", as: Page<Campaign>.self)
        }
        #expect(expired?.category == .accessTokenInvalid)
        let shape = await #expect(throws: TikTokError.self) {
            try await client.request("GET", "/x/", accessToken: "t", as: Page<Campaign>.self)
        }
        #expect(shape?.category == .invalidResponse)
        #expect(shape.map { "\($0)" }?.contains(secret) == false)
    }
}
