import Foundation
import HummingbirdTesting
import Synchronization
import Testing

@testable import TikTokEmulator

/// The report catalogue: every metric TikTok knows at the levels that have it, values that agree with each other at
/// every granularity and audience split, and TikTok's errors for what it does not know.
@Suite("Report catalogue")
struct ReportCatalogueTests {
    static let catalogue = ReportCatalogue.shared
    static let levels = ["AUCTION_ADVERTISER", "AUCTION_CAMPAIGN", "AUCTION_ADGROUP", "AUCTION_AD"]

    /// The numeric metrics a data level has.
    static func numericMetrics(at level: String) -> [String] {
        let dimension = Self.catalogue.dataLevels[level]!.dimension
        return Self.catalogue.metrics.values.filter { metric in
            !metric.describesAnObject && (metric.levels?.contains(dimension) ?? true)
        }.map(\.name).sorted()
    }

    struct Reporter {
        let client: any TestClientProtocol
        let token: String
        let advertiserID: String

        func callAsFunction(_ parameters: [(String, String?)]) async throws -> Envelope {
            try await self.client.apiGet(
                "/report/integrated/get/",
                [("advertiser_id", self.advertiserID), ("page_size", "1000")] + parameters,
                token: self.token)
        }

        /// Rows of a successful report.
        func rows(_ parameters: [(String, String?)]) async throws -> [JSONValue] {
            let report = try await self(parameters)
            #expect(report.code == 0, "\(report.message)")
            return try #require(try report["list"].arrayValue)
        }
    }

    static func withReporter(
        seed: UInt64 = 1, _ body: @Sendable (Reporter) async throws -> Void
    ) async throws {
        try await withEmulator(.init(seed: seed)) { emulator, client in
            let token = try await client.advertiserToken(emulator, user: "alice")
            let advertiserID = emulator.control.user(named: "alice").advertiserIDs[0]
            try await body(Reporter(client: client, token: token, advertiserID: advertiserID))
        }
    }

    static func json(_ list: [String]) -> String { JSONValue.array(list.map(JSONValue.string)).serialized }
    static func number(_ row: JSONValue, _ metric: String) throws -> Double {
        try #require(row["metrics"]?[metric]?.stringValue.flatMap(Double.init), "\(metric) in \(row.serialized)")
    }
    static func cents(_ row: JSONValue, _ metric: String) throws -> Int {
        Int((try number(row, metric) * 100).rounded())
    }
    static func ratio(_ numerator: Double, _ denominator: Double, _ scale: Double = 1) -> String {
        denominator == 0 ? "0.00" : ReportGenerator.decimal(numerator * scale / denominator)
    }

    @Test func theCatalogueIsLargeAndCoversWhatReportingClientsAsk() {
        #expect(Self.catalogue.metrics.count >= 200)
        // Airbyte's TikTok Marketing source (4.7.0) asks for these, among others.
        for metric in [
            "cash_spend", "voucher_spend", "average_video_play", "average_video_play_per_user", "video_views_p25",
            "real_time_app_install_cost", "total_complete_payment_rate", "vta_purchase", "cost_per_total_sales_lead",
            "secondary_goal_result_rate", "clicks_on_music_disc", "placement_type", "dpa_target_audience_type",
        ] {
            #expect(Self.catalogue.metrics[metric] != nil, "\(metric)")
        }
        #expect(Set(Self.catalogue.dataLevels.keys).isSuperset(of: Self.levels + ["RESERVATION_AD"]))
        for dimension in ["gender", "age", "country_code", "platform", "language", "interest_category"] {
            #expect(Self.catalogue.audienceDimensions[dimension]?.reportTypes.contains("AUDIENCE") == true)
        }
    }

