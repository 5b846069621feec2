import Hummingbird

/// `GET /report/integrated/get/`: BASIC reports at advertiser, campaign, ad group and ad level, by day, hour or
/// over the whole range.
struct ReportRoutes: Sendable {
    let state: EmulatorState

    private var catalog: MarketingCatalog { self.state.marketing }

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

    private static let levels: [String: String] = [
        "AUCTION_ADVERTISER": "advertiser_id",
        "AUCTION_CAMPAIGN": "campaign_id",
        "AUCTION_ADGROUP": "adgroup_id",
        "AUCTION_AD": "ad_id",
    ]
    private static let idDimensions: Set<String> = ["advertiser_id", "campaign_id", "adgroup_id", "ad_id"]
    private static let timeDimensions: Set<String> = ["stat_time_day", "stat_time_hour"]
    /// Attribute metrics and the levels that have them.
    private static let attributeMetrics: [String: Set<String>] = [
        "campaign_name": ["campaign_id", "adgroup_id", "ad_id"],
        "campaign_id": ["adgroup_id", "ad_id"],
        "adgroup_name": ["adgroup_id", "ad_id"],
        "adgroup_id": ["ad_id"],
        "ad_name": ["ad_id"],
        "currency": ["advertiser_id", "campaign_id", "adgroup_id", "ad_id"],
    ]

    func register<Context: RequestContext>(on api: RouterGroup<Context>) {
        api.get("report/integrated/get") { request, _ in try self.report(request) }
    }

    private func report(_ request: Request) throws -> APIResponse {
        let token = try self.state.authenticate(request)
        let query = QueryParameters(request)
        let advertiserID = try query.required("advertiser_id")
        try self.state.requireAdvertiser(advertiserID, for: token)

        let reportType = try query.required("report_type")
        guard reportType == "BASIC" else {
            throw APIError.invalid("report_type", "The emulator supports BASIC reports only.")
        }
        let dataLevel = try query.required("data_level")
        guard let levelDimension = Self.levels[dataLevel] else {
            throw APIError.invalid("data_level", "Must be one of \(Self.levels.keys.sorted().joined(separator: ", ")).")
        }
        guard let dimensions = try query.stringArray("dimensions"), !dimensions.isEmpty else {
            throw APIError.missing("dimensions")
        }
        try Self.validate(dimensions: dimensions, levelDimension: levelDimension)
        let hasIDDimension = dimensions.contains(levelDimension)
        let timeDimension = dimensions.first(where: Self.timeDimensions.contains)

        let metrics = try query.stringArray("metrics") ?? ["spend", "impressions"]
        for metric in metrics where !ReportGenerator.numericMetrics.contains(metric) {
            guard let levels = Self.attributeMetrics[metric], hasIDDimension, levels.contains(levelDimension) else {
                throw APIError.invalid("metrics", "Invalid metric \(metric) for data_level \(dataLevel).")
            }
        }

        let days = try self.dayRange(query, advertiserID: advertiserID, timeDimension: timeDimension)
        let entities = try self.entities(
            advertiserID: advertiserID,
            levelDimension: levelDimension,
            grouped: hasIDDimension,
            filtering: query.json("filtering")
        )
        let buckets: [Bucket] =
            switch timeDimension {
            case "stat_time_day": days.map(Bucket.day)
            case "stat_time_hour": days.flatMap { day in (0..<24).map { Bucket.hour(day: day, hour: $0) } }
            default: [.range(days)]
            }

        let page = try PageInfo(query, totalNumber: entities.count * buckets.count)
        let currency = self.catalog.advertiserInfo(advertiserID)["currency"] ?? "USD"
        var adsCache: [Int: [MarketingCatalog.AdPath]] = [:]
        var rows: [JSONValue] = []
        rows.reserveCapacity(page.range.count)
        // Rows run entity by entity: an entity's id and attributes are worked out once for all its time buckets.
        var entityRow: (index: Int, id: JSONValue, attributes: [String: JSONValue]) = (-1, .null, [:])
        for index in page.range {
            let entityIndex = index / buckets.count
            let entity = entities[entityIndex]
            let bucket = buckets[index % buckets.count]
            let ads = adsCache[entityIndex] ?? self.ads(of: entity, advertiserID: advertiserID)
            adsCache[entityIndex] = ads
            let totals = self.totals(advertiserID: advertiserID, ads: ads, bucket: bucket)
            if entityRow.index != entityIndex {
                var attributes: [String: JSONValue] = [:]
                for metric in metrics where !ReportGenerator.numericMetrics.contains(metric) && metric != "currency" {
                    attributes[metric] = .string(self.attribute(metric, of: entity, advertiserID: advertiserID))
                }
                let id: JSONValue = hasIDDimension ? .string(self.id(of: entity, advertiserID: advertiserID)) : .null
                entityRow = (entityIndex, id, attributes)
            }

            var dimensionValues: [(String, JSONValue)] = []
            for dimension in dimensions {
                switch dimension {
                case "stat_time_day", "stat_time_hour":
                    dimensionValues.append((dimension, .string(Self.timeLabel(bucket))))
                default:
                    dimensionValues.append((dimension, entityRow.id))
                }
            }
            var metricValues: [(String, JSONValue)] = []
            for metric in metrics {
                if ReportGenerator.numericMetrics.contains(metric) {
                    metricValues.append((metric, .string(ReportGenerator.value(of: metric, totals))))
                } else if metric == "currency" {
                    metricValues.append((metric, currency))
                } else {
                    metricValues.append((metric, entityRow.attributes[metric] ?? ""))
                }
            }
            rows.append(["dimensions": .object(dimensionValues), "metrics": .object(metricValues)])
        }
        return APIResponse(["list": .array(rows), "page_info": page.json])
    }

