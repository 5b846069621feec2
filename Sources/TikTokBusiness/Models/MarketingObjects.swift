import Foundation

/// An advertiser account (`/advertiser/info/`): the common fields, and the whole object in ``raw``.
public struct Advertiser: Sendable, Hashable, Decodable {
    /// The advertiser id.
    public var id: String
    /// The advertiser's name.
    public var name: String?
    /// The account currency, e.g. `USD`.
    public var currency: String?
    /// The account time zone.
    public var timezone: String?
    /// The account status, e.g. `STATUS_ENABLE`.
    public var status: String?
    /// The whole object as TikTok sent it.
    ///
    /// Built from the response bytes the value keeps, each time it is read, so that decoding costs nothing for it.
    /// Setting it replaces those bytes with the value set.
    public var raw: JSONValue {
        get { rawStorage.value }
        set { rawStorage = LazyJSON(newValue) }
    }
    private var rawStorage: LazyJSON

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        id = try container.lenientString(AnyCodingKey("advertiser_id")) ?? ""
        name = try container.lenientString(AnyCodingKey("name"))
        currency = try container.lenientString(AnyCodingKey("currency"))
        timezone = try container.lenientString(AnyCodingKey("timezone"))
        status = try container.lenientString(AnyCodingKey("status"))
        rawStorage = LazyJSON(try JSONValue(from: decoder))
    }
}

/// A campaign (`/campaign/get/`): the common fields, and the whole object in ``raw``.
public struct Campaign: Sendable, Hashable, Decodable {
    /// The campaign id.
    public var id: String
    /// The campaign's name.
    public var name: String?
    /// The advertiser it belongs to.
    public var advertiserID: String?
    /// The budget.
    public var budget: Double?
    /// The budget mode, e.g. `BUDGET_MODE_DAY`.
    public var budgetMode: String?
    /// The objective, e.g. `TRAFFIC`.
    public var objectiveType: String?
    /// The secondary status, e.g. `CAMPAIGN_STATUS_ENABLE`.
    public var secondaryStatus: String?
    /// The operation status, `ENABLE` or `DISABLE`.
    public var operationStatus: String?
    /// Creation time as TikTok formats it, `YYYY-MM-DD HH:MM:SS` (UTC).
    public var createTime: String?
    /// The whole object as TikTok sent it.
    ///
    /// Built from the response bytes the value keeps, each time it is read, so that decoding costs nothing for it.
    /// Setting it replaces those bytes with the value set.
    public var raw: JSONValue {
        get { rawStorage.value }
        set { rawStorage = LazyJSON(newValue) }
    }
    private var rawStorage: LazyJSON

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        id = try container.lenientString(AnyCodingKey("campaign_id")) ?? ""
        name = try container.lenientString(AnyCodingKey("campaign_name"))
        advertiserID = try container.lenientString(AnyCodingKey("advertiser_id"))
        budget = try container.lenientDouble(AnyCodingKey("budget"))
        budgetMode = try container.lenientString(AnyCodingKey("budget_mode"))
        objectiveType = try container.lenientString(AnyCodingKey("objective_type"))
        secondaryStatus = try container.lenientString(AnyCodingKey("secondary_status"))
        operationStatus = try container.lenientString(AnyCodingKey("operation_status"))
        createTime = try container.lenientString(AnyCodingKey("create_time"))
        rawStorage = LazyJSON(try JSONValue(from: decoder))
    }
}

/// An ad group (`/adgroup/get/`): the common fields, and the whole object in ``raw``.
public struct AdGroup: Sendable, Hashable, Decodable {
    /// The ad group id.
    public var id: String
    /// The ad group's name.
    public var name: String?
    /// The campaign it belongs to.
    public var campaignID: String?
    /// The advertiser it belongs to.
    public var advertiserID: String?
    /// The budget.
    public var budget: Double?
    /// The secondary status.
    public var secondaryStatus: String?
    /// The operation status.
    public var operationStatus: String?
    /// Creation time, `YYYY-MM-DD HH:MM:SS`.
    public var createTime: String?
    /// The whole object as TikTok sent it.
    ///
    /// Built from the response bytes the value keeps, each time it is read, so that decoding costs nothing for it.
    /// Setting it replaces those bytes with the value set.
    public var raw: JSONValue {
        get { rawStorage.value }
        set { rawStorage = LazyJSON(newValue) }
    }
    private var rawStorage: LazyJSON

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        id = try container.lenientString(AnyCodingKey("adgroup_id")) ?? ""
        name = try container.lenientString(AnyCodingKey("adgroup_name"))
        campaignID = try container.lenientString(AnyCodingKey("campaign_id"))
        advertiserID = try container.lenientString(AnyCodingKey("advertiser_id"))
        budget = try container.lenientDouble(AnyCodingKey("budget"))
        secondaryStatus = try container.lenientString(AnyCodingKey("secondary_status"))
        operationStatus = try container.lenientString(AnyCodingKey("operation_status"))
        createTime = try container.lenientString(AnyCodingKey("create_time"))
        rawStorage = LazyJSON(try JSONValue(from: decoder))
    }
}

