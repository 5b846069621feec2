// The SDK's own cost per call, without a network: envelope and model decoding behind a canned transport.
//
// Run: `swift package benchmark --target SDKBenchmarks` (from Benchmarks/).
import Benchmark
import Foundation
import TikTokBusiness

/// Answers every call with the body registered for its path, at once.
struct CannedTransport: TikTokTransport {
    let bodies: [String: Data]

    func send(_ request: TikTokHTTPRequest, timeout: Duration) async throws -> TikTokHTTPResponse {
        let path = request.url.split(separator: "?", maxSplits: 1)[0]
        let key = bodies.keys.first { path.hasSuffix($0) } ?? ""
        return TikTokHTTPResponse(
            status: 200, headers: [("Content-Type", "application/json")], body: bodies[key] ?? Data())
    }
}

/// TikTok-shaped envelopes: what `/oauth2/advertiser/get/`, `/advertiser/info/` and `/campaign/get/` answer.
enum Bodies {
    static func envelope(_ data: String) -> Data {
        Data(#"{"code":0,"message":"OK","request_id":"2026120314000000000000000000000001","data":\#(data)}"#.utf8)
    }

    static let advertisers = envelope(
        #"{"list":[{"advertiser_id":"7000000000000000001","advertiser_name":"Shop One"},"#
            + #"{"advertiser_id":"7000000000000000002","advertiser_name":"Shop Two"}]}"#)

    static let advertiserInfo = envelope(
        #"{"list":[{"advertiser_id":"7000000000000000001","name":"Shop One","currency":"USD","#
            + #""timezone":"Etc/GMT","status":"STATUS_ENABLE","balance":1523.25,"company":"Shop One Ltd","#
            + #""country":"US","create_time":1700000000,"role":"ROLE_ADVERTISER","email":"o***@example.com"}]}"#)

    static func campaigns(count: Int) -> Data {
        let items = (0..<count).map { index in
            #"{"campaign_id":"\#(1_800_000_000_000_000_000 + index)","campaign_name":"Campaign \#(index)","#
                + #""advertiser_id":"7000000000000000001","budget":\#(50 + index).5,"budget_mode":"BUDGET_MODE_DAY","#
                + #""objective_type":"TRAFFIC","secondary_status":"CAMPAIGN_STATUS_ENABLE","#
                + #""operation_status":"ENABLE","create_time":"2026-11-01 10:00:00","modify_time":"2026-11-02 10:00:00","#
                + #""is_new_structure":true,"special_industries":[],"rta_id":null,"deep_bid_type":null}"#
        }
        return envelope(
            #"{"list":[\#(items.joined(separator: ","))],"page_info":{"page":1,"page_size":\#(count),"#
                + #""total_number":\#(count),"total_page":1}}"#)
    }
}

func cannedClient() -> TikTokClient {
    let transport = CannedTransport(bodies: [
        "/oauth2/advertiser/get/": Bodies.advertisers,
        "/advertiser/info/": Bodies.advertiserInfo,
        "/campaign/get/": Bodies.campaigns(count: 100),
    ])
    return TikTokClient(
        configuration: .init(appID: "app", secret: "secret", rateGovernor: nil), transport: transport)
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput], maxDuration: .seconds(2))
    let client = cannedClient()
    let page = Bodies.campaigns(count: 100)
    let report = Bodies.campaigns(count: 4_000)

    Benchmark("authorizedAdvertisers") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try await client.authorizedAdvertisers(accessToken: "token"))
        }
    }
    Benchmark("advertiserInfo") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try await client.advertiserInfo(advertiserIDs: ["7000000000000000001"], accessToken: "token"))
        }
    }
    Benchmark("campaigns first page (100)") { benchmark in
        for _ in benchmark.scaledIterations {
            var iterator = client.campaigns(advertiserID: "7000000000000000001", accessToken: "token")
                .makeAsyncIterator()
            blackHole(try await iterator.next())
        }
    }
    Benchmark("envelope head, 100-campaign page (\(page.count / 1024) KB)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(TikTokEnvelopeHead(json: page))
        }
    }
    Benchmark("envelope head, large page (\(report.count / 1_048_576) MB)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(TikTokEnvelopeHead(json: report))
        }
    }
    Benchmark("request as JSONValue, 100-campaign page") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(
                try await client.request(
                    "GET", "/campaign/get/", query: ["advertiser_id": .string("1")], accessToken: "token"))
        }
    }
}
