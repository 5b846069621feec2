import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Prometheus
import TikTokBusiness
import TikTokConnections

/// `/healthz` (the process answers), `/readyz` (the database answers and TikTok accepts the app's credentials) and
/// `/metrics` (Prometheus text).
///
/// `/metrics` needs the API key unless the configuration makes it public, and counts in the database at most once
/// per ``ServerConfiguration/metricsCountInterval`` (``StoreGauges``).
struct HealthRoutes<Context: CallerRequestContext>: Sendable {
    let manager: ConnectionManager
    let metrics: ServerMetrics
    let gauges: StoreGauges
    let configuration: ServerConfiguration
    let keys: APIKeyCache

    func register(on router: Router<Context>) {
        router.get("healthz") { _, _ in JSONResponse.make(["status": "ok"]) }
        router.get("readyz") { _, _ in
            do {
                try await withTimeout(.seconds(2)) { try await manager.store.ping() }
            } catch {
                return JSONResponse.make(
                    [
                        "status": "unavailable",
                        "error": ["code": "database_unavailable", "message": "The database does not answer."],
                    ],
                    status: .serviceUnavailable)
            }
            if let fault = manager.configurationFault {
                return JSONResponse.make(
                    ["status": "unavailable", "error": Self.json(fault)], status: .serviceUnavailable)
            }
            return JSONResponse.make(["status": "ready"])
        }
        let metricsRoute = router.group("metrics")
        if !configuration.metricsPublic {
            metricsRoute.add(middleware: BearerAuthMiddleware(apiKey: configuration.apiKey, keys: keys))
        }
        metricsRoute.get { _, _ in
            await gauges.refreshIfStale()
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(
                status: .ok, headers: headers,
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer())))
        }
    }
}

extension HealthRoutes {
    /// The `/readyz` error for a configuration fault: what is wrong and TikTok's own words, never a secret.
    static func json(_ fault: ConfigurationFault) -> JSONValue {
        var error: [String: JSONValue] = [
            "code": .string(fault.code),
            "message": .string(
                "TikTok rejects this instance's app id or secret; check TIKTOK_APP_ID and TIKTOK_APP_SECRET."),
            "tiktok_message": .string(fault.message),
            "first_seen_at": ConnectionJSON.date(fault.firstSeenAt),
            "last_seen_at": ConnectionJSON.date(fault.lastSeenAt),
            "occurrences": .number(String(fault.occurrences)),
        ]
        if let code = fault.tikTokCode { error["tiktok_code"] = .number(String(code)) }
        if let requestID = fault.requestID { error["tiktok_request_id"] = .string(requestID) }
        if let endpoint = fault.endpoint { error["tiktok_endpoint"] = .string(endpoint) }
        return .object(error)
    }
}

/// Runs `body`, failing with `CancellationError` if it takes longer than `limit`.
func withTimeout<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw CancellationError()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
