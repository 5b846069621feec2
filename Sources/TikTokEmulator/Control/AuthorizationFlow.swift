/// The two TikTok authorization flows.
public struct AuthorizationFlow: Sendable, Hashable, CustomStringConvertible {
    enum Kind: String, Sendable {
        case advertiser
        case account
    }

    let kind: Kind

    private init(_ kind: Kind) {
        self.kind = kind
    }

    /// The advertiser flow (`/portal/auth`, exchanged at `/oauth2/access_token/`): Marketing API and TTCM accounts.
    public static let advertiser = AuthorizationFlow(.advertiser)
    /// The account-holder flow (`/v2/auth/authorize/`, exchanged at `/tt_user/oauth2/token/`): TikTok accounts and
    /// creators.
    public static let account = AuthorizationFlow(.account)

    /// Parses `"advertiser"` or `"account"`.
    public init?(rawValue: String) {
        guard let kind = Kind(rawValue: rawValue) else { return nil }
        self.init(kind)
    }

    /// `"advertiser"` or `"account"`.
    public var rawValue: String { self.kind.rawValue }

    public var description: String { self.rawValue }
}
