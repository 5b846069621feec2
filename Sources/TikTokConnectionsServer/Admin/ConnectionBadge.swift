import Foundation
import TikTokConnections

/// The status an operator sees for a connection, most urgent first: revoked, re-authorization required, refresh token
/// lapsing within 30 days, access token expiring (due for refresh), active.
struct ConnectionBadge: Sendable, Hashable {
    enum Tone: String, Sendable { case ok, warn, bad, muted }

    var label: String
    var tone: Tone

    /// Days before the refresh token lapses from which the badge warns.
    static let lapsingWindowDays = 30

    static func of(_ connection: Connection, now: Date, refreshMargin: TimeInterval, health: ConnectionHealth = .ok)
        -> ConnectionBadge
    {
        switch connection.status {
        case .revoked: return ConnectionBadge(label: "revoked", tone: .muted)
        case .reauthorizationRequired: return ConnectionBadge(label: "re-authorization required", tone: .bad)
        case .active: break
        }
        if health == .degraded, let since = connection.failingSince {
            return ConnectionBadge(
                label: "degraded: failing since \(AdminFormat.relative(since, now: now))", tone: .warn)
        }
        guard connection.kind.hasExpiringTokens else { return ConnectionBadge(label: "active", tone: .ok) }
        if let lapses = connection.refreshTokenExpiresAt {
            let remaining = lapses.timeIntervalSince(now)
            if remaining <= TimeInterval(lapsingWindowDays) * 86_400 {
                let days = max(0, Int((remaining / 86_400).rounded(.up)))
                let label =
                    days == 0
                    ? "refresh token lapsing today" : "refresh token lapsing in \(days) day\(days == 1 ? "" : "s")"
                return ConnectionBadge(label: label, tone: .warn)
            }
        }
        if let expires = connection.accessTokenExpiresAt, expires.timeIntervalSince(now) < refreshMargin {
            return ConnectionBadge(label: "expires soon", tone: .warn)
        }
        return ConnectionBadge(label: "active", tone: .ok)
    }
}

/// Human formatting for the admin pages.
enum AdminFormat {
    /// `2026-11-25 12:30 UTC`, or an em dash.
    static func date(_ date: Date?) -> String {
        guard let date else { return "—" }
        let text = date.formatted(.iso8601)
        return "\(text.prefix(10)) \(text.dropFirst(11).prefix(5)) UTC"
    }

    /// `in 3 h`, `5 min ago`, `just now`.
    static func relative(_ date: Date?, now: Date) -> String {
        guard let date else { return "" }
        let seconds = date.timeIntervalSince(now)
        let magnitude = abs(seconds)
        let amount: String
        switch magnitude {
        case ..<60: return "just now"
        case ..<3600: amount = "\(Int(magnitude / 60)) min"
        case ..<172_800: amount = "\(Int(magnitude / 3600)) h"
        default: amount = "\(Int(magnitude / 86_400)) d"
        }
        return seconds > 0 ? "in \(amount)" : "\(amount) ago"
    }

    static func kind(_ kind: ConnectionKind) -> String {
        switch kind {
        case .advertiser: "Advertiser"
        case .tiktokAccount: "TikTok account"
        case .tcmAccount: "TTCM account"
        case .creator: "Creator"
        }
    }

    /// Who authorized: advertiser ids, TTCM account ids or the open id.
    static func identities(_ connection: Connection) -> [(label: String, values: [String])] {
        var result: [(String, [String])] = []
        if !connection.advertiserIDs.isEmpty { result.append(("Advertiser ids", connection.advertiserIDs)) }
        if !connection.tcmAccountIDs.isEmpty { result.append(("TTCM account ids", connection.tcmAccountIDs)) }
        if let openID = connection.openID { result.append(("Open id", [openID])) }
        return result
    }

    /// A short "who" for a table cell: the first identities and how many more.
    static func who(_ connection: Connection) -> String {
        let values =
            connection.kind == .tcmAccount && !connection.tcmAccountIDs.isEmpty
            ? connection.tcmAccountIDs : (connection.openID.map { [$0] } ?? connection.advertiserIDs)
        guard !values.isEmpty else { return "—" }
        let shown = values.prefix(2).joined(separator: ", ")
        return values.count > 2 ? "\(shown) +\(values.count - 2)" : shown
    }

    /// An event's webhook delivery as a badge, with a detail line for pending and failed ones.
    static func webhook(_ delivery: WebhookDelivery?, now: Date) -> (
        label: String, tone: ConnectionBadge.Tone, detail: String?
    ) {
        guard let delivery else { return ("Webhook: not sent (before webhooks were on)", .muted, nil) }
        let last = [delivery.lastStatusCode.map { "HTTP \($0)" }, delivery.lastError].compactMap { $0 }.first
        switch delivery.state {
        case .delivered:
            return ("Webhook delivered", .ok, nil)
        case .pending:
            let tries = delivery.attempts == 1 ? "1 attempt" : "\(delivery.attempts) attempts"
            let next = delivery.nextAttemptAt.map { "next \(relative($0, now: now))" }
            let detail =
                delivery.attempts == 0
                ? nil : ([tries, last.map { "last: \($0)" }, next].compactMap { $0 }.joined(separator: " · "))
            return ("Webhook pending", .warn, detail)
        case .failed:
            return (
                "Webhook failed", .bad,
                "gave up after \(delivery.attempts) attempts" + (last.map { " · last: \($0)" } ?? "")
            )
        }
    }

    static func event(_ type: ConnectionEvent.EventType) -> String {
        switch type {
        case .connectionCreated: "Connected"
        case .connectionReauthorized: "Re-authorized"
        case .tokenRefreshed: "Token refreshed"
        case .refreshFailed: "Refresh failed"
        case .refreshTokenExpiring: "Refresh token expiring"
        case .reauthorizationRequired: "Re-authorization required"
        case .connectionRevoked: "Revoked"
        case .advertisersChanged: "Advertisers changed"
        case .connectionRecovered: "Recovered"
        default: type.rawValue
        }
    }

    static func action(_ action: AuditEntry.Action) -> String {
        switch action {
        case .tokenRead: "Access token read"
        case .connectionRevoked: "Revoked"
        case .connectionRefreshed: "Refreshed on request"
        case .linkCreated: "Link created"
        case .apiKeyCreated: "API key created"
        case .apiKeyRevoked: "API key revoked"
        case .adminSignedIn: "Signed in to the admin page"
        default: action.rawValue
        }
    }

    /// A `mailto:` URL with the link in its body, for sending it from the operator's mail client.
    static func mailto(url: String, name: String?, expires: Date) -> String {
        let subject = "Please reconnect your TikTok account" + (name.map { " (\($0))" } ?? "")
        let body =
            "Hello,\n\nPlease open this link to connect your TikTok account again:\n\n\(url)\n\n"
            + "The link works once and expires \(date(expires)).\n"
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        func encode(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }
        return "mailto:?subject=\(encode(subject))&body=\(encode(body))"
    }

    /// A display name for tables: the name TikTok gave, or the identities when unnamed.
    static func name(_ connection: Connection) -> String {
        connection.displayName ?? who(connection)
    }
}
