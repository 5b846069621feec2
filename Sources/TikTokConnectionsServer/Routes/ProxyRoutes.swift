import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import TikTokBusiness
import TikTokConnections
import Tracing

/// `ANY /v1/proxy/{id}/{path…}`: relays a call to the TikTok API with the connection's `Access-Token`.
///
/// Only paths below the configured API base URL are reachable (no other host, no `..`). Idempotent requests are
/// retried on 40100/50000/50002/5xx under the app's QPS governor. When TikTok refuses the access token of an
/// account/creator connection as expired or invalid, the call is retried once with a renewed token (refreshed only if
/// the refused token is still the current one, one refresh shared by concurrent refusals); otherwise TikTok's answer
/// is relayed as is. The envelope's head is read once per answer, never the whole `data` tree, and the body streams
/// through as it arrives (a large report page is never held whole).
struct ProxyRoutes<Context: CallerRequestContext>: Sendable {
    let manager: ConnectionManager
    let configuration: ServerConfiguration
    let metrics: ServerMetrics
    let usage: ProxyUsageRecorder

    var relayer: ProxyRelay {
        ProxyRelay(manager: manager, configuration: configuration, metrics: metrics, usage: usage)
    }

    func register(on group: RouterGroup<Context>) {
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete, .head] {
            group.on("proxy/:id/**", method: method, use: proxy)
        }
    }

    @Sendable func proxy(_ request: Request, context: Context) async throws -> Response {
        try await VaultTracing.span(VaultTracing.proxy, ofKind: .server) { span in
            do {
                return try await relay(request, context: context, span: span)
            } catch let error as APIError {
                ProxyRelay.trace(error, on: span)
                throw error
            }
        }
    }

    /// ``proxy(_:context:)``, inside its span.
    private func relay(_ request: Request, context: Context, span: any Span) async throws -> Response {
        let caller = try context.require(.tokens)
        let id = try RequestInput.id(context)
        let segments = context.parameters.getCatchAll().map(String.init)
        let path = try ProxyRelay.apiPath(segments)
        ProxyRelay.trace(connectionID: id, path: path, method: request.method.rawValue, on: span)
        return try await relayer.relay(
            connectionID: id, path: path, rawQuery: request.uri.query, request: request, logger: context.logger,
            actor: caller.actor, span: span)
    }
}