    @Test func everyMetricIsServedAtEveryLevelThatHasIt() async throws {
        try await Self.withReporter { report in
            for level in Self.levels {
                let dimension = Self.catalogue.dataLevels[level]!.dimension
                let metrics = Self.catalogue.metrics.values.filter { $0.levels?.contains(dimension) ?? true }
                    .map(\.name).sorted()
                let rows = try await report.rows([
                    ("report_type", "BASIC"), ("data_level", level),
                    ("dimensions", Self.json([dimension, "stat_time_day"])), ("metrics", Self.json(metrics)),
                    ("start_date", "2024-03-01"), ("end_date", "2024-03-02"),
                ])
                #expect(!rows.isEmpty, "\(level)")
                for row in rows {
                    #expect(row["metrics"]?.objectValue?.map(\.0) == metrics, "every asked metric, in order")
                }
            }
            // The two Airbyte stopped at.
            for (metric, level) in [("cash_spend", "AUCTION_ADVERTISER"), ("average_video_play", "AUCTION_CAMPAIGN")] {
                let dimension = Self.catalogue.dataLevels[level]!.dimension
                let rows = try await report.rows([
                    ("report_type", "BASIC"), ("data_level", level), ("dimensions", Self.json([dimension])),
                    ("metrics", Self.json([metric])), ("start_date", "2024-03-01"), ("end_date", "2024-03-01"),
                ])
                #expect(rows.first?["metrics"]?[metric]?.stringValue?.contains(".") == true)
            }
        }
    }

