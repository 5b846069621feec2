import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import TikTokBusiness
import TikTokConnections
import TikTokEmulator

/// A large answer reaches the proxy's caller byte for byte, with TikTok's length.
@Suite("Proxy: large answers")
struct ProxyStreamingTests {
    @Test func aLargeReportPageIsRelayedUnchanged() async throws {
        try await ServerHarness.run { harness in
            let connection = try await harness.connect(.advertiser, user: "reporter")
            let advertiserID = try #require(connection.advertiserIDs.first)
            let query = [
                "advertiser_id=\(advertiserID)", "report_type=BASIC", "data_level=AUCTION_AD",
                #"dimensions=["ad_id","stat_time_day"]"#,
                #"metrics=["spend","impressions","clicks","ctr","cpc","cpm"]"#,
                "start_date=2026-11-01", "end_date=2026-11-30", "page=1", "page_size=1000",
            ].joined(separator: "&")
            let token = try await harness.manager.accessToken(for: connection.id)
            let direct = try await harness.manager.client.forwardReadingEnvelope(
                method: "GET", path: "/report/integrated/get/", rawQuery: AsyncHTTPClientTransportQuery.escape(query),
                body: nil, accessToken: token, retry: nil)
            #expect(direct.envelope?.code == 0)
            #expect(direct.response.body.count > 100_000)
            try await harness.application.test(.live) { client in
                let proxied = try await client.api(
                    "/v1/proxy/\(connection.id)/report/integrated/get/?\(AsyncHTTPClientTransportQuery.escape(query))")
                #expect(proxied.status == .ok)
                // The same report (the request ids differ): same length, same data.
                let relayed = Data(proxied.body.readableBytesView)
                #expect(relayed.count == direct.response.body.count)
                #expect(try JSONValue(parsing: relayed)["data"] == JSONValue(parsing: direct.response.body)["data"])
                #expect(proxied.headers[.contentLength] == String(direct.response.body.count))
            }
        }
    }
}

/// The query as a client would send it: `[`, `]` and `"` escaped.
enum AsyncHTTPClientTransportQuery {
    static func escape(_ query: String) -> String {
        query.replacingOccurrences(of: "[", with: "%5B").replacingOccurrences(of: "]", with: "%5D")
            .replacingOccurrences(of: "\"", with: "%22")
    }
}
