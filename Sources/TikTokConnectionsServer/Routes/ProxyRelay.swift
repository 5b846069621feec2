import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import TikTokBusiness
import TikTokConnections
import Tracing

/// Relays one call to the TikTok API with a connection's access token: what `/v1/proxy/{id}/…` and the drop-in
/// endpoint (`/open_api/v1.3/…`) share. Idempotent requests are retried under the app's QPS governor; when TikTok
/// refuses the access token as expired or invalid, the call is retried once with a renewed one; the body streams
/// through as it arrives. Only `content-type`, `accept` and `accept-language` go to TikTok from the caller's headers,
/// and only `content-type` and `x-tt-logid` come back.
struct ProxyRelay: Sendable {
    let manager: ConnectionManager
    let configuration: ServerConfiguration
    let metrics: ServerMetrics
    let usage: ProxyUsageRecorder

    static var forwardedHeaders: Set<String> { ["content-type", "accept", "accept-language"] }

    /// Relays `request` to TikTok's `path` with `rawQuery`, as `connectionID`, counting the call for `actor`.
    func relay(
        connectionID id: String, path: String, rawQuery: String?, request: Request, logger: Logger, actor: String,
        span: any Span
    ) async throws -> Response {
        let started = ContinuousClock.now
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
        let token = try await APIError.vault { try await manager.accessToken(for: id) }
        if span.isRecording { VaultTracing.setConnection(id: nil, kind: manager.cachedKind(of: id), on: span) }
        var (response, envelope) = try await forward(
            method, path, rawQuery: rawQuery, headers: headers, body: data, token: token, idempotent: idempotent)
        if let code = envelope?.code, TikTokError.Category.of(code: code) == .accessTokenInvalid,
            let retryToken = try await APIError.vault({ try await manager.accessToken(for: id, afterRefusalOf: token) })
        {
            logger.info("Access token refused; retrying with a renewed one", metadata: ["connection.id": "\(id)"])
            (response, envelope) = try await forward(
                method, path, rawQuery: rawQuery, headers: headers, body: data, token: retryToken,
                idempotent: idempotent)
        }
        let code = envelope?.code
        Self.trace(status: response.status, envelope: envelope, on: span)
        usage.record(connectionID: id, actor: actor, failed: response.status >= 400 || (code ?? 0) != 0)
        metrics.proxied(
            method: method, status: response.status, tikTokCode: code, duration: ContinuousClock.now - started)
        var outgoing = HTTPFields()
        for header in response.headers where ["content-type", "x-tt-logid"].contains(header.name.lowercased()) {
            if let name = HTTPField.Name(header.name) { outgoing[name] = header.value }
        }
        outgoing[.cacheControl] = "no-store"
        return Response(
            status: .init(code: response.status), headers: outgoing, body: Self.body(response, logger: logger))
    }

    /// The answer's body: what was read, then the rest as it arrives. A failure halfway (TikTok closing the
    /// connection, the call's deadline) ends the response early; the client sees it cut short.
    static func body(_ response: TikTokStreamedResponse, logger: Logger) -> ResponseBody {
        guard let rest = response.rest else { return ResponseBody(byteBuffer: response.prefix) }
        let prefix = response.prefix
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
        _ method: String, _ path: String, rawQuery: String?, headers: [(name: String, value: String)], body: Data?,
        token: String, idempotent: Bool
    ) async throws -> (TikTokStreamedResponse, TikTokEnvelopeHead?) {
        do {
            return try await manager.client.forwardStreaming(
                method: method, path: path, rawQuery: rawQuery, headers: headers, body: body,
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

}

// MARK: Tracing

extension ProxyRelay {
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
