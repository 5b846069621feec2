/// Deterministic integrated-report numbers.
///
/// The ad-day is the unit: every ad gets seeded counters (``ReportCatalogue``) for every day (zero while it does not
/// deliver); ad groups, campaigns and the advertiser are sums of their ads. Hours and audience segments split a
/// total with ``split(_:weights:)``, which keeps every sum exact and every counter within its parent, so every
/// level, granularity and segment adds up and ratios stay consistent.
struct ReportGenerator: Sendable {
    let catalog: MarketingCatalog
    let reports: ReportCatalogue

    init(catalog: MarketingCatalog, reports: ReportCatalogue = .shared) {
        self.catalog = catalog
        self.reports = reports
    }

    /// The additive counters behind every metric, in the catalogue's order.
    struct Totals: Sendable, Equatable {
        var counts: [Int]

        init(count: Int) { self.counts = Array(repeating: 0, count: count) }

        subscript(index: Int) -> Int {
            get { self.counts[index] }
            set { self.counts[index] = newValue }
        }

        static func += (lhs: inout Totals, rhs: Totals) {
            for index in lhs.counts.indices { lhs.counts[index] += rhs.counts[index] }
        }
    }

    /// The relative weight of each hour of a day.
    static let hourWeights = [1, 1, 1, 1, 1, 2, 2, 3, 4, 5, 5, 5, 6, 6, 5, 5, 5, 6, 7, 8, 8, 6, 4, 3]

    /// The counters of one ad on one day (days since 1970-01-01).
    func adDay(_ advertiserID: String, _ path: MarketingCatalog.AdPath, day: Int) -> Totals {
        var totals = Totals(count: self.reports.counters.count)
        guard self.catalog.isAdEnabled(advertiserID, path) else { return totals }
        var random = SplitMix64(
            seed: self.catalog.seed,
            "ad-day",
            advertiserID,
            "\(path.campaign).\(path.adGroup).\(path.ad)",
            String(day)
        )
        for (index, counter) in self.reports.counters.enumerated() {
            switch counter.derivation {
            case .range(let range): totals[index] = random.inRange(range)
            case .perMille(let parent, let share): totals[index] = totals[parent] * random.inRange(share) / 1_000
            case .perUnit(let parent, let value): totals[index] = totals[parent] * random.inRange(value)
            }
        }
        return totals
    }

    /// The counters of a set of ads on one day.
    func day(_ advertiserID: String, ads: [MarketingCatalog.AdPath], day: Int) -> Totals {
        var totals = Totals(count: self.reports.counters.count)
        for ad in ads {
            totals += self.adDay(advertiserID, ad, day: day)
        }
        return totals
    }

    /// The counters of a set of ads over the days `days`.
    func range(_ advertiserID: String, ads: [MarketingCatalog.AdPath], days: ClosedRange<Int>) -> Totals {
        var totals = Totals(count: self.reports.counters.count)
        for day in days {
            totals += self.day(advertiserID, ads: ads, day: day)
        }
        return totals
    }

    /// Splits `totals` into `weights.count` parts that add up to it exactly: root counters in proportion to the
    /// weights, every other counter in proportion to its parent's parts, so no part's counter exceeds its parent's
    /// (a quartile never exceeds the one before it, clicks never exceed impressions).
    func split(_ totals: Totals, weights: [Int]) -> [Totals] {
        var parts = Array(repeating: Totals(count: totals.counts.count), count: weights.count)
        let totalWeight = weights.reduce(0, +)
        for (index, counter) in self.reports.counters.enumerated() {
            let total = totals[index]
            let whole = counter.parent.map { totals[$0] } ?? totalWeight
            guard total > 0, whole > 0 else { continue }
            var cumulative = 0
            var previous = 0
            for part in parts.indices {
                cumulative += counter.parent.map { parts[part][$0] } ?? weights[part]
                // total × cumulative / whole, without overflow for large totals.
                let product = total.multipliedFullWidth(by: cumulative)
                let share = whole.dividingFullWidth(product).quotient
                parts[part][index] = share - previous
                previous = share
            }
        }
        return parts
    }

    /// The share of a day's counters that falls in each hour; the 24 parts add up to the day exactly.
    func hours(_ dayTotals: Totals) -> [Totals] {
        self.split(dayTotals, weights: Self.hourWeights)
    }

    /// The numbers as of a moment: nothing after it. Today holds the hours up to the current one (so today's hours
    /// still add up to today), and later days are empty, as TikTok reports nothing from the future.
    struct AsOf {
        let generator: ReportGenerator
        /// The day (since 1970-01-01) and hour of the moment.
        let today: Int
        let hour: Int

        init(generator: ReportGenerator, now: Double) {
            self.generator = generator
            let seconds = Int(now.rounded(.down))
            self.today = seconds / 86_400
            self.hour = seconds % 86_400 / 3_600
        }

        /// The 24 hours of a day; the ones after the moment are empty.
        func hours(_ advertiserID: String, ads: [MarketingCatalog.AdPath], day: Int) -> [Totals] {
            let empty = Totals(count: self.generator.reports.counters.count)
            guard day <= self.today else { return Array(repeating: empty, count: 24) }
            var hours = self.generator.hours(self.generator.day(advertiserID, ads: ads, day: day))
            if day == self.today {
                for hour in hours.indices where hour > self.hour { hours[hour] = empty }
            }
            return hours
        }

        func day(_ advertiserID: String, ads: [MarketingCatalog.AdPath], day: Int) -> Totals {
            guard day >= self.today else { return self.generator.day(advertiserID, ads: ads, day: day) }
            var totals = Totals(count: self.generator.reports.counters.count)
            for hour in self.hours(advertiserID, ads: ads, day: day) { totals += hour }
            return totals
        }

        func range(_ advertiserID: String, ads: [MarketingCatalog.AdPath], days: ClosedRange<Int>) -> Totals {
            guard days.upperBound >= self.today else { return self.generator.range(advertiserID, ads: ads, days: days) }
            var totals = Totals(count: self.generator.reports.counters.count)
            if days.lowerBound < self.today {
                totals += self.generator.range(advertiserID, ads: ads, days: days.lowerBound...(self.today - 1))
            }
            if days.contains(self.today) { totals += self.day(advertiserID, ads: ads, day: self.today) }
            return totals
        }
    }

    /// The string value of a numeric metric, as TikTok sends them (`"20.00"`, `"4696"`); `nil` for attributes.
    func value(of metric: ReportCatalogue.Metric, _ totals: Totals) -> String? {
        let counters = self.reports.counters
        func amount(_ index: Int) -> Double {
            counters[index].money ? Double(totals[index]) / 100 : Double(totals[index])
        }
        func text(_ index: Int, _ value: Int) -> String {
            counters[index].money ? Self.decimal(Double(value) / 100) : String(value)
        }
        switch metric.kind {
        case .counter(let index):
            return text(index, totals[index])
        case .ratio(let numerator, let denominator, let scale):
            return totals[denominator] == 0
                ? "0.00" : Self.decimal(amount(numerator) * Double(scale) / amount(denominator))
        case .difference(let minuend, let subtrahend):
            return text(minuend, totals[minuend] - totals[subtrahend])
        case .sum(let indices):
            return String(indices.reduce(0) { $0 + totals[$1] })
        case .attribute, .constant:
            return nil
        }
    }

    /// A non-negative number with two decimals.
    static func decimal(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        return "\(hundredths / 100).\(CivilDate.pad(hundredths % 100, 2))"
    }
}
