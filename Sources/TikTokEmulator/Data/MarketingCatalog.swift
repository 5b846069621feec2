/// The seeded Marketing API objects of every advertiser: account info, campaigns, ad groups and ads.
///
/// Nothing is stored: every object is a pure function of the seed, the advertiser id and its position. Object ids
/// embed the advertiser and the position (`17` + 12-digit advertiser key + campaign index for campaigns, `18…` for ad
/// groups, `19…` for ads), so an id can be checked and located without a lookup table.
struct MarketingCatalog: Sendable {
    let seed: UInt64

    /// A position in an advertiser's campaign tree.
    struct AdPath: Sendable, Hashable {
        let campaign: Int
        let adGroup: Int
        let ad: Int
    }

    private static let currencies = ["USD", "USD", "EUR", "GBP", "JPY", "AUD", "CAD", "BRL"]
    private static let places: [(country: String, timezone: String)] = [
        ("US", "America/Los_Angeles"), ("US", "America/New_York"), ("GB", "Europe/London"), ("DE", "Europe/Berlin"),
        ("FR", "Europe/Paris"), ("JP", "Asia/Tokyo"), ("AU", "Australia/Sydney"), ("BR", "America/Sao_Paulo"),
    ]
    private static let companyWords = [
        "Acme", "Northwind", "Bluebird", "Sunrise", "Everpine", "Lumen", "Brightwave", "Cobalt", "Juniper", "Maple",
    ]
    private static let companySuffixes = [
        "Outdoor", "Beauty", "Games", "Foods", "Apparel", "Travel", "Fitness", "Home",
    ]
    private static let themes = [
        "Spring Sale", "Summer Launch", "Back to School", "Black Friday", "Holiday Gifts", "Brand Awareness",
        "New Arrivals", "Retargeting", "App Installs", "Evergreen",
    ]
    private static let objectives = [
        "TRAFFIC", "CONVERSIONS", "APP_PROMOTION", "REACH", "VIDEO_VIEWS", "LEAD_GENERATION", "ENGAGEMENT",
        "PRODUCT_SALES",
    ]
    private static let audiences = ["Broad", "Lookalike 1%", "Interests: Sports", "Interests: Beauty", "Retarget 30d"]
    private static let optimizationGoals = ["CLICK", "CONVERT", "REACH", "SHOW", "INSTALL"]
    private static let creativeNames = ["UGC Hook", "Product Demo", "Testimonial", "Unboxing", "Tutorial", "Teaser"]
    private static let callsToAction = ["LEARN_MORE", "SHOP_NOW", "DOWNLOAD", "SIGN_UP", "ORDER_NOW"]

    // MARK: Advertisers

    /// The display name of an advertiser account.
    func advertiserName(_ advertiserID: String) -> String {
        var random = SplitMix64(seed: self.seed, "advertiser", advertiserID)
        let company = random.pick(Self.companyWords) + " " + random.pick(Self.companySuffixes)
        return "\(company) Ads \(advertiserID.suffix(4))"
    }

    /// The `/advertiser/info/` object of an advertiser, with every field.
    func advertiserInfo(_ advertiserID: String) -> JSONValue {
        var random = SplitMix64(seed: self.seed, "advertiser", advertiserID)
        let companyWord = random.pick(Self.companyWords)
        let companySuffix = random.pick(Self.companySuffixes)
        let currency = random.pick(Self.currencies)
        let place = random.pick(Self.places)
        let createTime = Self.epoch2022 + random.below(365 * 86_400)
        let balance = Double(random.inRange(0...5_000_000)) / 100
        return [
            "advertiser_id": .string(advertiserID),
            "name": .string(self.advertiserName(advertiserID)),
            "company": .string("\(companyWord) \(companySuffix) Inc."),
            "currency": .string(currency),
            "timezone": .string(place.timezone),
            "display_timezone": .string(place.timezone),
            "country": .string(place.country),
            "status": "STATUS_ENABLE",
            "role": "ROLE_ADVERTISER",
            "create_time": .int(createTime),
            "balance": .double(balance),
            "email": .string("\(companyWord.prefix(1).lowercased())***@example.com"),
            "contacter": .string("\(companyWord.prefix(1))***"),
            "telephone_number": "+1 55****0100",
            "cellphone_number": "",
            "address": "1 Emulator Way",
            "industry": "290501",
            "language": "en",
            "description": .string("\(companyWord) \(companySuffix) advertising account"),
            "license_no": "",
            "license_url": "",
            "rejection_reason": "",
            "brand": .string(companyWord),
            "promotion_area": "0",
        ]
    }

