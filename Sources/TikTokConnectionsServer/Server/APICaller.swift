import Foundation
import Hummingbird
import TikTokConnections

/// Who made a `/v1` request: the API key that authenticated it, and what that key may do.
public struct APICaller: Sendable, Hashable {
    /// The key's id: `primary` for `TIKTOK_BUSINESS_API_KEY`, `key_…` for a named key.
    public var keyID: String
    /// The key's scope.
    public var scope: APIKey.Scope

    /// Creates a caller.
    public init(keyID: String, scope: APIKey.Scope) {
        self.keyID = keyID
        self.scope = scope
    }

    /// The configured management key: every scope.
    public static let primary = APICaller(keyID: "primary", scope: .admin)

    /// How the audit trail names the caller.
    public var actor: String { "api_key:\(keyID)" }
}

/// A request context that carries the authenticated ``APICaller``.
public protocol CallerRequestContext: RequestContext {
    /// The caller, set by the authentication middleware; `nil` before it ran.
    var caller: APICaller? { get set }
}

extension CallerRequestContext {
    /// The caller, if its scope includes `scope`; a 403 otherwise.
    @discardableResult
    func require(_ scope: APIKey.Scope) throws -> APICaller {
        guard let caller else {
            throw APIError(.unauthorized, code: "unauthorized", message: "A bearer API key is required.")
        }
        guard caller.scope.includes(scope) else {
            throw APIError(
                .forbidden, code: "insufficient_scope",
                message: "This API key's scope is \(caller.scope.rawValue); this needs \(scope.rawValue).")
        }
        return caller
    }
}

extension RequestContext {
    /// The request's id for the audit trail: the caller's `X-Request-ID` when it is a short printable token,
    /// otherwise the id Hummingbird gave the request.
    func requestID(_ request: Request) -> String {
        if let header = request.headers[.init("X-Request-ID")!], (1...128).contains(header.count),
            header.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:".contains($0)) })
        {
            return header
        }
        return id
    }
}
