import Foundation

extension TikTokClient {
    /// The advertiser authorization URL (Marketing API, and the Creator Marketplace TTCM account):
    /// `{advertiserAuthorizationURL}?app_id=…&state=…&redirect_uri=…`.
    ///
    /// `redirectURI` must be one of the advertiser redirect URLs registered for the app (up to 10).
    public func advertiserAuthorizationURL(state: String, redirectURI: String) -> String {
        AuthorizationURL.build(
            base: configuration.advertiserAuthorizationURL,
            parameters: [("app_id", configuration.appID), ("state", state), ("redirect_uri", redirectURI)])
    }

    /// The TikTok account holder authorization URL (Accounts API, and the Creator Marketplace creator):
    /// `{accountAuthorizationURL}?client_key=…&scope=a,b&response_type=code&redirect_uri=…&state=…`.
    ///
    /// - Parameter disableAutoAuth: adds `disable_auto_auth=1`, which shows the consent screen again to a user who
    ///   already approved the app.
    public func accountAuthorizationURL(
        state: String, redirectURI: String, scopes: [String], disableAutoAuth: Bool = false
    ) -> String {
        var parameters = [
            ("client_key", configuration.appID), ("scope", scopes.joined(separator: ",")), ("response_type", "code"),
            ("redirect_uri", redirectURI), ("state", state),
        ]
        if disableAutoAuth {
            parameters.append(("disable_auto_auth", "1"))
        }
        return AuthorizationURL.build(base: configuration.accountAuthorizationURL, parameters: parameters)
    }
}

enum AuthorizationURL {
    static func build(base: String, parameters: [(String, String)]) -> String {
        let query = parameters.map { QueryEncoding.escape($0.0) + "=" + QueryEncoding.escape($0.1) }
            .joined(separator: "&")
        return base + (base.contains("?") ? "&" : "?") + query
    }
}
