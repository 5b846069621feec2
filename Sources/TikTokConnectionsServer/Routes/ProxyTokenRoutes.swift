import Foundation
import HTTPTypes
import Hummingbird
import TikTokBusiness
import TikTokConnections

/// `/v1` routes for connection-scoped proxy tokens (the drop-in endpoint's `Access-Token`): issue one (scope
/// `tokens`; the secret is in the answer once), list a connection's (scope `read`; never their secrets), revoke one
/// (scope `tokens`).
struct ProxyTokenRoutes<Context: CallerRequestContext>: Sendable {
    let manager: ConnectionManager
    let configuration: ServerConfiguration
    let tokens: ProxyTokenCache

    func register(on group: RouterGroup<Context>) {
        group.post("connections/:id/proxy-tokens", use: create)
        group.get("connections/:id/proxy-tokens", use: list)
        group.delete("proxy-tokens/:tokenID", use: revoke)
    }

    /// `{"expires_in"?: seconds, "allowed_paths"?: ["/advertiser/info/", "/report/*"]}` → 201 with the token.
    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        let caller = try context.require(.tokens)
        let id = try RequestInput.id(context)
        let body = try await RequestInput.jsonObject(request, context: context, limit: configuration.jsonBodyLimit)
        var expiresIn: TimeInterval?
        if let value = body["expires_in"], value != .null {
            guard let seconds = value.doubleValue, seconds.isFinite else {
                throw APIError.badRequest("expires_in must be a number of seconds from 60 to 31622400.")
            }
            expiresIn = seconds
        }
        var allowedPaths: [String]?
        if let value = body["allowed_paths"], value != .null {
            guard let items = value.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else {
                throw APIError.badRequest(
                    "allowed_paths must be an array of TikTok API paths such as /advertiser/info/.")
            }
            allowedPaths = items.compactMap(\.stringValue)
        }
        let (token, secret) = try await APIError.vault {
            try await manager.createProxyToken(
                connectionID: id, expiresIn: expiresIn, allowedPaths: allowedPaths, actor: caller.actor,
                requestID: context.requestID(request))
        }
        guard case .object(var object) = Self.json(token) else { preconditionFailure() }
        object["token"] = .string(secret)
        return JSONResponse.make(.object(object), status: .created)
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        try context.require(.read)
        let id = try RequestInput.id(context)
        let tokens = try await APIError.vault { try await manager.proxyTokens(connectionID: id) }
        return JSONResponse.make(["proxy_tokens": .array(tokens.map(Self.json))])
    }

    @Sendable func revoke(_ request: Request, context: Context) async throws -> Response {
        let caller = try context.require(.tokens)
        guard let id = context.parameters.get("tokenID"), id.hasPrefix("ptk_"), id.count <= 40,
            id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
        else {
            throw APIError.badRequest("Not a proxy token id.", code: "invalid_id")
        }
        let token = try await APIError.vault {
            try await manager.revokeProxyToken(id: id, actor: caller.actor, requestID: context.requestID(request))
        }
        tokens.invalidate()
        return JSONResponse.make(Self.json(token))
    }

    /// A proxy token without its secret.
    static func json(_ token: ProxyToken) -> JSONValue {
        .object([
            "id": .string(token.id), "connection_id": .string(token.connectionID),
            "allowed_paths": token.allowedPaths.map { .strings($0) } ?? .null,
            "created_at": .string(ConnectionJSON.timestamp(token.createdAt)),
            "expires_at": ConnectionJSON.date(token.expiresAt), "revoked_at": ConnectionJSON.date(token.revokedAt),
            "created_by": .string(token.createdBy),
        ])
    }

}