/// An ad (`/ad/get/`): the common fields, and the whole object in ``raw``.
public struct Ad: Sendable, Hashable, Decodable {
    /// The ad id.
    public var id: String
    /// The ad's name.
    public var name: String?
    /// The ad group it belongs to.
    public var adGroupID: String?
    /// The campaign it belongs to.
    public var campaignID: String?
    /// The advertiser it belongs to.
    public var advertiserID: String?
    /// The secondary status.
    public var secondaryStatus: String?
    /// The operation status.
    public var operationStatus: String?
    /// Creation time, `YYYY-MM-DD HH:MM:SS`.
    public var createTime: String?
    /// The whole object as TikTok sent it.
    ///
    /// Built from the response bytes the value keeps, each time it is read, so that decoding costs nothing for it.
    /// Setting it replaces those bytes with the value set.
    public var raw: JSONValue {
        get { rawStorage.value }
        set { rawStorage = LazyJSON(newValue) }
    }
    private var rawStorage: LazyJSON

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        id = try container.lenientString(AnyCodingKey("ad_id")) ?? ""
        name = try container.lenientString(AnyCodingKey("ad_name"))
        adGroupID = try container.lenientString(AnyCodingKey("adgroup_id"))
        campaignID = try container.lenientString(AnyCodingKey("campaign_id"))
        advertiserID = try container.lenientString(AnyCodingKey("advertiser_id"))
        secondaryStatus = try container.lenientString(AnyCodingKey("secondary_status"))
        operationStatus = try container.lenientString(AnyCodingKey("operation_status"))
        createTime = try container.lenientString(AnyCodingKey("create_time"))
        rawStorage = LazyJSON(try JSONValue(from: decoder))
    }
}

/// A row of an integrated report: its dimension values and metric values, as TikTok's strings.
public struct ReportRow: Sendable, Hashable, Decodable {
    /// Dimension values by name, e.g. `["campaign_id": "…", "stat_time_day": "2026-01-01 00:00:00"]`.
    public var dimensions: [String: String]
    /// Metric values by name, e.g. `["spend": "20.00", "impressions": "4696"]`.
    public var metrics: [String: String]

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        func strings(_ key: String) throws -> [String: String] {
            let object = try container.decodeIfPresent([String: JSONValue].self, forKey: AnyCodingKey(key)) ?? [:]
            return object.compactMapValues(\.stringValue)
        }
        dimensions = try strings("dimensions")
        metrics = try strings("metrics")
    }

    /// A metric as a number, when it is numeric.
    public func metric(_ name: String) -> Double? { metrics[name].flatMap(Double.init) }
}

/// What to ask `/report/integrated/get/` for.
public struct ReportQuery: Sendable, Hashable {
    /// The advertiser.
    public var advertiserID: String
    /// `BASIC` (default), `AUDIENCE`, …
    public var reportType: String
    /// `AUCTION_CAMPAIGN` (default), `AUCTION_ADGROUP`, `AUCTION_AD`, `AUCTION_ADVERTISER`.
    public var dataLevel: String
    /// Dimensions, e.g. `["campaign_id", "stat_time_day"]`.
    public var dimensions: [String]
    /// Metrics, e.g. `["spend", "impressions"]`.
    public var metrics: [String]
    /// First day, `YYYY-MM-DD`.
    public var startDate: String
    /// Last day, `YYYY-MM-DD`; at most 30 days after `startDate` for daily data.
    public var endDate: String
    /// Optional filtering, sent JSON-encoded.
    public var filtering: JSONValue?
    /// Rows per page (up to 1000). Default 100.
    public var pageSize: Int

