import Foundation

/// What the vault must do for a connection, and when: pure functions of a record, its configuration and the time.
struct MaintenanceSchedule: Sendable {
    var configuration: ConnectionManager.Configuration

    /// The margin before expiry at which a token of this lifetime is refreshed: the configured margin, but never more
    /// than half of the lifetime.
    func refreshMargin(lifetime: TimeInterval?) -> TimeInterval {
        guard let lifetime, lifetime > 0 else { return configuration.refreshMargin }
        return min(configuration.refreshMargin, lifetime / 2)
    }

    /// The access token's lifetime as TikTok gave it (expiry minus the time it was obtained).
    func lifetime(of connection: Connection) -> TimeInterval? {
        guard let expires = connection.accessTokenExpiresAt, let obtained = connection.lastRefreshedAt else {
            return nil
        }
        return expires.timeIntervalSince(obtained)
    }

    /// How close to expiry ``ConnectionManager/accessToken(for:)`` refreshes first: the configured skew, but never
    /// more than half of the token's lifetime (so short-lived tokens are not refreshed on every call).
    func accessTokenSkew(for connection: Connection) -> TimeInterval {
        guard let lifetime = lifetime(of: connection), lifetime > 0 else { return configuration.accessTokenSkew }
        return min(configuration.accessTokenSkew, lifetime / 2)
    }

    /// When the access token falls due for refresh.
    func refreshDue(_ connection: Connection) -> Date? {
        guard let expires = connection.accessTokenExpiresAt else { return nil }
        return expires.addingTimeInterval(-refreshMargin(lifetime: lifetime(of: connection)))
    }

    /// The warning windows (days) whose time has come and that were not yet sent.
    func dueWarnings(_ record: ConnectionRecord, now: Date) -> [Int] {
        guard let lapse = record.connection.refreshTokenExpiresAt else { return [] }
        return configuration.refreshTokenWarningDays.filter { days in
            !record.warningsSent.contains(days) && lapse.addingTimeInterval(-Double(days) * 86_400) <= now
        }
    }

    /// The next time the vault has work for `record`: a refresh, a warning, the lapse, or a liveness check.
    func nextAction(for record: ConnectionRecord) -> Date? {
        let connection = record.connection
        guard connection.status == .active else { return nil }
        if connection.kind.hasExpiringTokens {
            var candidates: [Date] = []
            if let due = refreshDue(connection) { candidates.append(due) }
            if let lapse = connection.refreshTokenExpiresAt {
                candidates.append(lapse)
                for days in configuration.refreshTokenWarningDays where !record.warningsSent.contains(days) {
                    candidates.append(lapse.addingTimeInterval(-Double(days) * 86_400))
                }
            }
            return candidates.min()
        }
        let last = connection.lastCheckedAt ?? connection.createdAt
        return last.addingTimeInterval(configuration.livenessInterval)
    }

    /// The backoff after `failures` consecutive transient failures, with ±20% jitter.
    func failureBackoff(failures: Int) -> TimeInterval {
        let exponent = Double(max(0, failures - 1))
        let bound = min(configuration.maximumFailureBackoff, configuration.failureBackoff * pow(2, exponent))
        return bound * Double.random(in: 0.8...1.2)
    }
}
