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

    static var forwardedHeaders: Set<String> { ["content-type", "accept", "accept-language"] }

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
                Self.trace(error, on: span)
                throw error
            }
        }
    }

    /// ``proxy(_:context:)``, inside its span.
    private func relay(_ request: Request, context: Context, span: any Span) async throws -> Response {
        let started = ContinuousClock.now
        let caller = try context.require(.tokens)
        let id = try RequestInput.id(context)
        let segments = context.parameters.getCatchAll().map(String.init)
        let path = try Self.apiPath(segments)
        Self.trace(connectionID: id, path: path, method: request.method.rawValue, on: span)
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: configuration.proxyBodyLimit)
        } catch {
            throw APIError(.contentTooLarge, code: "body_too_large", message: "The body exceeds the proxy's limit.")
        }
        let headers = request.headers.compactMap { field -> (name: String, value: String)? in
            Self.forwardedHeaders.contains(field.name.canonicalName) ? (field.name.rawName, field.value) : nil
        }
        let method = request.method.rawValue
        let idempotent = ["GET", "HEAD"].contains(method)
        let data = body.readableBytes > 0 ? Data(body.readableBytesView) : nil

        // A cached token costs no database read; only a refusal reads the connection.
        let token = try await vault { try await manager.accessToken(for: id) }
        if span.isRecording { VaultTracing.setConnection(id: nil, kind: manager.cachedKind(of: id), on: span) }
        var (response, envelope) = try await forward(
            method, path, request: request, headers: headers, body: data, token: token, idempotent: idempotent)
        if let code = envelope?.code, TikTokError.Category.of(code: code) == .accessTokenInvalid,
            let retryToken = try await vault({ try await manager.accessToken(for: id, afterRefusalOf: token) })
        {
            context.logger.info("Access token refused; retrying with a renewed one", metadata: ["connection.id": "\(id)"])
            (response, envelope) = try await forward(
                method, path, request: request, headers: headers, body: data, token: retryToken, idempotent: idempotent)
        }
        let code = envelope?.code
        Self.trace(status: response.status, envelope: envelope, on: span)
        usage.record(connectionID: id, actor: caller.actor, failed: response.status >= 400 || (code ?? 0) != 0)
        metrics.proxied(method: method, status: response.status, tikTokCode: code, duration: ContinuousClock.now - started)
        var outgoing = HTTPFields()
        for header in response.headers where ["content-type", "x-tt-logid"].contains(header.name.lowercased()) {
            if let name = HTTPField.Name(header.name) { outgoing[name] = header.value }
        }
        outgoing[.cacheControl] = "no-store"
        return Response(status: .init(code: response.status), headers: outgoing, body: Self.body(response, context: context))
    }

    /// The answer's body: what was read, then the rest as it arrives. A failure halfway (TikTok closing the
    /// connection, the call's deadline) ends the response early; the client sees it cut short.
    static func body(_ response: TikTokStreamedResponse, context: Context) -> ResponseBody {
        guard let rest = response.rest else { return ResponseBody(byteBuffer: response.prefix) }
        let prefix = response.prefix
        let logger = context.logger
        // TikTok's length, when it gave one: the bytes are relayed unchanged.
        let length = response.header("content-length").flatMap { Int($0) }
        return ResponseBody(contentLength: length) { writer in
            do {
                try await writer.write(prefix)
                while let chunk = try await rest.next() {
                    try await writer.write(chunk)
                }
                try await writer.finish(nil)
            } catch {
                logger.notice("The relayed body ended early", metadata: ["error": "\(type(of: error))"])
                throw error
            }
        }
    }

    private func forward(
        _ method: String, _ path: String, request: Request, headers: [(name: String, value: String)], body: Data?,
        token: String, idempotent: Bool
    ) async throws -> (TikTokStreamedResponse, TikTokEnvelopeHead?) {
        do {
            return try await manager.client.forwardStreaming(
                method: method, path: path, rawQuery: request.uri.query, headers: headers, body: body,
                accessToken: token, retry: idempotent ? .idempotent : .rateLimitOnly)
        } catch let error as TikTokError {
            throw APIError(
                .badGateway, code: "tiktok_unreachable", message: "TikTok did not answer: \(error.message)")
        } catch let error as RateBudgetExhausted {
            metrics.budgetRefused()
            var refusal = APIError(
                .tooManyRequests, code: "qps_budget_exhausted",
                message: "The app's TikTok QPS budget is spent for now; retry after \(error.retryAfterSeconds) s.")
            refusal.retryAfter = error.retryAfterSeconds
            throw refusal
        }
    }

    /// `/a/b/` from the catch-all segments; refuses anything that is not a plain API path.
    static func apiPath(_ segments: [String]) throws -> String {
        guard !segments.isEmpty,
            segments.allSatisfy({ segment in
                !segment.isEmpty && segment != "." && segment != ".."
                    && segment.unicodeScalars.allSatisfy {
                        CharacterSet.alphanumerics.contains($0) || "_-.".unicodeScalars.contains($0)
                    } && segment.allSatisfy(\.isASCII)
            })
        else {
            throw APIError.badRequest("Not a TikTok API path.", code: "invalid_path")
        }
        return "/" + segments.joined(separator: "/") + "/"
    }

    private func vault<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ConnectionError {
            throw APIError.from(error)
        }
    }
}

// MARK: Tracing

extension ProxyRoutes {
    /// What the proxy span knows before calling TikTok: the connection and the API path (never the query).
    static func trace(connectionID id: String, path: String, method: String, on span: any Span) {
        guard span.isRecording else { return }
        VaultTracing.setConnection(id: id, kind: nil, on: span)
        span.attributes[VaultTracing.Key.tikTokPath] = path
        span.attributes[VaultTracing.Key.httpMethod] = method
    }

    /// TikTok's answer: its HTTP status, envelope code and request id, and the outcome they make.
    static func trace(status: Int, envelope: TikTokEnvelopeHead?, on span: any Span) {
        guard span.isRecording else { return }
        span.attributes[VaultTracing.Key.httpStatus] = status
        VaultTracing.setTikTok(code: envelope?.code, requestID: envelope?.requestID, on: span)
        let outcome: String
        if let code = envelope?.code, code != 0 {
            let category = TikTokError.Category.of(code: code)
            span.attributes[VaultTracing.Key.tikTokErrorCategory] = category.description
            outcome = category.isRetryable ? VaultTracing.Outcome.transientFailure : VaultTracing.Outcome.tikTokError
            span.setStatus(SpanStatus(code: .error, message: "\(outcome) (TikTok \(category) \(code))"))
        } else if status >= 400 {
            outcome = VaultTracing.Outcome.httpError
            span.setStatus(SpanStatus(code: .error, message: "\(outcome) (HTTP \(status))"))
        } else {
            outcome = VaultTracing.Outcome.success
        }
        VaultTracing.setOutcome(outcome, on: span)
    }

    /// A refusal by the proxy itself (or TikTok unreachable): its code is the outcome.
    static func trace(_ error: APIError, on span: any Span) {
        guard span.isRecording else { return }
        span.attributes[VaultTracing.Key.httpStatus] = Int(error.status.code)
        VaultTracing.setOutcome(error.code, on: span)
        VaultTracing.setTikTok(code: error.tikTokCode, requestID: error.tikTokRequestID, on: span)
    }
}
