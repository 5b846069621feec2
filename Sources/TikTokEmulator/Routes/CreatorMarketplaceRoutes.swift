import Hummingbird

/// Creator Marketplace (TTCM) account endpoints: `/tto/oauth2/tcm/` and `/tto/oauth2/info/`.
struct CreatorMarketplaceRoutes: Sendable {
    let state: EmulatorState

    private static let places: [(country: String, timezone: String)] = [
        ("US", "America/Los_Angeles"), ("GB", "Europe/London"), ("DE", "Europe/Berlin"), ("JP", "Asia/Tokyo"),
    ]

    func register<Context: RequestContext>(on api: RouterGroup<Context>) {
        api.get("tto/oauth2/tcm") { request, _ in try self.accounts(request) }
        api.get("tto/oauth2/info") { request, _ in try self.info(request) }
    }

    /// `GET /tto/oauth2/tcm/?app_id&secret` with an advertiser-flow `Access-Token`.
    private func accounts(_ request: Request) throws -> APIResponse {
        guard let accessToken = request.headers[.accessToken], !accessToken.isEmpty else {
            throw APIError.tokenMissing
        }
        let query = try QueryParameters(request)
        let appID = try query.required("app_id")
        let secret = try query.required("secret")
        _ = try self.state.app(id: appID, secret: secret)
        try self.state.admit(appID: appID)
        let token = try self.state.authorizations.authenticate(accessToken, now: self.state.now())
        guard token.appID == appID else { throw APIError.tokenInvalid }
        guard token.flow == .advertiser else {
            throw APIError.permission("The access token is not a Creator Marketplace account token.")
        }
        return APIResponse(["tto_tcm_account_ids": .strings([token.user.ttoTCMAccountID])])
    }

    /// `GET /tto/oauth2/info/?tto_tcm_account_id` with an advertiser-flow `Access-Token`.
    private func info(_ request: Request) throws -> APIResponse {
        let token = try self.state.authenticate(request)
        let query = try QueryParameters(request)
        let accountID = try query.required("tto_tcm_account_id")
        guard token.flow == .advertiser, token.user.ttoTCMAccountID == accountID else {
            throw APIError.permission("No permission to access Creator Marketplace account \(accountID).")
        }
        var random = SplitMix64(seed: self.state.seed, "tcm", accountID)
        let place = random.pick(Self.places)
        return APIResponse([
            "tto_tcm_account_id": .string(accountID),
            "account_name": .string("\(token.user.displayName) Creator Marketplace"),
            "timezone": .string(place.timezone),
            "country": .string(place.country),
            "business_verification_status": .string(random.below(5) == 0 ? "PENDING" : "VERIFIED"),
        ])
    }
}
