import Hummingbird
import Logging

/// The token endpoints of both flows under `/open_api/v1.3`: `/oauth2/…` (advertiser) and `/tt_user/…` (account).
struct OAuthRoutes: Sendable {
    let state: EmulatorState

    func register<Context: RequestContext>(on api: RouterGroup<Context>) {
        api.post("oauth2/access_token") { request, context in try await self.accessToken(request, context) }
        api.post("oauth2/revoke_token") { request, context in try await self.revokeToken(request, context) }
        api.get("oauth2/advertiser/get") { request, _ in try self.advertisers(request) }
        api.post("tt_user/oauth2/token") { request, context in try await self.accountToken(request, context) }
        api.post("tt_user/oauth2/refresh_token") { request, context in try await self.refresh(request, context) }
        api.post("tt_user/oauth2/revoke") { request, context in try await self.revokeAccount(request, context) }
        api.post("tt_user/token_info/get") { request, context in try await self.tokenInfo(request, context) }
    }

    /// Counts the call against the app's QPS budget when the app exists (unknown apps fail later with 40101).
    private func admit(_ appID: String) throws(APIError) {
        if self.state.apps[appID] != nil {
            try self.state.admit(appID: appID)
        }
    }

    // MARK: Advertiser flow

    /// `POST /oauth2/access_token/` {app_id, secret, auth_code[, return_advertiser_ids]}.
    private func accessToken(_ request: Request, _ context: some RequestContext) async throws -> APIResponse {
        let body = try await JSONBody.read(request, context: context)
        let appID = try body.required("app_id")
        let secret = try body.required("secret")
        let code = try body.required("auth_code")
        let returnAdvertiserIDs = try body.bool("return_advertiser_ids") ?? true
        try self.admit(appID)
        _ = try self.state.app(id: appID, secret: secret)
        let grant = try self.state.authorizations.exchangeAdvertiserCode(code, appID: appID, now: self.state.now())
        self.state.counters.recordExchange(.advertiser)
        self.state.logger.debug("advertiser code exchanged", metadata: ["tiktok.app_id": "\(appID)"])
        var data: [(String, JSONValue)] = [("access_token", .string(grant.accessToken))]
        if returnAdvertiserIDs {
            data.append(("advertiser_ids", .strings(grant.user.advertiserIDs)))
        }
        data.append(("scope", .array(grant.scopeIDs.map(JSONValue.int))))
        return APIResponse(.object(data))
    }

    /// `POST /oauth2/revoke_token/` {app_id, secret, access_token}.
    private func revokeToken(_ request: Request, _ context: some RequestContext) async throws -> APIResponse {
        let body = try await JSONBody.read(request, context: context)
        let appID = try body.required("app_id")
        let secret = try body.required("secret")
        let accessToken = try body.required("access_token")
        try self.admit(appID)
        _ = try self.state.app(id: appID, secret: secret)
        let grant = try self.state.authorizations.revoke(accessToken: accessToken, appID: appID, flow: .advertiser)
        self.state.counters.recordRevoke()
        self.state.logger.debug("advertiser token revoked", metadata: ["tiktok.app_id": "\(appID)"])
        return APIResponse(["app_id": .string(appID), "advertiser_ids": .strings(grant.user.advertiserIDs)])
    }

    /// `GET /oauth2/advertiser/get/?app_id&secret` with `Access-Token`.
    private func advertisers(_ request: Request) throws -> APIResponse {
        guard let accessToken = request.headers[.accessToken], !accessToken.isEmpty else {
            throw APIError.tokenMissing
        }
        let query = try QueryParameters(request)
        let appID = try query.required("app_id")
        let secret = try query.required("secret")
        try self.admit(appID)
        _ = try self.state.app(id: appID, secret: secret)
        let token = try self.state.authorizations.authenticate(accessToken, now: self.state.now())
        guard token.flow == .advertiser, token.appID == appID else { throw APIError.tokenInvalid }
        let list = token.user.advertiserIDs.map { advertiserID -> JSONValue in
            [
                "advertiser_id": .string(advertiserID),
                "advertiser_name": .string(self.state.marketing.advertiserName(advertiserID)),
            ]
        }
        return APIResponse(["list": .array(list)])
    }

    // MARK: Account flow

