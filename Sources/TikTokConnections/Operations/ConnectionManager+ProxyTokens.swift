import Foundation
import Logging

/// Connection-scoped proxy tokens for the drop-in endpoint (see ``ProxyToken``).
extension ConnectionManager {
    /// The longest a proxy token may live when it expires: 1 year.
    public static let maximumProxyTokenLifetime: TimeInterval = 366 * 86_400

    /// Issues a proxy token for a connection that is not revoked; returns it and its secret (shown once).
    ///
    /// - Parameters:
    ///   - expiresIn: seconds until it stops working (60 s to 1 year); `nil`: it works until revoked.
    ///   - allowedPaths: the TikTok API paths it may call (see ``ProxyToken/allows(path:)``); `nil`: every path.
    /// - Throws: ``ConnectionError`` `notFound`, `revoked`, or `invalidRequest` for a bad lifetime or allow-list.
    public func createProxyToken(
        connectionID: String, expiresIn: TimeInterval? = nil, allowedPaths: [String]? = nil, actor: String,
        requestID: String? = nil
    ) async throws -> (token: ProxyToken, secret: String) {
        if let expiresIn, !(60...Self.maximumProxyTokenLifetime).contains(expiresIn) {
            throw ConnectionError(.invalidRequest, "expires_in must be from 60 seconds to one year.")
        }
        if let allowedPaths, let problem = ProxyToken.problem(in: allowedPaths) {
            throw ConnectionError(.invalidRequest, problem)
        }
        let connection = try await connection(id: connectionID)
        guard connection.status != .revoked else {
            throw ConnectionError(.revoked, "Connection \(connectionID) is revoked.", connectionID: connectionID)
        }
        let time = now()
        let (token, secret) = ProxyToken.generate(
            connectionID: connectionID, allowedPaths: allowedPaths,
            expiresAt: expiresIn.map { time.addingTimeInterval($0) },
            createdBy: actor, at: time)
        try await storeCall { try await self.store.insertProxyToken(token) }
        var data = ["proxy_token_id": token.id]
        if let allowedPaths { data["allowed_paths"] = allowedPaths.joined(separator: ",") }
        if let expiresAt = token.expiresAt { data["expires_at"] = expiresAt.formatted(.iso8601) }
        await audit(
            AuditEntry(
                occurredAt: time, action: .proxyTokenCreated, connectionID: connectionID, actor: actor,
                requestID: requestID, data: data))
        logger.info(
            "Proxy token issued", metadata: ["connection.id": "\(connectionID)", "proxy_token.id": "\(token.id)"])
        return (token, secret)
    }

    /// A connection's proxy tokens (never their secrets), newest first.
    public func proxyTokens(connectionID: String) async throws -> [ProxyToken] {
        _ = try await connection(id: connectionID)
        return try await storeCall { try await self.store.proxyTokens(connectionID: connectionID) }
    }

    /// Revokes a proxy token: the drop-in endpoint refuses it from then on.
    ///
    /// - Throws: ``ConnectionError`` `notFound` when no such token exists.
    @discardableResult
    public func revokeProxyToken(id: String, actor: String, requestID: String? = nil) async throws -> ProxyToken {
        let revoked = try await storeCall { try await self.store.revokeProxyToken(id: id, at: self.now()) }
        guard let token = try await storeCall({ try await self.store.proxyToken(id: id) }) else {
            throw ConnectionError(.notFound, "No proxy token \(id).")
        }
        if revoked {
            await audit(
                AuditEntry(
                    occurredAt: now(), action: .proxyTokenRevoked, connectionID: token.connectionID, actor: actor,
                    requestID: requestID, data: ["proxy_token_id": token.id]))
            logger.notice("Proxy token revoked", metadata: ["proxy_token.id": "\(token.id)"])
        }
        return token
    }

    /// The proxy token whose secret is `secret`, revoked or expired ones included (the caller decides), or `nil`.
    public func proxyToken(secret: String) async throws -> ProxyToken? {
        let hash = APIKey.hash(secret)
        guard let token = try await storeCall({ try await self.store.proxyToken(hash: hash) }),
            Hashing.constantTimeEquals(token.tokenHash, hash)
        else { return nil }
        return token
    }
}
