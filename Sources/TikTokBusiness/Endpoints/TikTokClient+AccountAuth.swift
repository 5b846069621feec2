import Foundation

extension TikTokClient {
    /// Exchanges a TikTok account holder's `code` for an access token and a refresh token
    /// (`POST /tt_user/oauth2/token/`). `redirectURI` must be the one the authorization URL carried.
    ///
    /// The code is single use, so the exchange is retried only when TikTok rate-limited it unprocessed.
    public func exchangeAccountAuthCode(_ code: String, redirectURI: String) async throws -> AccountTokenGrant {
        let payload = try await request(
            "POST", "/tt_user/oauth2/token/",
            body: [
                "client_id": .string(configuration.appID), "client_secret": .string(configuration.secret),
                "grant_type": "authorization_code", "auth_code": .string(code), "redirect_uri": .string(redirectURI),
            ], retry: .rateLimitOnly, as: AccountTokenPayload.self)
        return payload.grant(receivedAt: configuration.now())
    }

    /// Renews an account holder's access token (`POST /tt_user/oauth2/refresh_token/`).
    ///
    /// The result's ``AccountTokenGrant/refreshToken`` may differ from the one sent: persist it before discarding the
    /// old one. Retried on transient failures: without rotation a repeated refresh is harmless.
    public func refreshAccountToken(_ refreshToken: String) async throws -> AccountTokenGrant {
        let payload = try await request(
            "POST", "/tt_user/oauth2/refresh_token/",
            body: [
                "client_id": .string(configuration.appID), "client_secret": .string(configuration.secret),
                "grant_type": "refresh_token", "refresh_token": .string(refreshToken),
            ], as: AccountTokenPayload.self)
        return payload.grant(receivedAt: configuration.now())
    }

    /// Revokes an account holder's access token and its grant (`POST /tt_user/oauth2/revoke/`).
    public func revokeAccountToken(_ accessToken: String) async throws {
        _ = try await request(
            "POST", "/tt_user/oauth2/revoke/",
            body: [
                "client_id": .string(configuration.appID), "client_secret": .string(configuration.secret),
                "access_token": .string(accessToken),
            ])
    }

    /// What TikTok knows of an account holder's access token (`POST /tt_user/token_info/get/`).
    public func accountTokenInfo(accessToken: String) async throws -> AccountTokenInfo {
        try await request(
            "POST", "/tt_user/token_info/get/",
            body: ["app_id": .string(configuration.appID), "access_token": .string(accessToken)],
            as: AccountTokenInfo.self)
    }
}
