import Foundation
import TikTokBusiness

extension FuzzTarget {
    /// `AuthorizationCallback(query:)`: the raw query string of `GET /oauth/callback/{kind}`, parsed before anything
    /// else happens to it (`ConnectionManager.completeAuthorization(kind:query:browserBinding:)`).
    ///
    /// Invariants: a parsed callback has a non-empty state, and a non-empty code or error; scopes are trimmed and
    /// non-empty; written back as a query (every value percent-encoded) it parses to the same callback, and the full
    /// redirect URL parses as its query does.
    static let callbackQuery = FuzzTarget(
        name: "callback-query",
        summary: "the OAuth callback's query string (AuthorizationCallback(query:))",
        run: { bytes in
            let query = bytes.text
            guard let callback = try? AuthorizationCallback(query: query) else { return }
            check(!callback.state.isEmpty, "a callback without a state was accepted")
            var canonical = "state=" + strictPercentEncoded(callback.state)
            switch callback.outcome {
            case .authorized(let code, let scopes):
                check(!code.isEmpty, "an empty code was accepted")
                for scope in scopes {
                    check(
                        !scope.isEmpty && scope == scope.trimmingCharacters(in: .whitespaces) && !scope.contains(","),
                        "scope \(scope.debugDescription) is empty, untrimmed or holds a comma")
                }
                canonical += "&code=" + strictPercentEncoded(code)
                if !scopes.isEmpty { canonical += "&scopes=" + strictPercentEncoded(scopes.joined(separator: ",")) }
            case .denied(let error, let description):
                check(!error.isEmpty, "an empty error was accepted")
                canonical += "&error=" + strictPercentEncoded(error)
                if let description {
                    check(!description.isEmpty, "an empty error description was kept")
                    canonical += "&error_description=" + strictPercentEncoded(description)
                }
            }
            let reparsed = try? AuthorizationCallback(query: canonical)
            check(reparsed == callback, "\(canonical.debugDescription) does not parse back to \(callback)")
            if !query.contains("#") {
                let fromURL = try? AuthorizationCallback(url: "https://app.example/oauth/callback/advertiser?" + query)
                check(fromURL == callback, "the redirect URL does not parse as its query does")
            }
        })
}