    @Test func valuesAgreeWithEachOtherByDayAndByHour() async throws {
        let metrics = [
            "impressions", "clicks", "spend", "cash_spend", "voucher_spend", "ctr", "cpc", "cpm", "reach", "frequency",
            "video_play_actions", "video_watched_2s", "video_watched_6s", "video_views_p25", "video_views_p50",
            "video_views_p75", "video_views_p100", "conversion", "cost_per_conversion", "purchase", "cta_purchase",
            "vta_purchase",
        ]
        try await Self.withReporter { report in
            for (time, end) in [("stat_time_day", "2024-03-20"), ("stat_time_hour", "2024-03-01")] {
                let rows = try await report.rows([
                    ("report_type", "BASIC"), ("data_level", "AUCTION_ADVERTISER"),
                    ("dimensions", Self.json(["advertiser_id", time])), ("metrics", Self.json(metrics)),
                    ("start_date", "2024-03-01"), ("end_date", end),
                ])
                #expect(rows.count == (time == "stat_time_day" ? 20 : 24))
                for row in rows {
                    let value = { (name: String) in try Self.number(row, name) }
                    #expect(
                        try row["metrics"]?["ctr"]?.stringValue
                            == Self.ratio(value("clicks"), value("impressions"), 100))
                    #expect(try row["metrics"]?["cpc"]?.stringValue == Self.ratio(value("spend"), value("clicks")))
                    #expect(
                        try row["metrics"]?["cpm"]?.stringValue
                            == Self.ratio(value("spend"), value("impressions"), 1_000))
                    #expect(
                        try row["metrics"]?["frequency"]?.stringValue
                            == Self.ratio(value("impressions"), value("reach")))
                    #expect(
                        try Self.cents(row, "cash_spend") + Self.cents(row, "voucher_spend") == Self.cents(row, "spend")
                    )
                    #expect(try value("cta_purchase") + value("vta_purchase") == value("purchase"))
                    #expect(try value("clicks") <= value("impressions") && value("reach") <= value("impressions"))
                    let videos = try [
                        "video_play_actions", "video_views_p25", "video_views_p50", "video_views_p75",
                        "video_views_p100",
                    ]
                    .map(value)
                    #expect(videos == videos.sorted(by: >), "video quartiles never increase: \(videos)")
                    #expect(try value("video_watched_6s") <= value("video_watched_2s"))
                }
            }
        }
    }

    @Test func audienceRowsSumToTheLevelsTotals() async throws {
        let counts = ["impressions", "clicks", "conversion", "video_views_p100"]
        try await Self.withReporter { report in
            let common: [(String, String?)] = [
                ("data_level", "AUCTION_CAMPAIGN"), ("metrics", Self.json(counts + ["spend", "ctr", "campaign_name"])),
                ("start_date", "2024-03-01"), ("end_date", "2024-03-01"),
            ]
            let basic = try await report.rows(
                common + [("report_type", "BASIC"), ("dimensions", Self.json(["campaign_id", "stat_time_day"]))])
            for audience in [["gender", "age"], ["country_code"], ["platform"], ["language"], ["interest_category"]] {
                let rows = try await report.rows(
                    common + [
                        ("report_type", "AUDIENCE"),
                        ("dimensions", Self.json(["campaign_id", "stat_time_day"] + audience)),
                    ])
                let segments = audience.map { Self.catalogue.audienceDimensions[$0]!.values.count }.reduce(1, *)
                try #require(rows.count == basic.count * segments, "\(audience)")
                for (index, total) in basic.enumerated() {
                    let group = rows[(index * segments)..<((index + 1) * segments)]
                    #expect(
                        group.allSatisfy { $0["dimensions"]?["campaign_id"] == total["dimensions"]?["campaign_id"] })
                    #expect(group.allSatisfy { $0["metrics"]?["campaign_name"] == total["metrics"]?["campaign_name"] })
                    for metric in counts {
                        #expect(
                            try group.map { try Self.number($0, metric) }.reduce(0, +) == Self.number(total, metric),
                            "\(metric) by \(audience)")
                    }
                    #expect(try group.map { try Self.cents($0, "spend") }.reduce(0, +) == Self.cents(total, "spend"))
                    for row in group {
                        #expect(
                            try row["metrics"]?["ctr"]?.stringValue
                                == Self.ratio(Self.number(row, "clicks"), Self.number(row, "impressions"), 100))
                    }
                    let values = group.compactMap { $0["dimensions"]?[audience[0]]?.stringValue }
                    #expect(Set(values) == Set(Self.catalogue.audienceDimensions[audience[0]]!.values))
                }
            }
        }
    }

    @Test func totalsLifetimeReservationAndPathsWithoutTheSlash() async throws {
        try await Self.withReporter { report in
            let days: [(String, String?)] = [("start_date", "2024-03-01"), ("end_date", "2024-03-05")]
            let byAd = try await report(
                [
                    ("report_type", "BASIC"), ("data_level", "AUCTION_AD"), ("dimensions", Self.json(["ad_id"])),
                    ("metrics", Self.json(["impressions", "spend", "ad_name"])), ("enable_total_metrics", "true"),
                ] + days)
            let rows = try #require(try byAd["list"].arrayValue)
            let sum = try rows.map { try Self.number($0, "impressions") }.reduce(0, +)
            #expect(try byAd["total_metrics"]["impressions"]?.stringValue.flatMap(Double.init) == sum)
            #expect(try byAd["total_metrics"]["ad_name"] == nil, "attributes have no total")
            // The same report without the trailing slash, as TikTok's gateway accepts.
            let bare = try await report.client.apiGet(
                "/report/integrated/get",
                [
                    ("advertiser_id", report.advertiserID), ("report_type", "BASIC"), ("data_level", "AUCTION_AD"),
                    ("dimensions", Self.json(["ad_id"])), ("metrics", Self.json(["impressions", "spend", "ad_name"])),
                    ("page_size", "1000"),
                ] + days,
                token: report.token)
            #expect(bare.code == 0)
            #expect(try bare["list"] == byAd["list"])
            // Lifetime, and a reservation level with its service type.
            let lifetime = try await report.rows([
                ("report_type", "BASIC"), ("data_level", "AUCTION_CAMPAIGN"),
                ("dimensions", Self.json(["campaign_id"])),
                ("metrics", Self.json(["spend", "campaign_name"])), ("query_lifetime", "true"),
            ])
            #expect(!lifetime.isEmpty)
            let reservation = try await report.rows(
                [
                    ("report_type", "BASIC"), ("data_level", "RESERVATION_ADVERTISER"), ("service_type", "RESERVATION"),
                    ("dimensions", Self.json(["advertiser_id"])), ("metrics", Self.json(["spend"])),
                ] + days)
            #expect(reservation.count == 1)
            // A year and a day without a time dimension, as Airbyte's lifetime audience report asks.
            let year = try await report.rows([
                ("report_type", "AUDIENCE"), ("data_level", "AUCTION_ADVERTISER"),
                ("dimensions", Self.json(["advertiser_id", "gender", "age"])), ("metrics", Self.json(["spend"])),
                ("start_date", "2023-03-01"), ("end_date", "2024-03-01"),
            ])
            #expect(year.count == 21)
        }
    }

    @Test func nothingIsReportedFromTheFuture() async throws {
        try await withEmulator { emulator, client in
            let token = try await client.advertiserToken(emulator, user: "alice")
            let report = Reporter(
                client: client, token: token, advertiserID: emulator.control.user(named: "alice").advertiserIDs[0])
            let now = emulator.control.now
            let today = CivilDate(dayNumber: now / 86_400).iso
            let tomorrow = CivilDate(dayNumber: now / 86_400 + 1).iso
            let hours = try await report.rows([
                ("report_type", "BASIC"), ("data_level", "AUCTION_ADVERTISER"),
                ("dimensions", Self.json(["advertiser_id", "stat_time_hour"])), ("metrics", Self.json(["impressions"])),
                ("start_date", today), ("end_date", today),
            ])
            let hour = now % 86_400 / 3_600
            let impressions = try hours.map { try Self.number($0, "impressions") }
            #expect(impressions.count == 24)
            #expect(impressions[(hour + 1)...].allSatisfy { $0 == 0 }, "no hour after the current one")
            #expect(impressions[...hour].reduce(0, +) > 0)
            let days = try await report.rows([
                ("report_type", "BASIC"), ("data_level", "AUCTION_ADVERTISER"),
                ("dimensions", Self.json(["advertiser_id", "stat_time_day"])), ("metrics", Self.json(["impressions"])),
                ("start_date", today), ("end_date", tomorrow),
            ])
            #expect(try days.map { try Self.number($0, "impressions") } == [impressions.reduce(0, +), 0])
        }
    }

    @Test func whatTikTokDoesNotKnowIsRefusedAsTikTokDoes() async throws {
        try await Self.withReporter { report in
            let days: [(String, String?)] = [("start_date", "2024-03-01"), ("end_date", "2024-03-02")]
            func refusal(_ parameters: [(String, String?)]) async throws -> Envelope {
                let answer = try await report(parameters + days)
                #expect(answer.code == 40002, "\(parameters)")
                return answer
            }
            let unknown = try await refusal([
                ("report_type", "BASIC"), ("data_level", "AUCTION_CAMPAIGN"),
                ("dimensions", Self.json(["campaign_id"])),
                ("metrics", Self.json(["spend", "bogus_metric"])),
            ])
            #expect(unknown.message.hasSuffix("Invalid metric bogus_metric for data_level AUCTION_CAMPAIGN."))
            let advertiserOnly = try await refusal([
                ("report_type", "BASIC"), ("data_level", "AUCTION_CAMPAIGN"),
                ("dimensions", Self.json(["campaign_id"])),
                ("metrics", Self.json(["cash_spend"])),
            ])
            #expect(advertiserOnly.message.hasSuffix("Invalid metric cash_spend for data_level AUCTION_CAMPAIGN."))
            _ = try await refusal([
                ("report_type", "BASIC"), ("data_level", "AUCTION_CAMPAIGN"),
                ("dimensions", Self.json(["campaign_id", "gender"])),
            ])
            _ = try await refusal([
                ("report_type", "BASIC"), ("data_level", "AUCTION_ADVERTISER"),
                ("dimensions", Self.json(["advertiser_id"])),
                ("metrics", Self.json(["campaign_name"])),
            ])
            _ = try await refusal([
                ("report_type", "BASIC"), ("data_level", "RESERVATION_AD"), ("dimensions", Self.json(["ad_id"])),
            ])
            _ = try await refusal([
                ("report_type", "PLAYABLE_MATERIAL"), ("data_level", "AUCTION_AD"),
                ("dimensions", Self.json(["ad_id"])),
            ])
            _ = try await refusal([
                ("report_type", "AUDIENCE"), ("data_level", "AUCTION_AD"),
                ("dimensions", Self.json(["ad_id", "shoe_size"])),
            ])
            // Every audience dimension at once would be millions of rows per object: refused, not built.
            let everything = try await refusal([
                ("report_type", "AUDIENCE"), ("data_level", "AUCTION_ADVERTISER"),
                ("dimensions", Self.json(["advertiser_id"] + Self.catalogue.audienceDimensions.keys.sorted())),
            ])
            #expect(everything.message.contains("Too many audience dimensions"))
        }
    }

    @Test func valuesAreDeterministicForASeed() async throws {
        let parameters: [(String, String?)] = [
            ("report_type", "BASIC"), ("data_level", "AUCTION_CAMPAIGN"),
            ("dimensions", Self.json(["campaign_id", "stat_time_day"])),
            ("metrics", Self.json(Self.numericMetrics(at: "AUCTION_CAMPAIGN"))),
            ("start_date", "2024-03-01"), ("end_date", "2024-03-03"),
        ]
        let first = try await Self.reportRows(seed: 7, parameters)
        #expect(try await Self.reportRows(seed: 7, parameters) == first)
        #expect(try await Self.reportRows(seed: 8, parameters) != first)
    }

    static func reportRows(seed: UInt64, _ parameters: [(String, String?)]) async throws -> [JSONValue] {
        let rows = Mutex<[JSONValue]>([])
        try await Self.withReporter(seed: seed) { report in
            let list = try await report.rows(parameters)
            rows.withLock { $0 = list }
        }
        return rows.withLock { $0 }
    }

    /// The split itself, on random totals: parts add up exactly and never exceed their parent counter's part.
    @Test func splitsAddUpAndKeepEveryCounterWithinItsParent() {
        let generator = ReportGenerator(catalog: MarketingCatalog(seed: 1))
        let counters = generator.reports.counters
        var random = SplitMix64(seed: 42, "split-test")
        for round in 0..<200 {
            var totals = ReportGenerator.Totals(count: counters.count)
            for (index, counter) in counters.enumerated() {
                switch counter.derivation {
                case .range: totals[index] = random.inRange(0...(round.isMultiple(of: 2) ? 5 : 5_000_000))
                case .perMille(let parent, let share): totals[index] = totals[parent] * random.inRange(share) / 1_000
                case .perUnit(let parent, let value): totals[index] = totals[parent] * random.inRange(value)
                }
            }
            let weights = (0..<random.inRange(1...40)).map { _ in random.inRange(1...100) }
            let parts = generator.split(totals, weights: weights)
            var sum = ReportGenerator.Totals(count: counters.count)
            for part in parts { sum += part }
            #expect(sum == totals)
            for part in parts {
                #expect(part.counts.allSatisfy { $0 >= 0 })
                for (index, counter) in counters.enumerated() {
                    if case .perMille(let parent, let share) = counter.derivation, share.upperBound <= 1_000 {
                        #expect(part[index] <= part[parent], "\(counter.name) exceeds its parent in a part")
                    }
                }
            }
        }
    }
}

@Suite("What reporting clients call first")
struct ReportingClientTests {
    @Test func userInfoChecksAMarketingToken() async throws {
        try await withEmulator { emulator, client in
            let token = try await client.advertiserToken(emulator, user: "alice")
            for path in ["/user/info/", "/user/info"] {
                let info = try await client.apiGet(path, token: token)
                #expect(info.code == 0)
                #expect(try info["display_name"].stringValue == emulator.control.user(named: "alice").displayName)
                #expect(try info["core_user_id"].stringValue?.count == 19)
                #expect(try info["create_time"].intValue != nil)
            }
            #expect(try await client.apiGet("/user/info/", token: "bogus").code == 40105)
            let account = try await client.accountTokens(emulator, user: "alice")
            let accountToken = try #require(try account["access_token"].stringValue)
            #expect(try await client.apiGet("/user/info/", token: accountToken).code == 40001)
        }
    }
}
