import Hummingbird

/// `GET /report/integrated/get/`: BASIC and AUDIENCE reports at every data level of ``ReportCatalogue`` (advertiser,
/// campaign, ad group and ad, auction or reservation), by day, hour or over the whole range, with any metric of the
/// catalogue and audience dimensions (gender, age, country, platform, …) that split each row exactly.
struct ReportRoutes: Sendable {
    let state: EmulatorState

    private var catalog: MarketingCatalog { self.state.marketing }
    private var reports: ReportCatalogue { self.state.reports.reports }

    /// A row's subject: one object of the data level, or everything at that level when no id dimension is asked for.
    private enum Entity {
        case advertiser
        case campaign(Int)
        case adGroup(Int, Int)
        case ad(MarketingCatalog.AdPath)
        case aggregate([MarketingCatalog.AdPath])
    }

    /// A row's time bucket.
    private enum Bucket {
        case day(Int)
        case hour(day: Int, hour: Int)
        case range(ClosedRange<Int>)
    }

    private static let idDimensions: Set<String> = ["advertiser_id", "campaign_id", "adgroup_id", "ad_id"]
    /// The most audience segments one report may combine (gender × age × country is 210).
    private static let maximumSegments = 1_000

    func register<Context: RequestContext>(on api: RouterGroup<Context>) {
        api.get("report/integrated/get") { request, _ in try self.report(request) }
    }

