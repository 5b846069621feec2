import Foundation
import HTTPTypes
import Hummingbird
import TikTokConnections

/// A connection's proxy tokens on its admin page: the list, issuing one (shown once) and revoking.
extension AdminRoutes {
    /// The values of the proxy tokens section of `admin-connection`.
    func proxyTokenContext(_ connection: Connection) async throws -> [String: Any] {
        let now = manager.now()
        let tokens = try await manager.proxyTokens(connectionID: connection.id)
        return [
            "canIssueProxyToken": connection.status != .revoked,
            "hasProxyTokens": !tokens.isEmpty,
            "proxyTokens": tokens.map { token -> [String: Any] in
                var item: [String: Any] = [
                    "tokenID": token.id, "paths": token.allowedPaths?.joined(separator: " ") ?? "every path",
                    "created": AdminFormat.date(token.createdAt), "createdBy": token.createdBy,
                    "expires": token.expiresAt.map { AdminFormat.date($0) } ?? "never",
                    "usable": token.isUsable(at: now),
                ]
                item["state"] =
                    token.revokedAt != nil ? "revoked" : token.isUsable(at: now) ? "active" : "expired"
                return item
            },
        ]
    }

    @Sendable func issueProxyToken(_ request: Request, context: Context) async throws -> Response {
        let (session, form) = try await authorize(request)
        do {
            let id = try RequestInput.id(context)
            let paths = (form["allowed_paths"] ?? "").split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\n" })
                .map(String.init)
            let days = Double(form["expires_days"] ?? "") ?? 0
            let (token, secret) = try await manager.createProxyToken(
                connectionID: id, expiresIn: days > 0 ? days * 86_400 : nil, allowedPaths: paths.isEmpty ? nil : paths,
                actor: session.actor, requestID: context.requestID(request))
            var page = common(session)
            page["id"] = id
            page["tokenID"] = token.id
            page["secret"] = secret
            page["paths"] = token.allowedPaths?.joined(separator: " ") ?? "every path"
            page["expires"] = token.expiresAt.map { AdminFormat.date($0) } ?? "never"
            page["host"] = configuration.publicURL
            return pages.admin("admin-proxy-token", page, scriptNonce: RandomID.urlSafe(bytes: 16))
        } catch {
            return failure(session, error)
        }
    }

    @Sendable func revokeProxyToken(_ request: Request, context: Context) async throws -> Response {
        let (session, _) = try await authorize(request)
        do {
            guard let id = context.parameters.get("tokenID"), id.hasPrefix("ptk_"), id.count <= 40,
                id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
            else {
                throw APIError.badRequest("Not a proxy token id.", code: "invalid_id")
            }
            let token = try await manager.revokeProxyToken(
                id: id, actor: session.actor, requestID: context.requestID(request))
            proxyTokens.invalidate()
            return redirect("/admin/connections/\(token.connectionID)?notice=proxy-token-revoked")
        } catch {
            return failure(session, error)
        }
    }
}
