import Foundation

/// A connection as the store keeps it: the public ``Connection`` plus its sealed tokens and the bookkeeping the vault
/// needs. Tokens are only ever stored sealed by ``TokenCipher``.
public struct ConnectionRecord: Sendable, Hashable {
    /// The connection.
    public var connection: Connection
    /// The sealed access token; `nil` once revoked.
    public var accessToken: SealedToken?
    /// The sealed refresh token (account-style kinds); `nil` once revoked.
    public var refreshToken: SealedToken?
    /// When the vault next has work to do for this connection (refresh, warning, lapse, liveness check, retry).
    /// `nil` when there is none (revoked, re-authorization required).
    public var nextActionAt: Date?
    /// Consecutive transient refresh or check failures, for backoff.
    public var failureCount: Int
    /// The refresh-token warnings already sent, in days before lapse (e.g. `[30, 7]`).
    public var warningsSent: [Int]
    /// Optimistic concurrency: incremented by every write. A write states the version it read.
    public var version: Int

    /// Creates a record.
    public init(
        connection: Connection, accessToken: SealedToken?, refreshToken: SealedToken?, nextActionAt: Date?,
        failureCount: Int = 0, warningsSent: [Int] = [], version: Int = 0
    ) {
        self.connection = connection
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.nextActionAt = nextActionAt
        self.failureCount = failureCount
        self.warningsSent = warningsSent
        self.version = version
    }

    /// The connection's id.
    public var id: String { connection.id }
}