    private func report(_ request: Request) throws -> APIResponse {
        let token = try self.state.authenticate(request)
        let query = try QueryParameters(request)
        let advertiserID = try query.required("advertiser_id")
        try self.state.requireAdvertiser(advertiserID, for: token)

        let reportType = try query.required("report_type")
        guard self.reports.reportTypes.contains(reportType) else {
            throw APIError.invalid(
                "report_type", "Must be one of \(self.reports.reportTypes.sorted().joined(separator: ", ")).")
        }
        let dataLevel = try query.required("data_level")
        guard let level = self.reports.dataLevels[dataLevel] else {
            throw APIError.invalid(
                "data_level", "Must be one of \(self.reports.dataLevels.keys.sorted().joined(separator: ", ")).")
        }
        let serviceType = query.optional("service_type") ?? "AUCTION"
        guard serviceType == level.serviceType else {
            throw APIError.invalid("service_type", "data_level \(dataLevel) needs service_type \(level.serviceType).")
        }
        guard let dimensions = try query.stringArray("dimensions"), !dimensions.isEmpty else {
            throw APIError.missing("dimensions")
        }
        try self.validate(dimensions: dimensions, levelDimension: level.dimension, reportType: reportType)
        let hasIDDimension = dimensions.contains(level.dimension)
        let timeDimension = dimensions.first { self.reports.maximumDays[$0] != nil }
        let audience = dimensions.compactMap { name in self.reports.audienceDimensions[name].map { (name, $0) } }

        let metricNames = try query.stringArray("metrics") ?? ["spend", "impressions"]
        var metrics: [ReportCatalogue.Metric] = []
        for name in metricNames {
            guard let metric = self.reports.metrics[name], metric.levels?.contains(level.dimension) ?? true,
                !metric.describesAnObject || hasIDDimension
            else {
                throw APIError.invalid("metrics", "Invalid metric \(name) for data_level \(dataLevel).")
            }
            metrics.append(metric)
        }

        let days = try self.dayRange(query, advertiserID: advertiserID, timeDimension: timeDimension)
        let entities = try self.entities(
            advertiserID: advertiserID,
            levelDimension: level.dimension,
            grouped: hasIDDimension,
            filtering: query.json("filtering")
        )
        let buckets: [Bucket] =
            switch timeDimension {
            case "stat_time_day": days.map(Bucket.day)
            case "stat_time_hour": days.flatMap { day in (0..<24).map { Bucket.hour(day: day, hour: $0) } }
            default: [.range(days)]
            }
        // Audience segments: every combination of the asked audience dimensions' values, weighted by their product.
        let combinations = audience.reduce(1) { $0 * $1.1.values.count }
        guard combinations <= Self.maximumSegments else {
            throw APIError.invalid(
                "dimensions",
                "Too many audience dimensions: \(combinations) combinations (at most \(Self.maximumSegments)).")
        }
        var segments: [(values: [String], weight: Int)] = [([], 1)]
        for (_, dimension) in audience {
            segments = segments.flatMap { segment in
                zip(dimension.values, dimension.weights).map { (segment.values + [$0], segment.weight * $1) }
            }
        }
        let segmentWeights = segments.map(\.weight)

        let page = try PageInfo(query, totalNumber: entities.count * buckets.count * segments.count)
        let clock = ReportGenerator.AsOf(generator: self.state.reports, now: self.state.now())
        let currency = self.catalog.advertiserInfo(advertiserID)["currency"] ?? "USD"
        var adsCache: [Int: [MarketingCatalog.AdPath]] = [:]
        var rows: [JSONValue] = []
        rows.reserveCapacity(page.range.count)
        // Rows run entity by entity, then bucket by bucket, then segment by segment: an entity's attributes, a day's
        // hours and a bucket's segments are worked out once for all the rows that share them.
        var entityRow: (index: Int, id: JSONValue, attributes: [String: JSONValue]) = (-1, .null, [:])
        var dayHours: (key: [Int], hours: [ReportGenerator.Totals]) = ([], [])
        var bucketSegments: (key: [Int], parts: [ReportGenerator.Totals]) = ([], [])
        for index in page.range {
            let segmentIndex = index % segments.count
            let bucketIndex = (index / segments.count) % buckets.count
            let entityIndex = index / (segments.count * buckets.count)
            let entity = entities[entityIndex]
            let bucket = buckets[bucketIndex]
            let ads = adsCache[entityIndex] ?? self.ads(of: entity, advertiserID: advertiserID)
            adsCache[entityIndex] = ads
            if bucketSegments.key != [entityIndex, bucketIndex] {
                let totals: ReportGenerator.Totals
                switch bucket {
                case .day(let day):
                    totals = clock.day(advertiserID, ads: ads, day: day)
                case .hour(let day, let hour):
                    if dayHours.key != [entityIndex, day] {
                        dayHours = ([entityIndex, day], clock.hours(advertiserID, ads: ads, day: day))
                    }
                    totals = dayHours.hours[hour]
                case .range(let days):
                    totals = clock.range(advertiserID, ads: ads, days: days)
                }
                let parts = segments.count == 1 ? [totals] : self.state.reports.split(totals, weights: segmentWeights)
                bucketSegments = ([entityIndex, bucketIndex], parts)
            }
            let totals = bucketSegments.parts[segmentIndex]
            if entityRow.index != entityIndex {
                var attributes: [String: JSONValue] = [:]
                for metric in metrics {
                    switch metric.kind {
                    case .attribute(let attribute):
                        attributes[metric.name] =
                            attribute == "currency"
                            ? currency : .string(self.attribute(attribute, of: entity, advertiserID: advertiserID))
                    case .constant(let value): attributes[metric.name] = .string(value)
                    default: break
                    }
                }
                let id: JSONValue = hasIDDimension ? .string(self.id(of: entity, advertiserID: advertiserID)) : .null
                entityRow = (entityIndex, id, attributes)
            }

            var dimensionValues: [(String, JSONValue)] = []
            var audienceIndex = 0
            for dimension in dimensions {
                if self.reports.maximumDays[dimension] != nil {
                    dimensionValues.append((dimension, .string(Self.timeLabel(bucket))))
                } else if self.reports.audienceDimensions[dimension] != nil {
                    dimensionValues.append((dimension, .string(segments[segmentIndex].values[audienceIndex])))
                    audienceIndex += 1
                } else {
                    dimensionValues.append((dimension, entityRow.id))
                }
            }
            var metricValues: [(String, JSONValue)] = []
            for metric in metrics {
                let value = self.state.reports.value(of: metric, totals).map(JSONValue.string)
                metricValues.append((metric.name, value ?? entityRow.attributes[metric.name] ?? ""))
            }
            rows.append(["dimensions": .object(dimensionValues), "metrics": .object(metricValues)])
        }
        var data: [(String, JSONValue)] = [("list", .array(rows)), ("page_info", page.json)]
        if try query.bool("enable_total_metrics") == true {
            // The whole report's totals: every ad of its objects over its days (audience segments add up to it).
            var seen = Set<MarketingCatalog.AdPath>()
            var allAds: [MarketingCatalog.AdPath] = []
            for entityIndex in entities.indices {
                for ad in adsCache[entityIndex] ?? self.ads(of: entities[entityIndex], advertiserID: advertiserID)
                where seen.insert(ad).inserted {
                    allAds.append(ad)
                }
            }
            let totals = clock.range(advertiserID, ads: allAds, days: days)
            let values: [(String, JSONValue)] = metrics.compactMap { metric in
                self.state.reports.value(of: metric, totals).map { (metric.name, .string($0)) }
            }
            data.append(("total_metrics", .object(values)))
        }
        return APIResponse(.object(data))
    }

    // MARK: Validation

