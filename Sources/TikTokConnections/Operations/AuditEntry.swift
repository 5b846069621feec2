import Foundation

/// An entry of the audit trail: who read a token, revoked a connection, created a link or changed an API key.
///
/// Proxied calls are not logged one by one; they are counted per connection, caller and day (``ProxyUsage``).
/// Never holds a token or a key.
public struct AuditEntry: Sendable, Hashable {
    /// What was done.
    public struct Action: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A connection's access token was read (`GET /v1/connections/{id}/access-token`).
        public static let tokenRead = Action(rawValue: "token.read")
        /// A connection was revoked.
        public static let connectionRevoked = Action(rawValue: "connection.revoked")
        /// A connection was refreshed on request.
        public static let connectionRefreshed = Action(rawValue: "connection.refreshed")
        /// An authorization (or reconnect) link was created.
        public static let linkCreated = Action(rawValue: "link.created")
        /// An API key was created.
        public static let apiKeyCreated = Action(rawValue: "api_key.created")
        /// An API key was revoked.
        public static let apiKeyRevoked = Action(rawValue: "api_key.revoked")
        /// A proxy token was issued for a connection.
        public static let proxyTokenCreated = Action(rawValue: "proxy_token.created")
        /// A proxy token was revoked.
        public static let proxyTokenRevoked = Action(rawValue: "proxy_token.revoked")
        /// Someone signed in to the admin page.
        public static let adminSignedIn = Action(rawValue: "admin.signed_in")
    }

    /// The trail position, assigned by the store (increasing). `0` before it is stored.
    public var sequence: Int64
    /// A unique id.
    public var id: String
    /// When it happened.
    public var occurredAt: Date
    /// What was done.
    public var action: Action
    /// The connection it concerns, if any.
    public var connectionID: String?
    /// Who did it: `api_key:{id}`, `admin:{key id}` (an admin page session), `proxy_token:{id}` or `cli`.
    public var actor: String
    /// The request's id (`X-Request-ID`), when it came over HTTP.
    public var requestID: String?
    /// Details, never secrets.
    public var data: [String: String]

    /// Creates an entry.
    public init(
        sequence: Int64 = 0, id: String = "aud_" + RandomID.hex(bytes: 12), occurredAt: Date, action: Action,
        connectionID: String? = nil, actor: String, requestID: String? = nil, data: [String: String] = [:]
    ) {
        self.sequence = sequence
        self.id = id
        self.occurredAt = occurredAt
        self.action = action
        self.connectionID = connectionID
        self.actor = actor
        self.requestID = requestID
        self.data = data
    }
}
