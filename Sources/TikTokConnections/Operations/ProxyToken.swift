import Foundation

/// A connection-scoped proxy token: what an existing TikTok client sends as its `Access-Token` to the drop-in
/// endpoint (`/open_api/v1.3/…`), which swaps it for the connection's real access token on the way out. Stored only
/// as a hash; the secret (`tbp_…`) is shown once. It outlives refreshes and reconnects of its connection, and stops
/// when revoked, when it expires, or when its connection is revoked.
public struct ProxyToken: Sendable, Hashable, Identifiable {
    /// The token's id, `ptk_` and 16 hex digits.
    public var id: String
    /// The connection whose access token it stands for.
    public var connectionID: String
    /// SHA-256 of the secret, hex.
    public var tokenHash: String
    /// The TikTok API paths it may call (`/advertiser/info/`, or a prefix ending in `*` such as `/report/*`); `nil`
    /// allows every path.
    public var allowedPaths: [String]?
    /// When it was created.
    public var createdAt: Date
    /// When it stops working; `nil`: never.
    public var expiresAt: Date?
    /// When it was revoked.
    public var revokedAt: Date?
    /// Who created it (as ``AuditEntry/actor``).
    public var createdBy: String

    /// Creates a record.
    public init(
        id: String, connectionID: String, tokenHash: String, allowedPaths: [String]?, createdAt: Date, expiresAt: Date?,
        revokedAt: Date? = nil, createdBy: String
    ) {
        self.id = id
        self.connectionID = connectionID
        self.tokenHash = tokenHash
        self.allowedPaths = allowedPaths
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.createdBy = createdBy
    }

    /// A new token: the record to store and the secret to show once (`tbp_` and 43 URL-safe characters).
    public static func generate(
        connectionID: String, allowedPaths: [String]?, expiresAt: Date?, createdBy: String, at time: Date
    ) -> (record: ProxyToken, secret: String) {
        let secret = "tbp_" + RandomID.urlSafe(bytes: 32)
        let record = ProxyToken(
            id: "ptk_" + RandomID.hex(bytes: 8), connectionID: connectionID, tokenHash: APIKey.hash(secret),
            allowedPaths: allowedPaths, createdAt: time, expiresAt: expiresAt, createdBy: createdBy)
        return (record, secret)
    }

    /// Whether it works at `time`: not revoked and not expired.
    public func isUsable(at time: Date) -> Bool {
        revokedAt == nil && (expiresAt.map { time < $0 } ?? true)
    }

    /// Whether it may call `path` (a TikTok API path such as `/campaign/get/`). The trailing slash does not matter.
    public func allows(path: String) -> Bool {
        guard let allowedPaths else { return true }
        let path = Self.trimmed(path)
        return allowedPaths.contains { pattern in
            if pattern.hasSuffix("*") { return (path + "/").hasPrefix(String(pattern.dropLast())) }
            return Self.trimmed(pattern) == path
        }
    }

    /// Checks an allow-list as given by a caller: at most 100 paths, each starting with `/`, of at most 200
    /// characters from `a-z 0-9 _ - . /`, with `*` only as the last character.
    /// - Returns: a message saying what is wrong, or `nil`.
    public static func problem(in allowedPaths: [String]) -> String? {
        guard !allowedPaths.isEmpty, allowedPaths.count <= 100 else {
            return "allowed_paths must list 1 to 100 TikTok API paths."
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789_-./")
        for path in allowedPaths {
            let body = path.hasSuffix("*") ? path.dropLast() : Substring(path)
            guard path.hasPrefix("/"), path.count <= 200, body.allSatisfy({ allowed.contains($0) }),
                !body.contains("..")
            else {
                return "allowed_paths entries must be TikTok API paths such as /advertiser/info/ or /report/*"
                    + " (lowercase letters, digits, _ - . /, a * only at the end)."
            }
        }
        return nil
    }

    private static func trimmed(_ path: String) -> String {
        var path = path
        while path.hasSuffix("/") { path.removeLast() }
        return path
    }
}
