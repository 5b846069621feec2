import Foundation
import Hummingbird
import TikTokConnections

/// The lists of connections that need a person, as the overview links to them (`/?attention=…`).
enum AttentionList: String, Sendable, CaseIterable {
    case reauthorization, degraded, lapsing

    var label: String {
        switch self {
        case .reauthorization: "needing re-authorization"
        case .degraded: "degraded (refreshes failing)"
        case .lapsing: "with refresh tokens lapsing within 30 days"
        }
    }
}

/// The admin page's overview: tiles, counts by kind and status, what needs a person, and the charts.
extension AdminRoutes {
    /// The overview shows this many connections of each attention list; the rest are a click away.
    static var attentionRows: Int { 10 }

    func filter(_ list: AttentionList, _ base: ConnectionFilter = .init()) -> ConnectionFilter {
        switch list {
        case .reauthorization:
            var filter = base
            filter.status = .reauthorizationRequired
            return filter
        case .degraded: return manager.degradedFilter(base)
        case .lapsing: return manager.lapsingFilter(base)
        }
    }

    /// The values of the overview section of `admin-connections`.
    func overviewContext() async throws -> [String: Any] {
        let now = manager.now()
        let overview = try await manager.overview()
        var context: [String: Any] = [
            "total": overview.total, "reauthCount": overview.reauthorizationRequired,
            "degradedCount": overview.degraded, "lapsingCount": overview.lapsingSoon,
            "degradedAfter": AdminFormat.duration(manager.configuration.degradedAfter),
            "hasOverview": true, "reauthAny": overview.reauthorizationRequired > 0,
            "degradedAny": overview.degraded > 0,
            "lapsingAny": overview.lapsingSoon > 0,
        ]
        context["countRows"] = ConnectionKind.allCases.map { kind -> [String: Any] in
            let cells = ConnectionStatus.allCases.map { status in
                overview.counts.first { $0.kind == kind && $0.status == status }?.count ?? 0
            }
            return ["kind": AdminFormat.kind(kind), "cells": cells.map { ["count": $0] }, "total": cells.reduce(0, +)]
        }
        context["countStatuses"] = ConnectionStatus.allCases.map {
            ["label": $0.rawValue.replacingOccurrences(of: "_", with: " ")]
        }

        let reauth = try await manager.connections(filter(.reauthorization), limit: Self.attentionRows)
        context["reauthRows"] = reauth.map { connection -> [String: Any] in
            [
                "id": connection.id, "name": AdminFormat.name(connection), "kind": AdminFormat.kind(connection.kind),
                "endUser": connection.endUserID ?? "—", "reason": connection.statusReason ?? "—",
                "since": AdminFormat.relative(connection.updatedAt, now: now),
            ]
        }
        context["hasReauth"] = !reauth.isEmpty
        context["reauthMore"] = overview.reauthorizationRequired > reauth.count
        let degraded = try await manager.connections(filter(.degraded), limit: Self.attentionRows)
        context["degradedRows"] = degraded.map { connection -> [String: Any] in
            [
                "id": connection.id, "name": AdminFormat.name(connection), "kind": AdminFormat.kind(connection.kind),
                "since": AdminFormat.relative(connection.failingSince, now: now),
                "next": AdminFormat.date(connection.lastRefreshedAt ?? connection.lastCheckedAt),
            ]
        }
        context["hasDegraded"] = !degraded.isEmpty
        context["degradedMore"] = overview.degraded > degraded.count
        let lapsing = try await manager.connections(filter(.lapsing), limit: Self.attentionRows)
        context["lapsingRows"] = lapsing.sorted {
            ($0.refreshTokenExpiresAt ?? .distantFuture) < ($1.refreshTokenExpiresAt ?? .distantFuture)
        }.map { connection -> [String: Any] in
            [
                "id": connection.id, "name": AdminFormat.name(connection), "kind": AdminFormat.kind(connection.kind),
                "endUser": connection.endUserID ?? "—",
                "lapses": AdminFormat.date(connection.refreshTokenExpiresAt),
                "lapsesRelative": AdminFormat.relative(connection.refreshTokenExpiresAt, now: now),
            ]
        }
        context["hasLapsing"] = !lapsing.isEmpty
        context["lapsingMore"] = overview.lapsingSoon > lapsing.count
        context.merge(try await charts()) { $1 }
        return context
    }

