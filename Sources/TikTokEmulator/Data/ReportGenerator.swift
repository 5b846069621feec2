/// Deterministic integrated-report numbers.
///
/// The ad-day is the unit: every ad gets seeded counters for every day (zero while it does not deliver); ad groups,
/// campaigns and the advertiser are sums of their ads, and hours split a day along a fixed daily curve, so every
/// level and granularity adds up.
struct ReportGenerator: Sendable {
    let catalog: MarketingCatalog

    /// The additive counters behind every metric.
    struct Totals: Sendable, Equatable {
        var impressions = 0
        var clicks = 0
        var spendCents = 0
        var conversions = 0
        var reach = 0
        var videoViews = 0
        var videoWatched2s = 0
        var videoWatched6s = 0
        var likes = 0
        var comments = 0
        var shares = 0
        var follows = 0
        var profileVisits = 0

        static func += (lhs: inout Totals, rhs: Totals) {
            lhs.impressions += rhs.impressions
            lhs.clicks += rhs.clicks
            lhs.spendCents += rhs.spendCents
            lhs.conversions += rhs.conversions
            lhs.reach += rhs.reach
            lhs.videoViews += rhs.videoViews
            lhs.videoWatched2s += rhs.videoWatched2s
            lhs.videoWatched6s += rhs.videoWatched6s
            lhs.likes += rhs.likes
            lhs.comments += rhs.comments
            lhs.shares += rhs.shares
            lhs.follows += rhs.follows
            lhs.profileVisits += rhs.profileVisits
        }

        /// Applies `transform` to every counter.
        func map(_ transform: (Int) -> Int) -> Totals {
            Totals(
                impressions: transform(self.impressions),
                clicks: transform(self.clicks),
                spendCents: transform(self.spendCents),
                conversions: transform(self.conversions),
                reach: transform(self.reach),
                videoViews: transform(self.videoViews),
                videoWatched2s: transform(self.videoWatched2s),
                videoWatched6s: transform(self.videoWatched6s),
                likes: transform(self.likes),
                comments: transform(self.comments),
                shares: transform(self.shares),
                follows: transform(self.follows),
                profileVisits: transform(self.profileVisits)
            )
        }
    }

    /// The metrics the emulator computes (attribute metrics are handled by the route).
    static let numericMetrics: Set<String> = [
        "spend", "impressions", "clicks", "ctr", "cpc", "cpm", "reach", "frequency", "cost_per_1000_reached",
        "conversion", "cost_per_conversion", "conversion_rate", "video_play_actions", "video_watched_2s",
        "video_watched_6s", "likes", "comments", "shares", "follows", "profile_visits",
    ]

    /// The relative weight of each hour of a day (sums to 100).
    private static let hourWeights = [1, 1, 1, 1, 1, 2, 2, 3, 4, 5, 5, 5, 6, 6, 5, 5, 5, 6, 7, 8, 8, 6, 4, 3]

    /// The counters of one ad on one day (days since 1970-01-01).
    func adDay(_ advertiserID: String, _ path: MarketingCatalog.AdPath, day: Int) -> Totals {
        guard self.catalog.isAdEnabled(advertiserID, path) else { return Totals() }
        var random = SplitMix64(
            seed: self.catalog.seed,
            "ad-day",
            advertiserID,
            "\(path.campaign).\(path.adGroup).\(path.ad)",
            String(day)
        )
        var totals = Totals()
        totals.impressions = random.inRange(800...6_000)
        totals.clicks = totals.impressions * random.inRange(5...30) / 1_000
        totals.spendCents = totals.impressions * random.inRange(200...1_200) / 1_000
        totals.conversions = totals.clicks * random.below(12) / 100
        totals.reach = totals.impressions * random.inRange(55...90) / 100
        totals.videoViews = totals.impressions * random.inRange(30...70) / 100
        totals.videoWatched2s = totals.videoViews * random.inRange(40...80) / 100
        totals.videoWatched6s = totals.videoWatched2s * random.inRange(30...70) / 100
        totals.likes = totals.videoViews * random.below(6) / 100
        totals.comments = totals.likes / 10
        totals.shares = totals.likes / 8
        totals.follows = totals.clicks / 20
        totals.profileVisits = totals.clicks / 5
        return totals
    }

    /// The counters of a set of ads on one day.
    func day(_ advertiserID: String, ads: [MarketingCatalog.AdPath], day: Int) -> Totals {
        var totals = Totals()
        for ad in ads {
            totals += self.adDay(advertiserID, ad, day: day)
        }
        return totals
    }

    /// The counters of a set of ads over the days `days`.
    func range(_ advertiserID: String, ads: [MarketingCatalog.AdPath], days: ClosedRange<Int>) -> Totals {
        var totals = Totals()
        for day in days {
            totals += self.day(advertiserID, ads: ads, day: day)
        }
        return totals
    }

    /// The share of a day's counters that falls in `hour` (0–23); the 24 shares add up to the day exactly.
    func hour(_ dayTotals: Totals, hour: Int) -> Totals {
        let totalWeight = Self.hourWeights.reduce(0, +)
        if hour == 23 {
            let earlier = Self.hourWeights.dropLast().reduce(0, +)
            return dayTotals.map { $0 - $0 * earlier / totalWeight }
        }
        let before = Self.hourWeights.prefix(hour).reduce(0, +)
        let through = before + Self.hourWeights[hour]
        return dayTotals.map { $0 * through / totalWeight - $0 * before / totalWeight }
    }

    /// The string value of a numeric metric, as TikTok sends them (`"20.00"`, `"4696"`).
    static func value(of metric: String, _ totals: Totals) -> String {
        let spend = Double(totals.spendCents) / 100
        switch metric {
        case "spend": return self.decimal(spend)
        case "impressions": return String(totals.impressions)
        case "clicks": return String(totals.clicks)
        case "ctr": return self.ratio(Double(totals.clicks) * 100, totals.impressions)
        case "cpc": return self.ratio(spend, totals.clicks)
        case "cpm": return self.ratio(spend * 1_000, totals.impressions)
        case "reach": return String(totals.reach)
        case "frequency": return self.ratio(Double(totals.impressions), totals.reach)
        case "cost_per_1000_reached": return self.ratio(spend * 1_000, totals.reach)
        case "conversion": return String(totals.conversions)
        case "cost_per_conversion": return self.ratio(spend, totals.conversions)
        case "conversion_rate": return self.ratio(Double(totals.conversions) * 100, totals.clicks)
        case "video_play_actions": return String(totals.videoViews)
        case "video_watched_2s": return String(totals.videoWatched2s)
        case "video_watched_6s": return String(totals.videoWatched6s)
        case "likes": return String(totals.likes)
        case "comments": return String(totals.comments)
        case "shares": return String(totals.shares)
        case "follows": return String(totals.follows)
        case "profile_visits": return String(totals.profileVisits)
        default: return "0"
        }
    }

    private static func ratio(_ numerator: Double, _ denominator: Int) -> String {
        denominator == 0 ? "0.00" : self.decimal(numerator / Double(denominator))
    }

    /// A non-negative number with two decimals.
    static func decimal(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        return "\(hundredths / 100).\(CivilDate.pad(hundredths % 100, 2))"
    }
}