    private func validate(dimensions: [String], levelDimension: String, reportType: String) throws(APIError) {
        guard Set(dimensions).count == dimensions.count else {
            throw APIError.invalid("dimensions", "Duplicate dimension.")
        }
        for dimension in dimensions {
            if Self.idDimensions.contains(dimension) {
                guard dimension == levelDimension else {
                    throw APIError.invalid("dimensions", "Dimension \(dimension) does not match the data_level.")
                }
            } else if let audience = self.reports.audienceDimensions[dimension] {
                guard audience.reportTypes.contains(reportType) else {
                    throw APIError.invalid(
                        "dimensions", "Invalid dimension \(dimension) for report_type \(reportType).")
                }
            } else if self.reports.maximumDays[dimension] == nil {
                throw APIError.invalid("dimensions", "Invalid dimension \(dimension).")
            }
        }
        guard dimensions.filter({ self.reports.maximumDays[$0] != nil }).count <= 1 else {
            throw APIError.invalid("dimensions", "At most one time dimension.")
        }
    }

    /// The report's days: `start_date…end_date` (at most the catalogue's days per time dimension: 30 by day, 1 by
    /// hour, and three years without one), or the advertiser's lifetime with `query_lifetime=true`.
    private func dayRange(
        _ query: QueryParameters,
        advertiserID: String,
        timeDimension: String?
    ) throws(APIError) -> ClosedRange<Int> {
        if try query.bool("query_lifetime") == true {
            guard timeDimension == nil else {
                throw APIError.invalid("query_lifetime", "Cannot be combined with a time dimension.")
            }
            let created = self.catalog.advertiserInfo(advertiserID)["create_time"]?.intValue ?? 0
            let today = Int(self.state.now()) / 86_400
            return (created / 86_400)...max(created / 86_400, today)
        }
        let start = try Self.date(query, "start_date")
        let end = try Self.date(query, "end_date")
        guard start <= end else { throw APIError.invalid("end_date", "Must not be earlier than start_date.") }
        let count = end.dayNumber - start.dayNumber + 1
        let limit =
            timeDimension.flatMap { self.reports.maximumDays[$0] } ?? self.reports.maximumDaysWithoutTimeDimension
        guard count <= limit else {
            throw APIError.invalid(
                "end_date",
                "The date range must not exceed \(limit) day\(limit == 1 ? "" : "s") for this query."
            )
        }
        return start.dayNumber...end.dayNumber
    }

    private static func date(_ query: QueryParameters, _ name: String) throws(APIError) -> CivilDate {
        guard let date = CivilDate(parsing: try query.required(name)) else {
            throw APIError.invalid(name, "Must be a date in the format YYYY-MM-DD.")
        }
        return date
    }

    // MARK: Entities

    private func entities(
        advertiserID: String,
        levelDimension: String,
        grouped: Bool,
        filtering: JSONValue?
    ) throws(APIError) -> [Entity] {
        let filters = try Self.filters(filtering)
        let campaignFilter = filters["campaign_ids"]
        let adGroupFilter = filters["adgroup_ids"]
        let adFilter = filters["ad_ids"]
        let keepCampaign = { (campaign: Int) in
            campaignFilter.map { $0.contains(self.catalog.campaignID(advertiserID, campaign)) } ?? true
        }
        let keepAdGroup = { (campaign: Int, adGroup: Int) in
            keepCampaign(campaign)
                && (adGroupFilter.map { $0.contains(self.catalog.adGroupID(advertiserID, campaign, adGroup)) } ?? true)
        }
        let keepAd = { (path: MarketingCatalog.AdPath) in
            keepAdGroup(path.campaign, path.adGroup)
                && (adFilter.map { $0.contains(self.catalog.adID(advertiserID, path)) } ?? true)
        }
        let all: [Entity]
        switch levelDimension {
        case "campaign_id":
            all = (0..<self.catalog.campaignCount(advertiserID)).filter(keepCampaign).map(Entity.campaign)
        case "adgroup_id":
            all = self.catalog.adGroupPaths(advertiserID).filter { keepAdGroup($0.campaign, $0.adGroup) }
                .map { Entity.adGroup($0.campaign, $0.adGroup) }
        case "ad_id":
            all = self.catalog.adPaths(advertiserID).filter(keepAd).map(Entity.ad)
        default:
            all = [.advertiser]
        }
        if grouped { return all }
        let ads =
            filters.isEmpty ? self.catalog.adPaths(advertiserID) : self.catalog.adPaths(advertiserID).filter(keepAd)
        return [.aggregate(ads)]
    }

