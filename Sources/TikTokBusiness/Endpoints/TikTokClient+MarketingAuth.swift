import Foundation

extension TikTokClient {
    /// Exchanges an advertiser's `auth_code` for a non-expiring access token (`POST /oauth2/access_token/`).
    ///
    /// The code is single use, so the exchange is retried only when TikTok rate-limited it unprocessed.
    /// - Parameter returnAdvertiserIDs: pass `false` for tokens covering thousands of advertisers.
    public func exchangeAdvertiserAuthCode(_ authCode: String, returnAdvertiserIDs: Bool = true) async throws
        -> AdvertiserTokenGrant
    {
        var body: [String: JSONValue] = [
            "app_id": .string(configuration.appID), "secret": .string(configuration.secret),
            "auth_code": .string(authCode),
        ]
        if !returnAdvertiserIDs {
            body["return_advertiser_ids"] = false
        }
        return try await request(
            "POST", "/oauth2/access_token/", body: .object(body), retry: .rateLimitOnly, as: AdvertiserTokenGrant.self)
    }

    /// The advertisers an access token is authorized for (`GET /oauth2/advertiser/get/`). Also a liveness check
    /// for non-expiring tokens: a revoked token fails with ``TikTokError/Category/accessTokenInvalid``.
    public func authorizedAdvertisers(accessToken: String) async throws -> [AuthorizedAdvertiser] {
        let response = try await send(
            "GET", "/oauth2/advertiser/get/",
            query: ["app_id": .string(configuration.appID), "secret": .string(configuration.secret)], body: nil,
            accessToken: accessToken, retry: .idempotent
        ) { data in
            try data.object(for: [AuthorizedAdvertiser].self).member("list")?.decodeArray(AuthorizedAdvertiser.self)
        }
        guard let data = response.data else {
            throw TikTokError(
                category: .invalidResponse, message: "The response has no data.", requestID: response.head.requestID,
                endpoint: "/oauth2/advertiser/get/")
        }
        return data ?? []
    }

    /// Revokes a Marketing API or TTCM account access token (`POST /oauth2/revoke_token/`).
    @discardableResult
    public func revokeAdvertiserToken(_ accessToken: String) async throws -> RevokedAdvertiserToken {
        try await request(
            "POST", "/oauth2/revoke_token/",
            body: [
                "app_id": .string(configuration.appID), "secret": .string(configuration.secret),
                "access_token": .string(accessToken),
            ], as: RevokedAdvertiserToken.self)
    }
}
