import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization
import TikTokConnections

/// Requires `Authorization: Bearer <API key>` on every request it guards and records the ``APICaller``: the
/// configured key (compared in constant time) is `primary` with every scope; a named key (`tbk_…`) is looked up by
/// its hash, and is remembered for ``cacheTTL`` so that the proxy's hot path costs no database read per call (a key
/// revoked on this instance stops at once; on another instance within the TTL).
struct BearerAuthMiddleware<Context: CallerRequestContext>: RouterMiddleware {
    let keyDigest: SHA256Digest
    let keys: APIKeyCache

    init(apiKey: String, keys: APIKeyCache) {
        keyDigest = SHA256.hash(data: Data(apiKey.utf8))
        self.keys = keys
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let header = request.headers[.authorization], header.count > 7,
            header.prefix(7).lowercased() == "bearer "
        else {
            throw APIError(.unauthorized, code: "unauthorized", message: "A bearer API key is required.")
        }
        let presented = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        var context = context
        // Hash both sides so the comparison takes the same time whatever the lengths.
        if Self.constantTimeEqual(SHA256.hash(data: Data(presented.utf8)), keyDigest) {
            context.caller = .primary
        } else if presented.hasPrefix("tbk_"), presented.count <= 128, let caller = try await keys.caller(presented) {
            context.caller = caller
        } else {
            throw APIError(.unauthorized, code: "unauthorized", message: "The API key is not valid.")
        }
        return try await next(request, context)
    }

    static func constantTimeEqual(_ lhs: SHA256Digest, _ rhs: SHA256Digest) -> Bool {
        var difference: UInt8 = 0
        for (a, b) in zip(lhs, rhs) { difference |= a ^ b }
        return difference == 0
    }
}

/// Named API keys looked up by their secret, remembered for a few seconds (valid and invalid answers alike).
final class APIKeyCache: Sendable {
    private let cache: SecretLookupCache<APICaller>

    init(manager: ConnectionManager, cacheTTL: Duration = .seconds(5)) {
        cache = SecretLookupCache(ttl: cacheTTL) { secret in
            try await manager.apiKey(secret: secret).map { APICaller(keyID: $0.id, scope: $0.scope) }
        }
    }

    /// The caller a named key's secret authenticates, or `nil`.
    func caller(_ secret: String) async throws -> APICaller? {
        try await APIError.vault { try await cache.value(for: secret) }
    }

    /// Forgets every remembered answer (after a key is revoked here).
    func invalidate() { cache.invalidate() }
}

/// Answers looked up by a secret (an API key, a proxy token), remembered by the secret's hash for `ttl`, found and
/// not found alike, so that a hot path costs no database read per request. At most 10,000 are kept.
final class SecretLookupCache<Value: Sendable>: Sendable {
    let ttl: Duration
    private let lookup: @Sendable (String) async throws -> Value?
    private let entries = Mutex<[String: (value: Value?, until: ContinuousClock.Instant)]>([:])

    init(ttl: Duration, lookup: @escaping @Sendable (String) async throws -> Value?) {
        self.ttl = ttl
        self.lookup = lookup
    }

    /// The value for `secret`, from memory when looked up less than `ttl` ago.
    func value(for secret: String) async throws -> Value? {
        let hash = APIKey.hash(secret)
        let now = ContinuousClock.now
        if let cached = entries.withLock({ $0[hash] }), cached.until > now { return cached.value }
        let value = try await lookup(secret)
        entries.withLock { entries in
            if entries.count > 10_000 { entries.removeAll() }
            entries[hash] = (value, now + ttl)
        }
        return value
    }

    /// Forgets every answer.
    func invalidate() {
        entries.withLock { $0.removeAll() }
    }
}