    /// Whether `advertiserID` can be one of ours (19 digits).
    static func isAdvertiserID(_ text: String) -> Bool {
        text.utf8.count == 19 && text.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    // MARK: Tree shape

    /// The 12-digit key of an advertiser embedded in its object ids.
    private func key(_ advertiserID: String) -> String {
        var random = SplitMix64(seed: self.seed, "advertiser-key", advertiserID)
        return random.digits(12)
    }

    /// Campaigns of an advertiser (32–42, about 37).
    func campaignCount(_ advertiserID: String) -> Int {
        var random = SplitMix64(seed: self.seed, "campaign-count", advertiserID)
        return 32 + random.below(11)
    }

    /// Ad groups of a campaign (1–3, about 2).
    func adGroupCount(_ advertiserID: String, campaign: Int) -> Int {
        var random = SplitMix64(seed: self.seed, "adgroup-count", advertiserID, String(campaign))
        return 1 + random.below(3)
    }

    /// Ads of an ad group (1–3, about 2).
    func adCount(_ advertiserID: String, campaign: Int, adGroup: Int) -> Int {
        var random = SplitMix64(seed: self.seed, "ad-count", advertiserID, String(campaign), String(adGroup))
        return 1 + random.below(3)
    }

    /// Every ad group position of an advertiser, in order.
    func adGroupPaths(_ advertiserID: String, campaigns: [Int]? = nil) -> [(campaign: Int, adGroup: Int)] {
        (campaigns ?? Array(0..<self.campaignCount(advertiserID))).flatMap { campaign in
            (0..<self.adGroupCount(advertiserID, campaign: campaign)).map { (campaign, $0) }
        }
    }

    /// Every ad position of an advertiser, in order.
    func adPaths(_ advertiserID: String) -> [AdPath] {
        self.adGroupPaths(advertiserID).flatMap { path in
            (0..<self.adCount(advertiserID, campaign: path.campaign, adGroup: path.adGroup)).map {
                AdPath(campaign: path.campaign, adGroup: path.adGroup, ad: $0)
            }
        }
    }

    // MARK: Ids

    func campaignID(_ advertiserID: String, _ campaign: Int) -> String {
        "17" + self.key(advertiserID) + CivilDate.pad(campaign, 3)
    }

    func adGroupID(_ advertiserID: String, _ campaign: Int, _ adGroup: Int) -> String {
        "18" + self.key(advertiserID) + CivilDate.pad(campaign, 3) + String(adGroup)
    }

    func adID(_ advertiserID: String, _ path: AdPath) -> String {
        "19" + self.key(advertiserID) + CivilDate.pad(path.campaign, 3) + String(path.adGroup) + String(path.ad)
    }

    /// The campaign index of `id` when it is a campaign of `advertiserID`.
    func campaignIndex(of id: String, advertiserID: String) -> Int? {
        guard let digits = self.positions(of: id, prefix: "17", advertiserID: advertiserID, count: 3),
            let campaign = Int(digits), campaign < self.campaignCount(advertiserID)
        else { return nil }
        return campaign
    }

    /// The position of `id` when it is an ad group of `advertiserID`.
    func adGroupIndex(of id: String, advertiserID: String) -> (campaign: Int, adGroup: Int)? {
        guard let digits = self.positions(of: id, prefix: "18", advertiserID: advertiserID, count: 4),
            let campaign = Int(digits.prefix(3)), let adGroup = Int(digits.suffix(1)),
            campaign < self.campaignCount(advertiserID),
            adGroup < self.adGroupCount(advertiserID, campaign: campaign)
        else { return nil }
        return (campaign, adGroup)
    }

    /// The position of `id` when it is an ad of `advertiserID`.
    func adIndex(of id: String, advertiserID: String) -> AdPath? {
        guard let digits = self.positions(of: id, prefix: "19", advertiserID: advertiserID, count: 5),
            let campaign = Int(digits.prefix(3)), let adGroup = Int(digits.dropFirst(3).prefix(1)),
            let ad = Int(digits.suffix(1)),
            campaign < self.campaignCount(advertiserID),
            adGroup < self.adGroupCount(advertiserID, campaign: campaign),
            ad < self.adCount(advertiserID, campaign: campaign, adGroup: adGroup)
        else { return nil }
        return AdPath(campaign: campaign, adGroup: adGroup, ad: ad)
    }

    private func positions(of id: String, prefix: String, advertiserID: String, count: Int) -> Substring? {
        let head = prefix + self.key(advertiserID)
        guard id.hasPrefix(head), id.count == head.count + count else { return nil }
        return id.dropFirst(head.count)
    }

    // MARK: Status

    /// Whether a campaign delivers (about 80% do).
    func isCampaignEnabled(_ advertiserID: String, _ campaign: Int) -> Bool {
        var random = SplitMix64(seed: self.seed, "campaign", advertiserID, String(campaign))
        return random.below(10) < 8
    }

    /// Whether an ad group delivers (its campaign delivers and about 90% of ad groups do).
    func isAdGroupEnabled(_ advertiserID: String, _ campaign: Int, _ adGroup: Int) -> Bool {
        var random = SplitMix64(seed: self.seed, "adgroup", advertiserID, String(campaign), String(adGroup))
        return random.below(10) < 9 && self.isCampaignEnabled(advertiserID, campaign)
    }

    /// Whether an ad delivers (its ad group delivers and about 90% of ads do).
    func isAdEnabled(_ advertiserID: String, _ path: AdPath) -> Bool {
        var random = SplitMix64(
            seed: self.seed,
            "ad",
            advertiserID,
            String(path.campaign),
            String(path.adGroup),
            String(path.ad)
        )
        return random.below(10) < 9 && self.isAdGroupEnabled(advertiserID, path.campaign, path.adGroup)
    }

    // MARK: Objects

    private static let epoch2022 = 1_640_995_200

    private func campaignCreateTime(_ advertiserID: String, _ campaign: Int) -> Int {
        var random = SplitMix64(seed: self.seed, "campaign-time", advertiserID, String(campaign))
        return Self.epoch2022 + 366 * 86_400 + random.below(600 * 86_400)
    }

    /// The name of a campaign.
    func campaignName(_ advertiserID: String, _ campaign: Int) -> String {
        var random = SplitMix64(seed: self.seed, "campaign", advertiserID, String(campaign))
        _ = random.next()
        return "\(random.pick(Self.themes)) #\(campaign + 1)"
    }

    /// The `/campaign/get/` object of a campaign.
    func campaign(_ advertiserID: String, _ campaign: Int) -> JSONValue {
        var random = SplitMix64(seed: self.seed, "campaign", advertiserID, String(campaign))
        let enabled = random.below(10) < 8
        let theme = random.pick(Self.themes)
        let objective = random.pick(Self.objectives)
        let budgetMode = random.pick(["BUDGET_MODE_DAY", "BUDGET_MODE_TOTAL", "BUDGET_MODE_INFINITE"])
        let budget = budgetMode == "BUDGET_MODE_INFINITE" ? 0 : Double(random.inRange(50...5_000) * 10)
        let secondaryStatus =
            enabled
            ? (random.below(8) == 0 ? "CAMPAIGN_STATUS_BUDGET_EXCEED" : "CAMPAIGN_STATUS_ENABLE")
            : "CAMPAIGN_STATUS_DISABLE"
        let created = self.campaignCreateTime(advertiserID, campaign)
        let modified = created + random.below(90 * 86_400)
        return [
            "advertiser_id": .string(advertiserID),
            "campaign_id": .string(self.campaignID(advertiserID, campaign)),
            "campaign_name": .string("\(theme) #\(campaign + 1)"),
            "campaign_type": "REGULAR_CAMPAIGN",
            "objective_type": .string(objective),
            "objective": "LANDING_PAGE",
            "budget": .double(budget),
            "budget_mode": .string(budgetMode),
            "operation_status": enabled ? "ENABLE" : "DISABLE",
            "secondary_status": .string(secondaryStatus),
            "is_smart_performance_campaign": false,
            "is_new_structure": true,
            "create_time": .string(CivilDate.timestamp(unixSeconds: created)),
            "modify_time": .string(CivilDate.timestamp(unixSeconds: modified)),
        ]
    }

    /// The name of an ad group.
    func adGroupName(_ advertiserID: String, _ campaign: Int, _ adGroup: Int) -> String {
        var random = SplitMix64(seed: self.seed, "adgroup", advertiserID, String(campaign), String(adGroup))
        _ = random.next()
        return "\(random.pick(Self.audiences)) · \(campaign + 1).\(adGroup + 1)"
    }

    /// The `/adgroup/get/` object of an ad group.
    func adGroup(_ advertiserID: String, _ campaign: Int, _ adGroup: Int) -> JSONValue {
        var random = SplitMix64(seed: self.seed, "adgroup", advertiserID, String(campaign), String(adGroup))
        let enabledHere = random.below(10) < 9
        let enabled = enabledHere && self.isCampaignEnabled(advertiserID, campaign)
        let audience = random.pick(Self.audiences)
        let goal = random.pick(Self.optimizationGoals)
        let budget = Double(random.inRange(20...1_000) * 5)
        let bid = Double(random.inRange(10...300)) / 100
        let created = self.campaignCreateTime(advertiserID, campaign) + 3_600 * (adGroup + 1)
        let scheduleEnd = created + 180 * 86_400
        return [
            "advertiser_id": .string(advertiserID),
            "campaign_id": .string(self.campaignID(advertiserID, campaign)),
            "adgroup_id": .string(self.adGroupID(advertiserID, campaign, adGroup)),
            "adgroup_name": .string("\(audience) · \(campaign + 1).\(adGroup + 1)"),
            "placement_type": "PLACEMENT_TYPE_AUTOMATIC",
            "placements": ["PLACEMENT_TIKTOK"],
            "budget": .double(budget),
            "budget_mode": "BUDGET_MODE_DAY",
            "optimization_goal": .string(goal),
            "billing_event": goal == "SHOW" || goal == "REACH" ? "CPM" : "CPC",
            "bid_type": "BID_TYPE_CUSTOM",
            "bid_price": .double(bid),
            "schedule_type": "SCHEDULE_START_END",
            "schedule_start_time": .string(CivilDate.timestamp(unixSeconds: created)),
            "schedule_end_time": .string(CivilDate.timestamp(unixSeconds: scheduleEnd)),
            "operation_status": enabledHere ? "ENABLE" : "DISABLE",
            "secondary_status": enabled ? "ADGROUP_STATUS_DELIVERY_OK" : "ADGROUP_STATUS_DISABLE",
            "create_time": .string(CivilDate.timestamp(unixSeconds: created)),
            "modify_time": .string(CivilDate.timestamp(unixSeconds: created + 86_400)),
        ]
    }

    /// The name of an ad.
    func adName(_ advertiserID: String, _ path: AdPath) -> String {
        var random = SplitMix64(
            seed: self.seed,
            "ad",
            advertiserID,
            String(path.campaign),
            String(path.adGroup),
            String(path.ad)
        )
        _ = random.next()
        return "\(random.pick(Self.creativeNames)) v\(path.ad + 1) (\(path.campaign + 1).\(path.adGroup + 1))"
    }

    /// The `/ad/get/` object of an ad.
    func ad(_ advertiserID: String, _ path: AdPath) -> JSONValue {
        var random = SplitMix64(
            seed: self.seed,
            "ad",
            advertiserID,
            String(path.campaign),
            String(path.adGroup),
            String(path.ad)
        )
        let enabledHere = random.below(10) < 9
        let enabled = enabledHere && self.isAdGroupEnabled(advertiserID, path.campaign, path.adGroup)
        let creative = random.pick(Self.creativeNames)
        let callToAction = random.pick(Self.callsToAction)
        let created = self.campaignCreateTime(advertiserID, path.campaign) + 3_600 * (path.adGroup + 1) + 600
        let adID = self.adID(advertiserID, path)
        return [
            "advertiser_id": .string(advertiserID),
            "campaign_id": .string(self.campaignID(advertiserID, path.campaign)),
            "adgroup_id": .string(self.adGroupID(advertiserID, path.campaign, path.adGroup)),
            "ad_id": .string(adID),
            "ad_name": .string("\(creative) v\(path.ad + 1) (\(path.campaign + 1).\(path.adGroup + 1))"),
            "ad_format": "SINGLE_VIDEO",
            "ad_text": .string("\(creative) — see why everyone is talking about it"),
            "call_to_action": .string(callToAction),
            "landing_page_url": .string("https://example.com/landing/\(adID.suffix(6))"),
            "video_id": .string("v10044g50000" + String(adID.suffix(12))),
            "identity_type": "CUSTOMIZED_USER",
            "operation_status": enabledHere ? "ENABLE" : "DISABLE",
            "secondary_status": enabled ? "AD_STATUS_DELIVERY_OK" : "AD_STATUS_DISABLE",
            "create_time": .string(CivilDate.timestamp(unixSeconds: created)),
            "modify_time": .string(CivilDate.timestamp(unixSeconds: created + 7_200)),
        ]
    }
}