    // MARK: Validation

    private static func validate(dimensions: [String], levelDimension: String) throws(APIError) {
        guard Set(dimensions).count == dimensions.count else {
            throw APIError.invalid("dimensions", "Duplicate dimension.")
        }
        for dimension in dimensions {
            if self.idDimensions.contains(dimension) {
                guard dimension == levelDimension else {
                    throw APIError.invalid("dimensions", "Dimension \(dimension) does not match the data_level.")
                }
            } else if !self.timeDimensions.contains(dimension) {
                throw APIError.invalid("dimensions", "Invalid dimension \(dimension).")
            }
        }
        guard dimensions.filter(self.timeDimensions.contains).count <= 1 else {
            throw APIError.invalid("dimensions", "At most one time dimension.")
        }
    }

    /// The report's days: `start_date…end_date` (30 days at most by day, 1 by hour, 365 otherwise), or the
    /// advertiser's lifetime with `query_lifetime=true`.
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
            switch timeDimension {
            case "stat_time_day": 30
            case "stat_time_hour": 1
            default: 365
            }
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

    private func totals(advertiserID: String, ads: [MarketingCatalog.AdPath], bucket: Bucket) -> ReportGenerator.Totals
    {
        switch bucket {
        case .day(let day):
            return self.state.reports.day(advertiserID, ads: ads, day: day)
        case .hour(let day, let hour):
            return self.state.reports.hour(self.state.reports.day(advertiserID, ads: ads, day: day), hour: hour)
        case .range(let days):
            return self.state.reports.range(advertiserID, ads: ads, days: days)
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

    private func attribute(_ metric: String, of entity: Entity, advertiserID: String) -> String {
        let position: (campaign: Int, adGroup: Int?, ad: MarketingCatalog.AdPath?)
        switch entity {
        case .campaign(let campaign): position = (campaign, nil, nil)
        case .adGroup(let campaign, let adGroup): position = (campaign, adGroup, nil)
        case .ad(let path): position = (path.campaign, path.adGroup, path)
        case .advertiser, .aggregate: return ""
        }
        switch metric {
        case "campaign_name": return self.catalog.campaignName(advertiserID, position.campaign)
        case "campaign_id": return self.catalog.campaignID(advertiserID, position.campaign)
        case "adgroup_name":
            return position.adGroup.map { self.catalog.adGroupName(advertiserID, position.campaign, $0) } ?? ""
        case "adgroup_id":
            return position.adGroup.map { self.catalog.adGroupID(advertiserID, position.campaign, $0) } ?? ""
        case "ad_name": return position.ad.map { self.catalog.adName(advertiserID, $0) } ?? ""
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
