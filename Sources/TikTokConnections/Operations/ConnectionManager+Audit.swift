import Foundation
import Logging

/// The audit trail and the named API keys.
extension ConnectionManager {
    /// Appends an entry to the audit trail. A failure to record is logged, not thrown: the audit trail must not
    /// turn a read the caller was entitled to into an error after the fact.
    public func audit(_ entry: AuditEntry) async {
        do {
            try await storeCall { try await self.store.appendAudit([entry]) }
        } catch {
            logger.error(
                "Could not record an audit entry",
                metadata: ["audit.action": "\(entry.action)", "audit.actor": "\(entry.actor)", "error": "\(error)"])
        }
    }

    /// Audit entries below `sequence` (`nil`: from the newest), newest first.
    public func auditEntries(before sequence: Int64? = nil, connectionID: String? = nil, limit: Int = 100)
        async throws -> [AuditEntry]
    {
        try await storeCall {
            try await self.store.auditEntries(
                before: sequence, connectionID: connectionID, limit: max(1, min(limit, 1000)))
        }
    }

    /// Proxy use per connection, caller and day over the last `days` days, newest day first.
    public func proxyUsage(connectionID: String? = nil, days: Int = 30, limit: Int = 1000) async throws
        -> [ProxyUsage]
    {
        let since = ProxyUsage.day(of: now().addingTimeInterval(-Double(days - 1) * 86_400))
        return try await storeCall {
            try await self.store.proxyUsage(connectionID: connectionID, sinceDay: since, limit: limit)
        }
    }

    /// Adds proxy-use counts (the server's ``ProxyUsageRecorder`` flushes its tallies here).
    public func addProxyUsage(_ usage: [ProxyUsage]) async throws {
        try await storeCall { try await self.store.addProxyUsage(usage) }
    }

    // MARK: API keys

    /// Creates a named API key; returns it and its secret, which is shown once and stored only as a hash.
    public func createAPIKey(name: String, scope: APIKey.Scope, actor: String, requestID: String? = nil) async throws
        -> (key: APIKey, secret: String)
    {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 100 else {
            throw ConnectionError(.invalidRequest, "An API key's name must be 1 to 100 characters.")
        }
        let (key, secret) = APIKey.generate(name: trimmed, scope: scope, at: now())
        try await storeCall { try await self.store.insertAPIKey(key) }
        await audit(
            AuditEntry(
                occurredAt: now(), action: .apiKeyCreated, actor: actor, requestID: requestID,
                data: ["key_id": key.id, "name": key.name, "scope": key.scope.rawValue]))
        logger.info("API key created", metadata: ["api_key.id": "\(key.id)", "api_key.scope": "\(scope.rawValue)"])
        return (key, secret)
    }

    /// Every API key (without secrets), oldest first.
    public func apiKeys() async throws -> [APIKey] {
        try await storeCall { try await self.store.apiKeys() }
    }

    /// Revokes an API key.
    ///
    /// - Throws: ``ConnectionError`` `notFound` when no such key exists.
    @discardableResult
    public func revokeAPIKey(id: String, actor: String, requestID: String? = nil) async throws -> APIKey {
        let revoked = try await storeCall { try await self.store.revokeAPIKey(id: id, at: self.now()) }
        guard let key = try await apiKeys().first(where: { $0.id == id }) else {
            throw ConnectionError(.notFound, "No API key \(id).")
        }
        if revoked {
            await audit(
                AuditEntry(
                    occurredAt: now(), action: .apiKeyRevoked, actor: actor, requestID: requestID,
                    data: ["key_id": key.id, "name": key.name]))
            logger.notice("API key revoked", metadata: ["api_key.id": "\(key.id)"])
        }
        return key
    }

    /// The unrevoked key whose secret is `secret`, or `nil`.
    public func apiKey(secret: String) async throws -> APIKey? {
        let hash = APIKey.hash(secret)
        guard let key = try await storeCall({ try await self.store.apiKey(hash: hash) }), key.revokedAt == nil,
            Hashing.constantTimeEquals(key.keyHash, hash)
        else { return nil }
        return key
    }
}
