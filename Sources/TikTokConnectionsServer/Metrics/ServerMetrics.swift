import CoreMetrics
import Foundation
import Metrics
import Prometheus
import TikTokConnections

/// The service's metrics, on a registry of its own (so several servers can live in one process), exported in
/// Prometheus text format at `/metrics`.
public final class ServerMetrics: Sendable {
    /// The registry behind `/metrics`.
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory

    /// Creates metrics on a new registry.
    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .seconds(2.5), .seconds(5), .seconds(10),
        ]
        self.factory = factory
    }

    /// Counts a proxied request and records its latency.
    func proxied(method: String, status: Int, tikTokCode: Int?, duration: Duration) {
        Counter(
            label: "tiktok_business_proxy_requests_total",
            dimensions: [("method", method), ("status", String(status))], factory: factory
        ).increment()
        Metrics.Timer(label: "tiktok_business_proxy_request_duration_seconds", dimensions: [], factory: factory)
            .recordNanoseconds(
                duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
        if let tikTokCode {
            tikTokCodeSeen(tikTokCode)
        }
    }

    /// Counts a TikTok envelope code seen.
    func tikTokCodeSeen(_ code: Int) {
        Counter(label: "tiktok_business_tiktok_codes_total", dimensions: [("code", String(code))], factory: factory)
            .increment()
    }

    /// Counts a refresh outcome.
    func refresh(outcome: String) {
        Counter(label: "tiktok_business_refreshes_total", dimensions: [("outcome", outcome)], factory: factory)
            .increment()
    }

    /// Counts a request refused by a public route's rate limit.
    /// Counts a proxied call refused because the app's QPS budget was spent (429 `qps_budget_exhausted`).
    func budgetRefused() {
        Counter(label: "tiktok_business_proxy_budget_refused_total", dimensions: [], factory: factory).increment()
    }

    func rateLimited(group: String) {
        Counter(label: "tiktok_business_rate_limited_total", dimensions: [("route", group)], factory: factory)
            .increment()
    }

    /// Counts an HTTP request.
    func request(route: String, status: Int) {
        Counter(
            label: "tiktok_business_http_requests_total", dimensions: [("route", route), ("status", String(status))],
            factory: factory
        ).increment()
    }

    /// Sets the connection gauges from the store's counts.
    func connections(_ counts: [ConnectionCount]) {
        for kind in ConnectionKind.allCases {
            for status in ConnectionStatus.allCases {
                let count = counts.first { $0.kind == kind && $0.status == status }?.count ?? 0
                Gauge(
                    label: "tiktok_business_connections",
                    dimensions: [("kind", kind.rawValue), ("status", status.rawValue)], factory: factory
                ).record(count)
            }
        }
    }

    /// Sets the attention gauges per kind: degraded connections, and refresh tokens lapsing within the attention
    /// window (30 days by default).
    func attention(degraded: [ConnectionKind: Int], lapsing: [ConnectionKind: Int]) {
        for kind in ConnectionKind.allCases {
            Gauge(
                label: "tiktok_business_connections_degraded", dimensions: [("kind", kind.rawValue)], factory: factory
            )
            .record(degraded[kind] ?? 0)
            Gauge(
                label: "tiktok_business_refresh_tokens_lapsing", dimensions: [("kind", kind.rawValue)], factory: factory
            )
            .record(lapsing[kind] ?? 0)
        }
    }

    /// Sets the webhook outbox gauges: deliveries pending, delivered and failed.
    func webhookDeliveries(_ counts: [WebhookDelivery.State: Int]) {
        for state in WebhookDelivery.State.allCases {
            Gauge(
                label: "tiktok_business_webhook_deliveries", dimensions: [("state", state.rawValue)], factory: factory
            )
            .record(counts[state] ?? 0)
        }
    }

    /// Counts a vault event: refreshes and their failures by reason, re-authorizations, revocations.
    func observe(_ event: ConnectionEvent) {
        switch event.type {
        case .tokenRefreshed:
            refresh(outcome: "success")
        case .refreshFailed:
            Counter(
                label: "tiktok_business_refresh_failures_total",
                dimensions: [
                    ("reason", event.data["reason"] ?? "unknown"),
                    ("definitive", event.data["definitive"] ?? "false"),
                ], factory: factory
            ).increment()
            if let code = event.data["tiktok_code"].flatMap(Int.init) { tikTokCodeSeen(code) }
        default:
            Counter(
                label: "tiktok_business_events_total", dimensions: [("type", event.type.rawValue)], factory: factory
            )
            .increment()
        }
    }
}
