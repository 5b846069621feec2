/// The consent screens: advertiser authorization and its verification step, and account-holder authorization.
enum ConsentPages {
    /// The advertiser (Marketing API / TTCM) consent page: the permissions, a user field, Authorize and Deny.
    static func advertiserConsent(_ consent: PendingConsent, user: String, error: String? = nil) -> String {
        let permissions = Permissions.advertiser.map { permission in
            "<li><b>\(HTMLPage.escape(permission.name))</b><small>\(HTMLPage.escape(permission.detail))</small></li>"
        }.joined(separator: "\n")
        return HTMLPage.document(
            title: "Authorize \(consent.appID)",
            content: """
                <h1>Authorize app</h1>
                <p>The app <span class="app" id="app-id">\(HTMLPage.escape(consent.appID))</span> wants to access your
                TikTok For Business ad accounts. It will be granted:</p>
                <ul class="grants" id="permissions">
                \(permissions)
                </ul>
                \(self.errorBlock(error))
                <form method="post" action="/portal/auth/confirm">
                <input type="hidden" name="consent_id" value="\(HTMLPage.escape(consent.id))">
                <label for="user">TikTok user</label>
                <input type="text" id="user" name="user" value="\(HTMLPage.escape(user))" autocomplete="username">
                <div class="buttons">
                <button type="submit" name="decision" value="deny">Deny</button>
                <button type="submit" name="decision" value="approve" class="primary">Authorize</button>
                </div>
                </form>
                <p class="muted">You will be redirected to \(HTMLPage.escape(consent.redirectURI))</p>
                """
        )
    }

    /// The advertiser verification step: "we sent a code to your email or phone", with the code shown.
    static func verification(_ consent: PendingConsent, error: String? = nil) -> String {
        HTMLPage.document(
            title: "Verify it's you",
            content: """
                <h1>Verify it's you</h1>
                <p>To authorize <span class="app" id="app-id">\(HTMLPage.escape(consent.appID))</span> for
                <b>\(HTMLPage.escape(consent.user ?? ""))</b>, we sent a verification code to your email or phone.</p>
                <p class="muted">This is an emulator, so here is the code:</p>
                <p><span class="code" id="verification-code">\(HTMLPage.escape(consent.verificationCode ?? ""))</span></p>
                \(self.errorBlock(error))
                <form method="post" action="/portal/auth/verify">
                <input type="hidden" name="consent_id" value="\(HTMLPage.escape(consent.id))">
                <label for="verification_code">Verification code</label>
                <input type="text" id="verification_code" name="verification_code" inputmode="numeric"
                 autocomplete="one-time-code" maxlength="6">
                <div class="buttons">
                <button type="submit" class="primary">Verify</button>
                </div>
                </form>
                """
        )
    }

    /// The account-holder consent page: the requested scopes, a user field, Authorize and Deny.
    static func accountConsent(_ consent: PendingConsent, user: String, error: String? = nil) -> String {
        let scopes = consent.scopes.map { scope in
            let description = Permissions.accountScopeDescriptions[scope] ?? "Access \(scope)"
            return "<li><b>\(HTMLPage.escape(scope))</b><small>\(HTMLPage.escape(description))</small></li>"
        }.joined(separator: "\n")
        return HTMLPage.document(
            title: "Authorize \(consent.appID)",
            content: """
                <h1>Log in with TikTok</h1>
                <p>The app <span class="app" id="app-id">\(HTMLPage.escape(consent.appID))</span> would like to:</p>
                <ul class="grants" id="scopes">
                \(scopes)
                </ul>
                \(self.errorBlock(error))
                <form method="post" action="/v2/auth/authorize/confirm">
                <input type="hidden" name="consent_id" value="\(HTMLPage.escape(consent.id))">
                <label for="user">TikTok user</label>
                <input type="text" id="user" name="user" value="\(HTMLPage.escape(user))" autocomplete="username">
                <div class="buttons">
                <button type="submit" name="decision" value="deny">Deny</button>
                <button type="submit" name="decision" value="approve" class="primary">Authorize</button>
                </div>
                </form>
                <p class="muted">You will be redirected to \(HTMLPage.escape(consent.redirectURI))</p>
                """
        )
    }

    private static func errorBlock(_ error: String?) -> String {
        error.map { "<p class=\"error\" id=\"error\">\(HTMLPage.escape($0))</p>" } ?? ""
    }
}
