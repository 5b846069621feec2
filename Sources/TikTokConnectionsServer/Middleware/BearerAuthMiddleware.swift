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
    let manager: ConnectionManager
    /// How long an answer is reused. Default 5 s.
    let cacheTTL: Duration
    private let entries = Mutex<[String: (caller: APICaller?, until: ContinuousClock.Instant)]>([:])

    init(manager: ConnectionManager, cacheTTL: Duration = .seconds(5)) {
        self.manager = manager
        self.cacheTTL = cacheTTL
    }

    /// The caller a named key's secret authenticates, or `nil`.
    func caller(_ secret: String) async throws -> APICaller? {
        let hash = APIKey.hash(secret)
        let now = ContinuousClock.now
        if let cached = entries.withLock({ $0[hash] }), cached.until > now { return cached.caller }
        let key: APIKey?
        do {
            key = try await manager.apiKey(secret: secret)
        } catch let error as ConnectionError {
            throw APIError.from(error)
        }
        let caller = key.map { APICaller(keyID: $0.id, scope: $0.scope) }
        entries.withLock { entries in
            if entries.count > 10_000 { entries.removeAll() }
            entries[hash] = (caller, now + cacheTTL)
        }
        return caller
    }

    /// Forgets every remembered answer (after a key is revoked here).
    func invalidate() {
        entries.withLock { $0.removeAll() }
    }
}
