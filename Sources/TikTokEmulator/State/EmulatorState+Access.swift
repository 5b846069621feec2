import Hummingbird

extension EmulatorState {
    /// Authenticates a data call by its `Access-Token` header (40104 missing, 40105 unknown or revoked, 40102 expired)
    /// and counts it against the token's app QPS budget (40100).
    func authenticate(_ request: Request) throws(APIError) -> AuthenticatedToken {
        guard let accessToken = request.headers[.accessToken], !accessToken.isEmpty else {
            throw APIError.tokenMissing
        }
        let token = try self.authorizations.authenticate(accessToken, now: self.now())
        try self.admit(appID: token.appID)
        return token
    }

    /// 40001 unless `token` is an advertiser-flow token covering `advertiserID`.
    func requireAdvertiser(_ advertiserID: String, for token: AuthenticatedToken) throws(APIError) {
        guard token.flow == .advertiser, token.user.advertiserIDs.contains(advertiserID) else {
            throw APIError.permission("No permission to operate advertiser \(advertiserID).")
        }
    }

    /// 40001 unless `token` is an account-flow token whose `open_id` is `businessID`.
    func requireBusiness(_ businessID: String, for token: AuthenticatedToken) throws(APIError) {
        guard token.flow == .account, token.user.openID == businessID else {
            throw APIError.permission("No permission to access business account \(businessID).")
        }
    }
}
