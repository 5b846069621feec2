import Foundation

/// A pending authorization, keyed by the hash of its `state` (the state itself is never stored).
public struct AuthorizationState: Sendable, Hashable {
    /// Hex SHA-256 of the state value.
    public var stateHash: String
    /// The kind being authorized.
    public var kind: ConnectionKind
    /// The redirect URI the authorization URL carried (the Accounts API exchange must send it again).
    public var redirectURI: String
    /// The app's end user id to record on the connection.
    public var endUserID: String?
    /// The connection to re-authorize in place, for reconnect links.
    public var reconnectConnectionID: String?
    /// Hex SHA-256 of the browser binding (cookie) value, when the flow is bound to a browser.
    public var browserBindingHash: String?
    /// Whether `disable_auto_auth=1` was requested.
    public var forceConsent: Bool
    /// Where to send the browser after the callback, when the service allows it.
    public var redirectAfter: String?
    /// Creation time.
    public var createdAt: Date
    /// Expiry; a callback after this is rejected.
    public var expiresAt: Date
    /// When the state was used; a state is single use.
    public var consumedAt: Date?

    /// Creates a state record.
    public init(
        stateHash: String, kind: ConnectionKind, redirectURI: String, endUserID: String?,
        reconnectConnectionID: String?, browserBindingHash: String?, forceConsent: Bool, redirectAfter: String?,
        createdAt: Date, expiresAt: Date, consumedAt: Date? = nil
    ) {
        self.stateHash = stateHash
        self.kind = kind
        self.redirectURI = redirectURI
        self.endUserID = endUserID
        self.reconnectConnectionID = reconnectConnectionID
        self.browserBindingHash = browserBindingHash
        self.forceConsent = forceConsent
        self.redirectAfter = redirectAfter
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.consumedAt = consumedAt
    }
}