    /// Creates a query.
    public init(
        advertiserID: String, reportType: String = "BASIC", dataLevel: String = "AUCTION_CAMPAIGN",
        dimensions: [String], metrics: [String], startDate: String, endDate: String, filtering: JSONValue? = nil,
        pageSize: Int = 100
    ) {
        self.advertiserID = advertiserID
        self.reportType = reportType
        self.dataLevel = dataLevel
        self.dimensions = dimensions
        self.metrics = metrics
        self.startDate = startDate
        self.endDate = endDate
        self.filtering = filtering
        self.pageSize = pageSize
    }
}

// MARK: - Decoding straight from the response bytes

extension Advertiser: JSONNodeDecodable {
    private enum Field: Int, JSONFieldKey {
        case id, name, currency, timezone, status
        static let keys = JSONKeys(["advertiser_id", "name", "currency", "timezone", "status"])
    }

    init(jsonNode node: JSONNode) throws {
        let object = try node.fields(for: Self.self, keyedBy: Field.self)
        id = object.lenientString(.id) ?? ""
        name = object.lenientString(.name)
        currency = object.lenientString(.currency)
        timezone = object.lenientString(.timezone)
        status = object.lenientString(.status)
        rawStorage = object.object.lazyValue
    }
}

extension Campaign: JSONNodeDecodable {
    private enum Field: Int, JSONFieldKey {
        case id, name, advertiserID, budget, budgetMode, objectiveType, secondaryStatus, operationStatus, createTime
        static let keys = JSONKeys([
            "campaign_id", "campaign_name", "advertiser_id", "budget", "budget_mode", "objective_type",
            "secondary_status", "operation_status", "create_time",
        ])
    }

    init(jsonNode node: JSONNode) throws {
        let object = try node.fields(for: Self.self, keyedBy: Field.self)
        id = object.lenientString(.id) ?? ""
        name = object.lenientString(.name)
        advertiserID = object.lenientString(.advertiserID)
        budget = object.lenientDouble(.budget)
        budgetMode = object.lenientString(.budgetMode)
        objectiveType = object.lenientString(.objectiveType)
        secondaryStatus = object.lenientString(.secondaryStatus)
        operationStatus = object.lenientString(.operationStatus)
        createTime = object.lenientString(.createTime)
        rawStorage = object.object.lazyValue
    }
}

extension AdGroup: JSONNodeDecodable {
    private enum Field: Int, JSONFieldKey {
        case id, name, campaignID, advertiserID, budget, secondaryStatus, operationStatus, createTime
        static let keys = JSONKeys([
            "adgroup_id", "adgroup_name", "campaign_id", "advertiser_id", "budget", "secondary_status",
            "operation_status", "create_time",
        ])
    }

    init(jsonNode node: JSONNode) throws {
        let object = try node.fields(for: Self.self, keyedBy: Field.self)
        id = object.lenientString(.id) ?? ""
        name = object.lenientString(.name)
        campaignID = object.lenientString(.campaignID)
        advertiserID = object.lenientString(.advertiserID)
        budget = object.lenientDouble(.budget)
        secondaryStatus = object.lenientString(.secondaryStatus)
        operationStatus = object.lenientString(.operationStatus)
        createTime = object.lenientString(.createTime)
        rawStorage = object.object.lazyValue
    }
}

extension Ad: JSONNodeDecodable {
    private enum Field: Int, JSONFieldKey {
        case id, name, adGroupID, campaignID, advertiserID, secondaryStatus, operationStatus, createTime
        static let keys = JSONKeys([
            "ad_id", "ad_name", "adgroup_id", "campaign_id", "advertiser_id", "secondary_status", "operation_status",
            "create_time",
        ])
    }

    init(jsonNode node: JSONNode) throws {
        let object = try node.fields(for: Self.self, keyedBy: Field.self)
        id = object.lenientString(.id) ?? ""
        name = object.lenientString(.name)
        adGroupID = object.lenientString(.adGroupID)
        campaignID = object.lenientString(.campaignID)
        advertiserID = object.lenientString(.advertiserID)
        secondaryStatus = object.lenientString(.secondaryStatus)
        operationStatus = object.lenientString(.operationStatus)
        createTime = object.lenientString(.createTime)
        rawStorage = object.object.lazyValue
    }
}

extension ReportRow: JSONNodeDecodable {
    init(jsonNode node: JSONNode) throws {
        let object = try node.object(for: Self.self)
        dimensions = try object.lenientStringMap("dimensions")
        metrics = try object.lenientStringMap("metrics")
    }
}
