import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import TikTokBusiness
import TikTokConnections

/// `ANY /v1/proxy/{id}/{path…}`: relays a call to the TikTok API with the connection's `Access-Token`.
///
/// Only paths below the configured API base URL are reachable (no other host, no `..`). Idempotent requests are
/// retried on 40100/50000/50002/5xx under the app's QPS governor. An expired or invalid access token on an
/// account/creator connection is refreshed once and the call retried; otherwise TikTok's answer is relayed as is.
struct ProxyRoutes<Context: RequestContext>: Sendable {
    let manager: ConnectionManager
    let configuration: ServerConfiguration
    let metrics: ServerMetrics

    static var forwardedHeaders: Set<String> { ["content-type", "accept", "accept-language"] }

    func register(on group: RouterGroup<Context>) {
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete, .head] {
            group.on("proxy/:id/**", method: method, use: proxy)
        }
    }

    @Sendable func proxy(_ request: Request, context: Context) async throws -> Response {
        let started = ContinuousClock.now
        let id = try RequestInput.id(context)
        let segments = context.parameters.getCatchAll().map(String.init)
        let path = try Self.apiPath(segments)
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
        let connection = try await vault { try await manager.connection(id: id) }

        var token = try await vault { try await manager.accessToken(for: id) }
        var response = try await forward(method, path, request: request, headers: headers, body: data, token: token, idempotent: idempotent)
        var code = Self.envelopeCode(response)
        if let current = code, [40102, 40105].contains(current), connection.kind.hasExpiringTokens {
            context.logger.info("Access token refused; refreshing once", metadata: ["connection.id": "\(id)"])
            _ = try await vault { try await manager.refresh(id: id) }
            token = try await vault { try await manager.accessToken(for: id) }
            response = try await forward(method, path, request: request, headers: headers, body: data, token: token, idempotent: idempotent)
            code = Self.envelopeCode(response)
        }
        metrics.proxied(method: method, status: response.status, tikTokCode: code, duration: ContinuousClock.now - started)
        var outgoing = HTTPFields()
        for header in response.headers where ["content-type", "x-tt-logid"].contains(header.name.lowercased()) {
            if let name = HTTPField.Name(header.name) { outgoing[name] = header.value }
        }
        outgoing[.cacheControl] = "no-store"
        return Response(
            status: .init(code: response.status), headers: outgoing,
            body: .init(byteBuffer: ByteBuffer(bytes: response.body)))
    }

    private func forward(
        _ method: String, _ path: String, request: Request, headers: [(name: String, value: String)], body: Data?,
        token: String, idempotent: Bool
    ) async throws -> TikTokHTTPResponse {
        do {
            return try await manager.client.forward(
                method: method, path: path, rawQuery: request.uri.query, headers: headers, body: body,
                accessToken: token, retry: idempotent ? .idempotent : .rateLimitOnly)
        } catch let error as TikTokError {
            throw APIError(
                .badGateway, code: "tiktok_unreachable", message: "TikTok did not answer: \(error.message)")
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

    static func envelopeCode(_ response: TikTokHTTPResponse) -> Int? {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: response.body) else { return nil }
        return value["code"]?.intValue
    }

    private func vault<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ConnectionError {
            throw APIError.from(error)
        }
    }
}