    /// Report filtering: `[{"field_name":"campaign_ids","filter_type":"IN","filter_value":"[\"1\"]"}]`, or an object
    /// `{"campaign_ids":["1"]}`.
    private static func filters(_ filtering: JSONValue?) throws(APIError) -> [String: Set<String>] {
        guard let filtering else { return [:] }
        var result: [String: Set<String>] = [:]
        if let members = filtering.objectValue {
            for (key, value) in members where ["campaign_ids", "adgroup_ids", "ad_ids"].contains(key) {
                result[key] = Set(try QueryParameters.strings(value, name: "filtering.\(key)"))
            }
            return result
        }
        guard let conditions = filtering.arrayValue else {
            throw APIError.invalid("filtering", "Must be a JSON array of filter conditions.")
        }
        for condition in conditions {
            guard let field = condition["field_name"]?.stringValue, let value = condition["filter_value"] else {
                throw APIError.invalid("filtering", "Every condition needs field_name and filter_value.")
            }
            guard ["campaign_ids", "adgroup_ids", "ad_ids"].contains(field) else { continue }
            let list: JSONValue
            if case .string(let text) = value {
                guard let parsed = JSONValue.parse(text) else {
                    throw APIError.invalid("filtering", "filter_value of \(field) must be a JSON array.")
                }
                list = parsed
            } else {
                list = value
            }
            result[field] = Set(try QueryParameters.strings(list, name: "filtering.\(field)"))
        }
        return result
    }

    private func ads(of entity: Entity, advertiserID: String) -> [MarketingCatalog.AdPath] {
        switch entity {
        case .advertiser:
            return self.catalog.adPaths(advertiserID)
        case .campaign(let campaign):
            return self.catalog.adGroupPaths(advertiserID, campaigns: [campaign]).flatMap { path in
                (0..<self.catalog.adCount(advertiserID, campaign: campaign, adGroup: path.adGroup)).map {
                    MarketingCatalog.AdPath(campaign: campaign, adGroup: path.adGroup, ad: $0)
                }
            }
        case .adGroup(let campaign, let adGroup):
            return (0..<self.catalog.adCount(advertiserID, campaign: campaign, adGroup: adGroup)).map {
                MarketingCatalog.AdPath(campaign: campaign, adGroup: adGroup, ad: $0)
            }
        case .ad(let path):
            return [path]
        case .aggregate(let ads):
            return ads
        }
    }

    private func id(of entity: Entity, advertiserID: String) -> String {
        switch entity {
        case .advertiser, .aggregate: advertiserID
        case .campaign(let campaign): self.catalog.campaignID(advertiserID, campaign)
        case .adGroup(let campaign, let adGroup): self.catalog.adGroupID(advertiserID, campaign, adGroup)
        case .ad(let path): self.catalog.adID(advertiserID, path)
        }
    }

    /// An attribute metric of a row's object: its names and parents' ids, or a field of its `/…/get/` object.
    private func attribute(_ attribute: String, of entity: Entity, advertiserID: String) -> String {
        switch attribute {
        case "advertiser_name": return self.catalog.advertiserName(advertiserID)
        case "advertiser_id": return advertiserID
        default: break
        }
        let position: (campaign: Int, adGroup: Int?, ad: MarketingCatalog.AdPath?)
        switch entity {
        case .campaign(let campaign): position = (campaign, nil, nil)
        case .adGroup(let campaign, let adGroup): position = (campaign, adGroup, nil)
        case .ad(let path): position = (path.campaign, path.adGroup, path)
        case .advertiser, .aggregate: return ""
        }
        func field(_ object: JSONValue, _ name: String) -> String {
            switch object[name] {
            case .string(let text): text
            case .int(let number): String(number)
            case .double(let number): ReportGenerator.decimal(number)
            default: ""
            }
        }
        switch attribute {
        case "campaign_name": return self.catalog.campaignName(advertiserID, position.campaign)
        case "campaign_id": return self.catalog.campaignID(advertiserID, position.campaign)
        case "objective_type": return field(self.catalog.campaign(advertiserID, position.campaign), "objective_type")
        case "campaign_budget": return field(self.catalog.campaign(advertiserID, position.campaign), "budget")
        case "adgroup_name":
            return position.adGroup.map { self.catalog.adGroupName(advertiserID, position.campaign, $0) } ?? ""
        case "adgroup_id":
            return position.adGroup.map { self.catalog.adGroupID(advertiserID, position.campaign, $0) } ?? ""
        case "placement_type", "budget":
            return position.adGroup.map { field(self.catalog.adGroup(advertiserID, position.campaign, $0), attribute) }
                ?? ""
        case "ad_name": return position.ad.map { self.catalog.adName(advertiserID, $0) } ?? ""
        case "ad_text", "call_to_action":
            return position.ad.map { field(self.catalog.ad(advertiserID, $0), attribute) } ?? ""
        default: return ""
        }
    }

    private static func timeLabel(_ bucket: Bucket) -> String {
        switch bucket {
        case .day(let day): "\(CivilDate(dayNumber: day).iso) 00:00:00"
        case .hour(let day, let hour): "\(CivilDate(dayNumber: day).iso) \(CivilDate.pad(hour, 2)):00:00"
        case .range(let days): CivilDate(dayNumber: days.lowerBound).iso
        }
    }
}
