import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import TikTokBusiness
import TikTokConnections
import Tracing

/// `ANY /open_api/v1.3/{path…}`: TikTok's own paths, so that existing TikTok clients (the official SDKs, Airbyte's and
/// Singer's connectors, in-house scripts) work through the vault by changing only their host and token.
///
/// The caller sends a connection's proxy token (`tbp_…`, ``ProxyToken``) as its `Access-Token`; the call is relayed
/// exactly as `/v1/proxy/{id}/…` relays it (``ProxyRelay``) with the connection's real access token, which never
/// reaches the caller. A query's `app_id` and `secret` (`/oauth2/advertiser/get/`) are replaced by the app's own, so
/// the caller holds no app secret either. Refusals are in TikTok's shape (HTTP 200, `code`, `message`,
/// `request_id`, `data`) so that clients react as they do to TikTok: 40104 without a token, 40105 for an unknown,
/// revoked or expired token or a revoked connection, 40001 for a path outside the token's allow-list or an
/// authorization endpoint (those are the connect flow's), 40100 when the app's QPS budget is spent.
struct DropInRoutes<Context: RequestContext>: Sendable {
    let manager: ConnectionManager
    let relayer: ProxyRelay
    let tokens: ProxyTokenCache

    /// The path prefix TikTok's clients use.
    static var prefix: String { "open_api/v1.3" }

    /// Authorization endpoints, which belong to the connect flow and are never relayed.
    static func isAuthorizationPath(_ path: String) -> Bool {
        // Compared without case: a gateway that ignores it must not let one through.
        let path = path.lowercased()
        return path.hasPrefix("/oauth2/access_token/") || path.hasPrefix("/oauth2/revoke_token/")
            || path.hasPrefix("/oauth2/refresh_token/") || path.hasPrefix("/tt_user/oauth2/")
            || path.hasPrefix("/tt_user/token_info/")
    }

    func register(on router: Router<Context>) {
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete, .head] {
            router.on("\(Self.prefix)/**", method: method, use: handle)
        }
    }

    @Sendable func handle(_ request: Request, context: Context) async throws -> Response {
        let requestID = context.requestID(request)
        return try await VaultTracing.span(VaultTracing.proxy, ofKind: .server) { span in
            do {
                return try await relay(request, context: context, span: span)
            } catch let refusal as Refusal {
                span.attributes[VaultTracing.Key.tikTokCode] = refusal.code
                VaultTracing.setOutcome("drop_in_refused", on: span)
                return refusal.response(requestID: requestID)
            } catch let error as APIError {
                ProxyRelay.trace(error, on: span)
                return Refusal(error).response(requestID: requestID)
            }
        }
    }

    private func relay(_ request: Request, context: Context, span: any Span) async throws -> Response {
        let segments = context.parameters.getCatchAll().map(String.init)
        guard let path = try? ProxyRelay.apiPath(segments) else {
            throw Refusal(code: 40002, message: "Not a TikTok API path.")
        }
        if span.isRecording {
            span.attributes[VaultTracing.Key.tikTokPath] = path
            span.attributes[VaultTracing.Key.httpMethod] = request.method.rawValue
        }
        guard !Self.isAuthorizationPath(path) else {
            throw Refusal(
                code: 40001,
                message: "\(path) is not available through the vault: authorizations go through its connect flow "
                    + "(/connect/{kind}, or a link from POST /v1/connect-links), and its tokens never leave it.")
        }
        guard let presented = request.headers[.init("Access-Token")!]?.trimmingCharacters(in: .whitespaces),
            !presented.isEmpty
        else {
            throw Refusal(code: 40104, message: "Access-Token is required: send a proxy token issued by the vault.")
        }
        guard presented.hasPrefix("tbp_"), presented.count <= 128 else {
            throw Refusal(
                code: 40105,
                message:
                    "Access-Token must be a proxy token issued by the vault (POST /v1/connections/{id}/proxy-tokens).")
        }
        let token: ProxyToken
        do {
            guard let found = try await tokens.token(presented) else {
                throw Refusal(code: 40105, message: "The proxy token is not valid.")
            }
            token = found
        } catch let error as ConnectionError {
            throw APIError.from(error)
        }
        guard token.revokedAt == nil else { throw Refusal(code: 40105, message: "The proxy token has been revoked.") }
        guard token.isUsable(at: manager.now()) else {
            throw Refusal(code: 40105, message: "The proxy token has expired.")
        }
        guard token.allows(path: path) else {
            throw Refusal(
                code: 40001,
                message: "This proxy token may not call \(path); it allows "
                    + "\((token.allowedPaths ?? []).joined(separator: ", ")).")
        }
        VaultTracing.setConnection(id: token.connectionID, kind: nil, on: span)
        let query = Self.withAppCredentials(
            request.uri.query, appID: manager.client.configuration.appID, secret: manager.client.configuration.secret)
        do {
            return try await relayer.relay(
                connectionID: token.connectionID, path: path, rawQuery: query, request: request, logger: context.logger,
                actor: "proxy_token:\(token.id)", span: span)
        } catch let error as APIError {
            throw Refusal(error)
        }
    }

    /// `query` with the values of `app_id` and `secret` (whatever the caller put there) replaced by the app's own.
    static func withAppCredentials(_ query: String?, appID: String, secret: String) -> String? {
        guard let query, !query.isEmpty else { return query }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        func encoded(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }
        return query.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            let name = pair.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            switch name.removingPercentEncoding ?? name {
            case "secret": return "\(name)=\(encoded(secret))"
            case "app_id": return "\(name)=\(encoded(appID))"
            default: return String(pair)
            }
        }.joined(separator: "&")
    }

    /// A refusal in TikTok's shape.
    struct Refusal: Error {
        var code: Int
        var message: String
        var retryAfter: Int?

        init(code: Int, message: String, retryAfter: Int? = nil) {
            self.code = code
            self.message = message
            self.retryAfter = retryAfter
        }

        /// The vault's own refusals, as TikTok would put them.
        init(_ error: APIError) {
            switch error.code {
            case "revoked", "reauthorization_required", "not_found":
                self.init(
                    code: 40105, message: "The connection behind this proxy token cannot be used: \(error.message)")
            case "qps_budget_exhausted":
                self.init(code: 40100, message: error.message, retryAfter: error.retryAfter)
            case "body_too_large", "invalid_path", "bad_request":
                self.init(code: 40002, message: error.message)
            default:
                self.init(code: 50002, message: error.message)
            }
        }

        func response(requestID: String) -> Response {
            let body: JSONValue = .object([
                "code": .number(String(code)), "message": .string(message), "request_id": .string(requestID),
                "data": .object([:]),
            ])
            var response = JSONResponse.make(body)
            if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
            return response
        }
    }
}

/// Proxy tokens looked up by their secret, remembered for 2 s so that the drop-in endpoint's hot path costs no
/// database read per call. A token revoked on this instance is forgotten at once; on another instance within the
/// TTL. Expiry is checked on every call.
final class ProxyTokenCache: Sendable {
    private let cache: SecretLookupCache<ProxyToken>

    init(manager: ConnectionManager, cacheTTL: Duration = .seconds(2)) {
        cache = SecretLookupCache(ttl: cacheTTL) { try await manager.proxyToken(secret: $0) }
    }

    /// The token `secret` is, or `nil`.
    func token(_ secret: String) async throws -> ProxyToken? { try await cache.value(for: secret) }

    /// Forgets every lookup (after a revocation here).
    func invalidate() { cache.invalidate() }
}
