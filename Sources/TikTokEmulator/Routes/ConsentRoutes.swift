import HTTPTypes
import Hummingbird
import NIOCore

/// The consent screens of both flows.
///
/// Advertiser flow: `GET /portal/auth` (and the legacy `/marketing_api/auth`) → Authorize → verification code →
/// `302 redirect_uri?auth_code=C&code=C&state=S`. Account flow: `GET /v2/auth/authorize/` → Authorize →
/// `302 redirect_uri?code=C&scopes=…&state=S`, skipped for a user who already approved unless `disable_auto_auth=1`.
/// The browser's user is remembered in the `tt_emulator_user` cookie.
struct ConsentRoutes: Sendable {
    let state: EmulatorState

    static let userCookie = "tt_emulator_user"
    private static let deniedDescription = "The user denied the request"

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("portal/auth") { request, _ in self.advertiserAuthorize(request) }
        router.get("marketing_api/auth") { request, _ in self.advertiserAuthorize(request) }
        router.post("portal/auth/confirm") { request, context in
            try await self.advertiserConfirm(Self.form(request, context))
        }
        router.post("portal/auth/verify") { request, context in
            try await self.advertiserVerify(Self.form(request, context))
        }
        router.get("v2/auth/authorize") { request, _ in self.accountAuthorize(request) }
        router.post("v2/auth/authorize/confirm") { request, context in
            try await self.accountConfirm(Self.form(request, context))
        }
    }

    // MARK: Advertiser flow

    private func advertiserAuthorize(_ request: Request) -> Response {
        guard let query = try? QueryParameters(request) else {
            return HTMLPage.error(title: "Invalid request", message: "The query string is malformed.")
        }
        guard let appID = query.optional("app_id") else {
            return HTMLPage.error(title: "Invalid request", message: "The app_id parameter is missing.")
        }
        guard let app = self.state.apps[appID] else {
            return HTMLPage.error(title: "Unknown app", message: "No app is registered with app_id \(appID).")
        }
        guard let redirectURI = query.optional("redirect_uri"), app.redirectURIs.contains(redirectURI) else {
            return Self.unregisteredRedirect(query.optional("redirect_uri"))
        }
        let oauthState = query.optional("state")
        let cookieUser = Self.cookieUser(request)
        if let scripted = self.state.consents.nextScripted() {
            return self.completeAdvertiser(
                appID: appID,
                redirectURI: redirectURI,
                state: oauthState,
                user: scripted.user,
                decision: scripted.decision
            )
        }
        if self.state.settings.autoConsent {
            return self.completeAdvertiser(
                appID: appID,
                redirectURI: redirectURI,
                state: oauthState,
                user: cookieUser ?? self.state.generatedUserName(for: .advertiser),
                decision: .approve
            )
        }
        let consent = self.state.consents.create(
            flow: .advertiser,
            appID: appID,
            redirectURI: redirectURI,
            state: oauthState,
            scopes: [],
            now: self.state.now()
        )
        let user = cookieUser ?? self.state.generatedUserName(for: .advertiser)
        return HTMLPage.response(ConsentPages.advertiserConsent(consent, user: user))
    }

    private func advertiserConfirm(_ form: [String: String]) -> Response {
        let now = self.state.now()
        guard let consentID = form["consent_id"],
            let consent = self.state.consents.pending(
                consentID,
                flow: .advertiser,
                now: now
            )
        else {
            return Self.expiredConsent()
        }
        let user = (form["user"] ?? "").trimmingWhitespace()
        guard form["decision"] != "deny" else {
            _ = self.state.consents.take(consentID, flow: .advertiser, now: now)
            return self.completeAdvertiser(
                appID: consent.appID,
                redirectURI: consent.redirectURI,
                state: consent.state,
                user: user.isEmpty ? nil : user,
                decision: .deny
            )
        }
        guard !user.isEmpty else {
            return HTMLPage.response(
                ConsentPages.advertiserConsent(consent, user: "", error: "Enter the TikTok user to log in as.")
            )
        }
        let code = CivilDate.pad(Int.random(in: 0...999_999), 6)
        guard
            let pending = self.state.consents.awaitVerification(
                consentID,
                user: user,
                verificationCode: code,
                now: now
            )
        else {
            return Self.expiredConsent()
        }
        var response = HTMLPage.response(ConsentPages.verification(pending))
        response.setCookie(Self.userCookie(user))
        return response
    }

    private func advertiserVerify(_ form: [String: String]) -> Response {
        guard let consentID = form["consent_id"] else { return Self.expiredConsent() }
        let code = (form["verification_code"] ?? "").trimmingWhitespace()
        switch self.state.consents.verify(consentID, code: code, now: self.state.now()) {
        case .verified(let consent):
            return self.completeAdvertiser(
                appID: consent.appID,
                redirectURI: consent.redirectURI,
                state: consent.state,
                user: consent.user,
                decision: .approve
            )
        case .wrongCode(let consent):
            return HTMLPage.response(
                ConsentPages.verification(consent, error: "The verification code is incorrect. Try again.")
            )
        case .tooManyAttempts:
            return HTMLPage.error(
                title: "Too many attempts",
                message: "The verification code was entered wrongly too many times. Start the authorization again."
            )
        case .unknown:
            return Self.expiredConsent()
        }
    }

    /// Redirects back to the app with a code (approval) or `error=access_denied`, remembering the user in the cookie.
    private func completeAdvertiser(
        appID: String,
        redirectURI: String,
        state oauthState: String?,
        user: String?,
        decision: ConsentDecision
    ) -> Response {
        self.complete(
            .advertiser, appID: appID, redirectURI: redirectURI, state: oauthState, scopes: [], user: user,
            decision: decision)
    }

    /// Both flows' last step: on approval, mint a code for `flow` and redirect with the parameters that flow uses
    /// (advertiser: `auth_code` and `code`; account: `code` and `scopes`); on denial, `error=access_denied`.
    private func complete(
        _ flow: AuthorizationFlow,
        appID: String,
        redirectURI: String,
        state oauthState: String?,
        scopes: [String],
        user: String?,
        decision: ConsentDecision
    ) -> Response {
        guard decision.isApproval, let user else {
            return Self.redirect(
                FormEncoding.appending(
                    [("error", "access_denied"), ("error_description", Self.deniedDescription), ("state", oauthState)],
                    to: redirectURI
                ),
                user: user
            )
        }
        do {
            let code = try self.state.mintCode(
                flow: flow, appID: appID, redirectURI: redirectURI, user: user, scopes: scopes)
            let parameters: [(String, String?)]
            if flow == .account {
                self.state.consents.recordApproval(appID: appID, user: user, scopes: scopes)
                parameters = [("code", code), ("scopes", scopes.joined(separator: ",")), ("state", oauthState)]
            } else {
                parameters = [("auth_code", code), ("code", code), ("state", oauthState)]
            }
            return Self.redirect(FormEncoding.appending(parameters, to: redirectURI), user: user)
        } catch {
            return HTMLPage.error(title: "Invalid request", message: error.reason)
        }
    }

    // MARK: Account flow

    private func accountAuthorize(_ request: Request) -> Response {
        guard let query = try? QueryParameters(request) else {
            return HTMLPage.error(title: "Invalid request", message: "The query string is malformed.")
        }
        guard let appID = query.optional("client_key") else {
            return HTMLPage.error(title: "Invalid request", message: "The client_key parameter is missing.")
        }
        guard let app = self.state.apps[appID] else {
            return HTMLPage.error(title: "Unknown app", message: "No app is registered with client_key \(appID).")
        }
        guard query.optional("response_type") == "code" else {
            return HTMLPage.error(title: "Invalid request", message: "response_type must be code.")
        }
        guard let redirectURI = query.optional("redirect_uri"), app.redirectURIs.contains(redirectURI) else {
            return Self.unregisteredRedirect(query.optional("redirect_uri"))
        }
        let scopes = Permissions.splitScopes(query.optional("scope") ?? "")
        guard !scopes.isEmpty else {
            return HTMLPage.error(title: "Invalid request", message: "The scope parameter is missing or empty.")
        }
        let oauthState = query.optional("state")
        let cookieUser = Self.cookieUser(request)
        if let scripted = self.state.consents.nextScripted() {
            return self.completeAccount(
                appID: appID,
                redirectURI: redirectURI,
                state: oauthState,
                scopes: scopes,
                user: scripted.user,
                decision: scripted.decision
            )
        }
        if self.state.settings.autoConsent {
            return self.completeAccount(
                appID: appID,
                redirectURI: redirectURI,
                state: oauthState,
                scopes: scopes,
                user: cookieUser ?? self.state.generatedUserName(for: .account),
                decision: .approve
            )
        }
        if let cookieUser, query.optional("disable_auto_auth") != "1",
            self.state.consents.hasApproved(appID: appID, user: cookieUser, scopes: scopes)
        {
            return self.completeAccount(
                appID: appID,
                redirectURI: redirectURI,
                state: oauthState,
                scopes: scopes,
                user: cookieUser,
                decision: .approve
            )
        }
        let consent = self.state.consents.create(
            flow: .account,
            appID: appID,
            redirectURI: redirectURI,
            state: oauthState,
            scopes: scopes,
            now: self.state.now()
        )
        let user = cookieUser ?? self.state.generatedUserName(for: .account)
        return HTMLPage.response(ConsentPages.accountConsent(consent, user: user))
    }

    private func accountConfirm(_ form: [String: String]) -> Response {
        let now = self.state.now()
        guard let consentID = form["consent_id"],
            let consent = self.state.consents.pending(consentID, flow: .account, now: now)
        else {
            return Self.expiredConsent()
        }
        let user = (form["user"] ?? "").trimmingWhitespace()
        let decision: ConsentDecision = form["decision"] == "deny" ? .deny : .approve
        if decision.isApproval && user.isEmpty {
            return HTMLPage.response(
                ConsentPages.accountConsent(consent, user: "", error: "Enter the TikTok user to log in as.")
            )
        }
        guard self.state.consents.take(consentID, flow: .account, now: now) != nil else {
            return Self.expiredConsent()
        }
        return self.completeAccount(
            appID: consent.appID,
            redirectURI: consent.redirectURI,
            state: consent.state,
            scopes: consent.scopes,
            user: user.isEmpty ? nil : user,
            decision: decision
        )
    }

    private func completeAccount(
        appID: String,
        redirectURI: String,
        state oauthState: String?,
        scopes: [String],
        user: String?,
        decision: ConsentDecision
    ) -> Response {
        self.complete(
            .account, appID: appID, redirectURI: redirectURI, state: oauthState, scopes: scopes, user: user,
            decision: decision)
    }

    // MARK: Helpers

    private static func form(_ request: Request, _ context: some RequestContext) async throws -> [String: String] {
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        do {
            return try FormEncoding.decode(String(buffer: buffer))
        } catch {
            throw HTTPError(.badRequest, message: error.message)
        }
    }

    private static func cookieUser(_ request: Request) -> String? {
        guard let value = request.cookies[self.userCookie]?.value else { return nil }
        let user = FormEncoding.decodeComponent(value).trimmingWhitespace()
        return user.isEmpty ? nil : user
    }

    private static func userCookie(_ user: String) -> Cookie {
        Cookie(
            name: self.userCookie,
            value: FormEncoding.encodeComponent(user),
            maxAge: 365 * 86_400,
            path: "/",
            httpOnly: true,
            sameSite: .lax
        )
    }

    private static func redirect(_ location: String, user: String?) -> Response {
        var response = Response(status: .found, headers: [.location: location, .cacheControl: "no-store"])
        if let user {
            response.setCookie(self.userCookie(user))
        }
        return response
    }

    private static func unregisteredRedirect(_ redirectURI: String?) -> Response {
        guard let redirectURI else {
            return HTMLPage.error(title: "Invalid request", message: "The redirect_uri parameter is missing.")
        }
        return HTMLPage.error(
            title: "Invalid redirect_uri",
            message: "The redirect_uri \(redirectURI) is not registered for this app."
        )
    }

    private static func expiredConsent() -> Response {
        HTMLPage.error(
            title: "Authorization expired",
            message: "This authorization request has expired or was already completed. Start again from the app."
        )
    }
}
