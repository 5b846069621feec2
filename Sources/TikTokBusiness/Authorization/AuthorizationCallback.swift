import Foundation

/// What TikTok's redirect back to the app carries: an authorization code, or the user's refusal.
public struct AuthorizationCallback: Sendable, Hashable {
    /// The outcome.
    public enum Outcome: Sendable, Hashable {
        /// The user consented. `code` is the single-use authorization code (`auth_code` or `code`); `scopes` the
        /// granted scopes when TikTok lists them (Accounts API `scopes=a,b`).
        case authorized(code: String, scopes: [String])
        /// The user refused, or TikTok reported an error: its `error` and `error_description`.
        case denied(error: String, description: String?)
    }

    /// The `state` sent with the authorization URL.
    public var state: String
    /// The outcome.
    public var outcome: Outcome

    /// Creates a callback.
    public init(state: String, outcome: Outcome) {
        self.state = state
        self.outcome = outcome
    }

    /// Parses a callback from its query items. Accepts `auth_code` (Marketing API) or `code` (Accounts API and some
    /// Marketing clients), `state`, `scopes`, and `error`/`error_description`.
    ///
    /// - Throws: ``AuthorizationCallbackError`` when `state` is missing or there is neither a code nor an error.
    public init(queryItems: [(name: String, value: String?)]) throws {
        var values: [String: String] = [:]
        for item in queryItems where values[item.name] == nil {
            values[item.name] = item.value ?? ""
        }
        guard let state = values["state"], !state.isEmpty else {
            throw AuthorizationCallbackError.missingState
        }
        self.state = state
        if let error = values["error"], !error.isEmpty {
            let description = values["error_description"].flatMap { $0.isEmpty ? nil : $0 }
            outcome = .denied(error: error, description: description)
        } else if let code = values["auth_code"] ?? values["code"], !code.isEmpty {
            let scopes = (values["scopes"] ?? values["scope"] ?? "")
                .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            outcome = .authorized(code: code, scopes: scopes)
        } else {
            throw AuthorizationCallbackError.missingCode
        }
    }

    /// Parses a callback from a raw query string (`auth_code=…&state=…`, with or without a leading `?`).
    public init(query: String) throws {
        let trimmed = query.hasPrefix("?") ? String(query.dropFirst()) : query
        let items = trimmed.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(String(parts[0]))
            let value = parts.count > 1 ? Self.decode(String(parts[1])) : nil
            return (name: name, value: value)
        }
        try self.init(queryItems: items)
    }

    /// Parses a callback from the full redirect URL.
    public init(url: String) throws {
        guard let index = url.firstIndex(of: "?") else { throw AuthorizationCallbackError.missingState }
        var query = String(url[url.index(after: index)...])
        if let fragment = query.firstIndex(of: "#") {
            query = String(query[..<fragment])
        }
        try self.init(query: query)
    }

    private static func decode(_ text: String) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}

/// Why a redirect could not be read as an authorization callback.
public struct AuthorizationCallbackError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Base: String, Hashable, Sendable {
        case missingState = "missing_state"
        case missingCode = "missing_code"
    }
    private let base: Base

    /// The redirect has no `state`.
    public static let missingState = AuthorizationCallbackError(base: .missingState)
    /// The redirect has neither a code nor an error.
    public static let missingCode = AuthorizationCallbackError(base: .missingCode)

    /// A stable machine-readable code.
    public var code: String { base.rawValue }

    public var description: String {
        switch base {
        case .missingState: "The redirect carries no state parameter."
        case .missingCode: "The redirect carries neither an authorization code nor an error."
        }
    }
}
