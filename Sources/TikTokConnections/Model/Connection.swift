import Foundation

/// A connection to one TikTok advertiser authorization, account holder, TTCM account or creator: what TikTok returned,
/// its status and lifetimes. Never its tokens (those stay sealed in the store).
public struct Connection: Sendable, Hashable, Identifiable {
    /// The connection's id, e.g. `conn_3f…`. Stays the same across re-authorizations.
    public var id: String
    /// The kind.
    public var kind: ConnectionKind
    /// The status.
    public var status: ConnectionStatus
    /// Why the status last changed, e.g. `refresh_token_expired`.
    public var statusReason: String?
    /// The app's own id for the end user who authorized, if the link carried one.
    public var endUserID: String?
    /// Advertiser ids the token covers (advertiser and TTCM account kinds).
    public var advertiserIDs: [String]
    /// The account holder's open id, sent as `business_id` (tiktok_account and creator kinds).
    public var openID: String?
    /// TTCM account ids (tcm_account kind).
    public var tcmAccountIDs: [String]
    /// Granted scopes: permission ids as text for advertiser-style kinds, scope names for account-style kinds.
    public var scopes: [String]
    /// When the access token expires; `nil` for non-expiring tokens.
    public var accessTokenExpiresAt: Date?
    /// When the refresh token lapses; `nil` for non-expiring tokens.
    public var refreshTokenExpiresAt: Date?
    /// The last successful refresh.
    public var lastRefreshedAt: Date?
    /// The last successful liveness check (non-expiring kinds).
    public var lastCheckedAt: Date?
    /// The display name TikTok gives the account (an account holder's or creator's display name, the TTCM account's
    /// name, the first advertiser's name), kept from the authorization and each liveness check. `nil` until known.
    public var displayName: String?
    /// The name of each identity (advertiser id, TTCM account id or open id) that TikTok named.
    public var names: [String: String]
    /// The account's avatar (profile image) URL, for account holders and creators.
    public var avatarURL: String?
    /// Since when the connection's refreshes or liveness checks have been failing transiently without a success in
    /// between; `nil` while they succeed. A connection failing for longer than
    /// ``ConnectionManager/Configuration/degradedAfter`` is ``ConnectionHealth/degraded``.
    public var failingSince: Date?
    /// Creation time.
    public var createdAt: Date
    /// Last update time.
    public var updatedAt: Date

    /// Creates a connection.
    public init(
        id: String, kind: ConnectionKind, status: ConnectionStatus = .active, statusReason: String? = nil,
        endUserID: String? = nil, advertiserIDs: [String] = [], openID: String? = nil, tcmAccountIDs: [String] = [],
        scopes: [String] = [], accessTokenExpiresAt: Date? = nil, refreshTokenExpiresAt: Date? = nil,
        lastRefreshedAt: Date? = nil, lastCheckedAt: Date? = nil, displayName: String? = nil,
        names: [String: String] = [:], avatarURL: String? = nil, failingSince: Date? = nil, createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.kind = kind
        self.status = status
        self.statusReason = statusReason
        self.endUserID = endUserID
        self.advertiserIDs = advertiserIDs
        self.openID = openID
        self.tcmAccountIDs = tcmAccountIDs
        self.scopes = scopes
        self.accessTokenExpiresAt = accessTokenExpiresAt
        self.refreshTokenExpiresAt = refreshTokenExpiresAt
        self.lastRefreshedAt = lastRefreshedAt
        self.lastCheckedAt = lastCheckedAt
        self.displayName = displayName
        self.names = names
        self.avatarURL = avatarURL
        self.failingSince = failingSince
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The TikTok identities that make two authorizations "the same": advertiser ids, TTCM account ids or the open id.
    public var identities: [String] {
        switch kind {
        case .advertiser: advertiserIDs
        case .tcmAccount: tcmAccountIDs.isEmpty ? advertiserIDs : tcmAccountIDs
        case .tiktokAccount, .creator: openID.map { [$0] } ?? []
        }
    }

    /// The connection's health at `now`: ``ConnectionHealth/degraded`` when its refreshes or checks have been failing
    /// transiently for longer than `degradedAfter`. Separate from ``status``: a degraded connection is still active.
    public func health(now: Date, degradedAfter: TimeInterval) -> ConnectionHealth {
        guard status == .active, let failingSince, now.timeIntervalSince(failingSince) >= degradedAfter else {
            return .ok
        }
        return .degraded
    }

    /// The text a search matches: the id, end user, identities, display name and names, lowercased.
    public var searchText: String {
        ([id, endUserID ?? "", displayName ?? ""] + advertiserIDs + tcmAccountIDs + [openID ?? ""]
            + names.keys.sorted().compactMap { names[$0] })
            .filter { !$0.isEmpty }.joined(separator: "\n").lowercased()
    }
}

/// Whether a connection's background work is succeeding (separate from its status).
public enum ConnectionHealth: String, Sendable, Hashable, CaseIterable {
    /// Refreshes and checks succeed (or have failed for less than the threshold).
    case ok
    /// Refreshes or checks have been failing transiently for longer than the threshold.
    case degraded
}
