import Hummingbird

/// Marketing API reads: `/user/info/`, `/advertiser/info/`, `/campaign/get/`, `/adgroup/get/`, `/ad/get/`.
struct MarketingRoutes: Sendable {
    let state: EmulatorState

    private var catalog: MarketingCatalog { self.state.marketing }

    func register<Context: RequestContext>(on api: RouterGroup<Context>) {
        api.get("user/info") { request, _ in try self.userInfo(request) }
        api.get("advertiser/info") { request, _ in try self.advertiserInfo(request) }
        api.get("campaign/get") { request, _ in try self.campaigns(request) }
        api.get("adgroup/get") { request, _ in try self.adGroups(request) }
        api.get("ad/get") { request, _ in try self.ads(request) }
    }

    /// `GET /user/info/`: the profile of the user who authorized a Marketing API token (reporting clients call it
    /// first, as a token check).
    private func userInfo(_ request: Request) throws -> APIResponse {
        let token = try self.state.authenticate(request)
        guard token.flow == .advertiser else {
            throw APIError.permission("The access token is not a Marketing API token.")
        }
        var random = SplitMix64(seed: self.catalog.seed, "core-user", token.user.name)
        return APIResponse([
            "core_user_id": .string(random.digits(19)),
            "display_name": .string(token.user.displayName),
            "email": .string("\(token.user.username.prefix(1))***@example.com"),
            "avatar_url": .string("https://p16-emulator.tiktokcdn.com/avatar/\(token.user.username).jpeg"),
            "create_time": .int(1_640_995_200 + random.below(365 * 86_400)),
        ])
    }

    /// `GET /advertiser/info/?advertiser_ids=[…]&fields=[…]` (at most 100 ids).
    private func advertiserInfo(_ request: Request) throws -> APIResponse {
        let token = try self.state.authenticate(request)
        let query = try QueryParameters(request)
        guard let advertiserIDs = try query.stringArray("advertiser_ids") else {
            throw APIError.missing("advertiser_ids")
        }
        guard (1...100).contains(advertiserIDs.count) else {
            throw APIError.invalid("advertiser_ids", "Length must be between 1 and 100.")
        }
        let fields = try query.stringArray("fields").map(Set.init)
        for advertiserID in advertiserIDs {
            try self.state.requireAdvertiser(advertiserID, for: token)
        }
        let list = advertiserIDs.map { self.catalog.advertiserInfo($0).selecting(fields) }
        return APIResponse(["list": .array(list)])
    }

    /// The advertiser of a listing call, after checking access; plus its optional `fields` and `filtering`.
    private func listingContext(_ request: Request) throws -> (
        advertiserID: String, query: QueryParameters, fields: Set<String>?, filtering: JSONValue?
    ) {
        let token = try self.state.authenticate(request)
        let query = try QueryParameters(request)
        let advertiserID = try query.required("advertiser_id")
        try self.state.requireAdvertiser(advertiserID, for: token)
        let fields = try query.stringArray("fields").map(Set.init)
        let filtering = try query.object("filtering")
        return (advertiserID, query, fields, filtering)
    }

    /// The id list `filtering[key]`, `nil` when absent, 40002 when not an array.
    private func filterIDs(_ filtering: JSONValue?, _ key: String) throws(APIError) -> Set<String>? {
        guard let value = filtering?[key], value != .null else { return nil }
        return Set(try QueryParameters.strings(value, name: "filtering.\(key)"))
    }

    /// `GET /campaign/get/?advertiser_id&filtering={campaign_ids}&page&page_size&fields`.
    private func campaigns(_ request: Request) throws -> APIResponse {
        let (advertiserID, query, fields, filtering) = try self.listingContext(request)
        let campaigns = self.state.listings.campaigns(advertiserID)
        var indices = Array(campaigns.indices)
        if let campaignIDs = try self.filterIDs(filtering, "campaign_ids") {
            let wanted = Set(campaignIDs.compactMap { self.catalog.campaignIndex(of: $0, advertiserID: advertiserID) })
            indices = indices.filter(wanted.contains)
        }
        let page = try PageInfo(query, totalNumber: indices.count)
        let list = indices[page.range].map { Self.listed(campaigns[$0], fields) }
        return APIResponse(["list": .array(list), "page_info": page.json])
    }

    /// `GET /adgroup/get/?advertiser_id&filtering={campaign_ids,adgroup_ids}&page&page_size&fields`.
    private func adGroups(_ request: Request) throws -> APIResponse {
        let (advertiserID, query, fields, filtering) = try self.listingContext(request)
        let adGroups = self.state.listings.adGroups(advertiserID)
        var indices = Array(adGroups.paths.indices)
        if let campaignIDs = try self.filterIDs(filtering, "campaign_ids") {
            let wanted = Set(campaignIDs.compactMap { self.catalog.campaignIndex(of: $0, advertiserID: advertiserID) })
            indices = indices.filter { wanted.contains(adGroups.paths[$0].campaign) }
        }
        if let adGroupIDs = try self.filterIDs(filtering, "adgroup_ids") {
            indices = indices.filter {
                let path = adGroups.paths[$0]
                return adGroupIDs.contains(self.catalog.adGroupID(advertiserID, path.campaign, path.adGroup))
            }
        }
        let page = try PageInfo(query, totalNumber: indices.count)
        let list = indices[page.range].map { Self.listed(adGroups.objects[$0], fields) }
        return APIResponse(["list": .array(list), "page_info": page.json])
    }

    /// `GET /ad/get/?advertiser_id&filtering={campaign_ids,adgroup_ids,ad_ids}&page&page_size&fields`.
    private func ads(_ request: Request) throws -> APIResponse {
        let (advertiserID, query, fields, filtering) = try self.listingContext(request)
        let ads = self.state.listings.ads(advertiserID)
        var indices = Array(ads.paths.indices)
        if let campaignIDs = try self.filterIDs(filtering, "campaign_ids") {
            let wanted = Set(campaignIDs.compactMap { self.catalog.campaignIndex(of: $0, advertiserID: advertiserID) })
            indices = indices.filter { wanted.contains(ads.paths[$0].campaign) }
        }
        if let adGroupIDs = try self.filterIDs(filtering, "adgroup_ids") {
            indices = indices.filter {
                let path = ads.paths[$0]
                return adGroupIDs.contains(self.catalog.adGroupID(advertiserID, path.campaign, path.adGroup))
            }
        }
        if let adIDs = try self.filterIDs(filtering, "ad_ids") {
            indices = indices.filter { adIDs.contains(self.catalog.adID(advertiserID, ads.paths[$0])) }
        }
        let page = try PageInfo(query, totalNumber: indices.count)
        let list = indices[page.range].map { Self.listed(ads.objects[$0], fields) }
        return APIResponse(["list": .array(list), "page_info": page.json])
    }

    /// A listed object: its cached text when every field is asked for, else the selected fields.
    private static func listed(_ object: EncodedJSON, _ fields: Set<String>?) -> JSONValue {
        guard let fields else { return .encoded(object) }
        return object.value.selecting(fields)
    }
}