    /// `POST /tt_user/oauth2/token/` {client_id, client_secret, grant_type, auth_code, redirect_uri}.
    private func accountToken(_ request: Request, _ context: some RequestContext) async throws -> APIResponse {
        let body = try await JSONBody.read(request, context: context)
        let clientID = try body.required("client_id")
        let clientSecret = try body.required("client_secret")
        let grantType = try body.required("grant_type")
        let code = try body.required("auth_code")
        let redirectURI = try body.required("redirect_uri")
        guard grantType == "authorization_code" else {
            throw APIError.invalid("grant_type", "Must be authorization_code.")
        }
        try self.admit(clientID)
        _ = try self.state.app(id: clientID, secret: clientSecret)
        let tokens = try self.state.authorizations.exchangeAccountCode(
            code,
            appID: clientID,
            redirectURI: redirectURI,
            now: self.state.now(),
            settings: self.state.settings
        )
        self.state.counters.recordExchange(.account)
        self.state.logger.debug("account code exchanged", metadata: ["tiktok.app_id": "\(clientID)"])
        return APIResponse(Self.tokenData(tokens))
    }

    /// `POST /tt_user/oauth2/refresh_token/` {client_id, client_secret, grant_type, refresh_token}.
    private func refresh(_ request: Request, _ context: some RequestContext) async throws -> APIResponse {
        do {
            let body = try await JSONBody.read(request, context: context)
            let clientID = try body.required("client_id")
            let clientSecret = try body.required("client_secret")
            let grantType = try body.required("grant_type")
            let refreshToken = try body.required("refresh_token")
            guard grantType == "refresh_token" else {
                throw APIError.invalid("grant_type", "Must be refresh_token.")
            }
            try self.admit(clientID)
            _ = try self.state.app(id: clientID, secret: clientSecret)
            let tokens = try self.state.authorizations.refresh(
                refreshToken,
                appID: clientID,
                now: self.state.now(),
                settings: self.state.settings
            )
            self.state.counters.recordRefresh(
                openID: tokens.openID, at: self.state.now(), usedGrace: tokens.usedGrace)
            return APIResponse(Self.tokenData(tokens))
        } catch let error as APIError {
            if error != .rateLimited {
                self.state.counters.recordRefreshFailure()
            }
            throw error
        }
    }

    /// `POST /tt_user/oauth2/revoke/` {client_id, client_secret, access_token}.
    private func revokeAccount(_ request: Request, _ context: some RequestContext) async throws -> APIResponse {
        let body = try await JSONBody.read(request, context: context)
        let clientID = try body.required("client_id")
        let clientSecret = try body.required("client_secret")
        let accessToken = try body.required("access_token")
        try self.admit(clientID)
        _ = try self.state.app(id: clientID, secret: clientSecret)
        _ = try self.state.authorizations.revoke(accessToken: accessToken, appID: clientID, flow: .account)
        self.state.counters.recordRevoke()
        self.state.logger.debug("account grant revoked", metadata: ["tiktok.app_id": "\(clientID)"])
        return APIResponse([:])
    }

    /// `POST /tt_user/token_info/get/` {app_id, access_token}.
    private func tokenInfo(_ request: Request, _ context: some RequestContext) async throws -> APIResponse {
        let body = try await JSONBody.read(request, context: context)
        let appID = try body.required("app_id")
        let accessToken = try body.required("access_token")
        guard self.state.apps[appID] != nil else { throw APIError.invalidApp }
        try self.admit(appID)
        let token = try self.state.authorizations.authenticate(accessToken, now: self.state.now())
        guard token.flow == .account, token.appID == appID else { throw APIError.tokenInvalid }
        return APIResponse([
            "app_id": .string(appID),
            "creator_id": .string(token.user.openID),
            "scope": .string(token.scopes.joined(separator: ",")),
        ])
    }

    private static func tokenData(_ tokens: IssuedAccountTokens) -> JSONValue {
        [
            "access_token": .string(tokens.accessToken),
            "token_type": "Bearer",
            "scope": .string(tokens.scopes.joined(separator: ",")),
            "expires_in": .int(tokens.expiresIn),
            "refresh_token": .string(tokens.refreshToken),
            "refresh_token_expires_in": .int(tokens.refreshTokenExpiresIn),
            "open_id": .string(tokens.openID),
        ]
    }
}
