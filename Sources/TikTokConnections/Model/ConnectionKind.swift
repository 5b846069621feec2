/// The four kinds of connection, one per TikTok authorization flow (see DESIGN.md).
public enum ConnectionKind: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// A Marketing API advertiser authorization: a non-expiring token over advertiser ids.
    case advertiser
    /// A TikTok account holder (Accounts API): a 24 h access token and a 1 year refresh token.
    case tiktokAccount = "tiktok_account"
    /// A Creator Marketplace (TTCM) account: the advertiser-style flow, a non-expiring token.
    case tcmAccount = "tcm_account"
    /// A Creator Marketplace creator: the account-holder-style flow, 24 h / 1 year tokens.
    case creator

    /// Whether the kind authorizes through the advertiser URL and `/oauth2/access_token/` (non-expiring tokens).
    public var usesAdvertiserFlow: Bool { self == .advertiser || self == .tcmAccount }

    /// Whether the kind's access token expires and is renewed with a refresh token.
    public var hasExpiringTokens: Bool { !usesAdvertiserFlow }

    public var description: String { rawValue }
}

/// A connection's state.
public enum ConnectionStatus: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Tokens are valid (or renewable).
    case active
    /// TikTok answered definitively that the tokens no longer work; the user must authorize again.
    case reauthorizationRequired = "reauthorization_required"
    /// Revoked on purpose; its tokens are erased.
    case revoked

    public var description: String { rawValue }
}
