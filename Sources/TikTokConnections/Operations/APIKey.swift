import Foundation

/// A named management API key, stored only as a hash. Its secret is shown once, when it is created.
public struct APIKey: Sendable, Hashable, Identifiable {
    /// What a key may do. Each scope includes the ones before it.
    public enum Scope: String, Sendable, Hashable, CaseIterable, Comparable {
        /// List and show connections, events and the audit trail.
        case read
        /// `read`, plus read access tokens and call TikTok through the proxy.
        case tokens
        /// Everything: links, refresh, revoke, API keys, the admin page.
        case admin

        /// Whether this scope includes `other`.
        public func includes(_ other: Scope) -> Bool { self >= other }

        public static func < (lhs: Scope, rhs: Scope) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// The key's id, `key_` and 16 hex digits; the audit trail names it.
    public var id: String
    /// A name for people.
    public var name: String
    /// What it may do.
    public var scope: Scope
    /// SHA-256 of the key, hex.
    public var keyHash: String
    /// When it was created.
    public var createdAt: Date
    /// When it was revoked; a revoked key is refused.
    public var revokedAt: Date?

    /// Creates a key record.
    public init(id: String, name: String, scope: Scope, keyHash: String, createdAt: Date, revokedAt: Date? = nil) {
        self.id = id
        self.name = name
        self.scope = scope
        self.keyHash = keyHash
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    /// A new key: the record to store and the secret to show once (`tbk_` and 43 URL-safe characters).
    public static func generate(name: String, scope: Scope, at time: Date) -> (record: APIKey, secret: String) {
        let secret = "tbk_" + RandomID.urlSafe(bytes: 32)
        let record = APIKey(
            id: "key_" + RandomID.hex(bytes: 8), name: name, scope: scope, keyHash: hash(secret), createdAt: time)
        return (record, secret)
    }

    /// The stored hash of a presented key.
    public static func hash(_ secret: String) -> String {
        Hashing.sha256Hex(secret)
    }
}
