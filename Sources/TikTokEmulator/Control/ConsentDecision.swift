/// What the emulated user answers on a consent screen.
public struct ConsentDecision: Sendable, Hashable, CustomStringConvertible {
    private let approves: Bool

    private init(approves: Bool) {
        self.approves = approves
    }

    /// The user authorizes the app.
    public static let approve = ConsentDecision(approves: true)
    /// The user denies the request; the redirect carries `error=access_denied`.
    public static let deny = ConsentDecision(approves: false)

    /// Parses `"approve"` or `"deny"`.
    public init?(rawValue: String) {
        switch rawValue {
        case "approve": self = .approve
        case "deny": self = .deny
        default: return nil
        }
    }

    /// `"approve"` or `"deny"`.
    public var rawValue: String { self.approves ? "approve" : "deny" }

    /// Whether the decision is an approval.
    public var isApproval: Bool { self.approves }

    public var description: String { self.rawValue }
}