    /// The three charts as inline SVG (rendered here, escaped by ``SVGChart``).
    func charts() async throws -> [String: Any] {
        let charts = try await manager.charts()
        let hours = stride(from: charts.since, through: charts.at, by: 3600).map { $0 }
        func hourLabel(_ date: Date) -> String {
            let text = date.formatted(.iso8601)
            return "\(text.dropFirst(5).prefix(5)) \(text.dropFirst(11).prefix(2))h"
        }
        func values(_ rows: [BucketCount], series: String, buckets: [Date]) -> [Int] {
            var byStart: [Date: Int] = [:]
            for row in rows where row.series == series { byStart[row.start, default: 0] += row.count }
            return buckets.map { byStart[$0] ?? 0 }
        }
        let refreshes = SVGChart(
            title: "Refreshes and failures per hour, last 7 days", labels: hours.map(hourLabel),
            series: [
                .init(
                    name: "refreshed", color: "#127a3a",
                    values: values(
                        charts.refreshesPerHour, series: ConnectionEvent.EventType.tokenRefreshed.rawValue,
                        buckets: hours)),
                .init(
                    name: "failed", color: "#b42318",
                    values: values(
                        charts.refreshesPerHour, series: ConnectionEvent.EventType.refreshFailed.rawValue,
                        buckets: hours)),
            ], style: .stackedBars)
        let statusColors: [ConnectionStatus: String] = [
            .active: "#127a3a", .reauthorizationRequired: "#b42318", .revoked: "#5d6470",
        ]
        // The history starts at its first recorded hour (before it there is no count, not a count of zero).
        let recorded = charts.statusHistory.map(\.start).min().map { first in hours.filter { $0 >= first } } ?? []
        let status = SVGChart(
            title: "Connections by status, last 7 days (hourly)", labels: recorded.map(hourLabel),
            series: ConnectionStatus.allCases.map { status in
                .init(
                    name: status.rawValue.replacingOccurrences(of: "_", with: " "),
                    color: statusColors[status] ?? "#0b57d0",
                    values: values(charts.statusHistory, series: status.rawValue, buckets: recorded))
            }, style: .lines)
        let weeks = (0..<12).map { charts.at.addingTimeInterval(Double($0) * 7 * 86_400) }
        let kindColors: [ConnectionKind: String] = [.tiktokAccount: "#0b57d0", .creator: "#8a5300"]
        let lapses = SVGChart(
            title: "Refresh tokens lapsing, by week (next 12 weeks)",
            labels: weeks.map { "wk of \($0.formatted(.iso8601).prefix(10).dropFirst(5))" },
            series: ConnectionKind.allCases.filter(\.hasExpiringTokens).map { kind in
                .init(
                    name: AdminFormat.kind(kind), color: kindColors[kind] ?? "#0b57d0",
                    values: values(charts.lapsesPerWeek, series: kind.rawValue, buckets: weeks))
            }, style: .stackedBars)
        return [
            "chartRefreshes": refreshes.render(), "chartStatus": status.render(), "chartLapses": lapses.render(),
        ]
    }

    /// The audit section of a connection's page: its newest entries and its proxy use per day.
    func auditContext(connectionID: String) async throws -> [String: Any] {
        let now = manager.now()
        let entries = try await manager.auditEntries(connectionID: connectionID, limit: 50)
        let usage = try await manager.proxyUsage(connectionID: connectionID)
        return [
            "hasAudit": !entries.isEmpty,
            "audit": entries.map { entry -> [String: Any] in
                [
                    "label": AdminFormat.action(entry.action), "actor": entry.actor,
                    "when": AdminFormat.date(entry.occurredAt),
                    "relative": AdminFormat.relative(entry.occurredAt, now: now),
                    "requestID": entry.requestID ?? "—",
                ]
            },
            "hasUsage": !usage.isEmpty,
            "usage": usage.map { ["day": $0.day, "actor": $0.actor, "calls": $0.calls, "errors": $0.errors] },
        ]
    }
}

extension AdminFormat {
    /// `1 h`, `30 min`, `2 d`.
    static func duration(_ seconds: TimeInterval) -> String {
        switch seconds {
        case ..<60: "\(Int(seconds)) s"
        case ..<3600: "\(Int(seconds / 60)) min"
        case ..<172_800: "\(Int(seconds / 3600)) h"
        default: "\(Int(seconds / 86_400)) d"
        }
    }
}
