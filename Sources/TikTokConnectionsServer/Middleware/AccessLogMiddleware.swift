import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Logs one line per request with its id, method, redacted path, status and duration, and counts it.
///
/// Query values that can carry secrets (`code`, `auth_code`, `state`, `access_token`, `refresh_token`, `secret`,
/// `client_secret`) are replaced by `<redacted>`; headers are never logged.
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    static var sensitiveParameters: Set<String> {
        ["code", "auth_code", "state", "access_token", "refresh_token", "secret", "client_secret", "app_secret"]
    }

    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            log(request, context: context, status: response.status.code, started: started)
            return response
        } catch let error as any HTTPResponseError {
            log(request, context: context, status: error.status.code, started: started)
            throw error
        } catch {
            log(request, context: context, status: 500, started: started)
            throw error
        }
    }

    private func log(_ request: Request, context: Context, status: Int, started: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - started
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        context.logger.info(
            "Request",
            metadata: [
                "http.method": "\(request.method.rawValue)",
                "http.path": "\(Self.redacted(request.uri.path, query: request.uri.query))",
                "http.status": "\(status)",
                "http.duration_ms": "\(String(format: "%.2f", milliseconds))",
            ])
        metrics.request(route: context.endpointPath ?? "unmatched", status: status)
    }

    /// The path and query with sensitive values replaced.
    static func redacted(_ path: String, query: String?) -> String {
        guard let query, !query.isEmpty else { return path }
        let parts = query.split(separator: "&").map { pair -> String in
            let name = pair.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            let decoded = (name.removingPercentEncoding ?? name).lowercased()
            return sensitiveParameters.contains(decoded) ? "\(name)=<redacted>" : String(pair)
        }
        return path + "?" + parts.joined(separator: "&")
    }
}
