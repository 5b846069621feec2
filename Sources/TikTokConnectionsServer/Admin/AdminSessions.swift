import Crypto
import Foundation
import Synchronization
import TikTokConnections

/// Signed-in admin browsers, kept in memory: random 256-bit ids, each with its own CSRF token and an expiry.
///
/// Sessions end on sign-out, at expiry, or when the process restarts (operators sign in again). The table is capped so
/// that repeated sign-ins cannot grow memory without bound; the oldest sessions go first.
final class AdminSessions: Sendable {
    struct Session: Sendable, Hashable {
        /// The cookie value.
        var id: String
        /// The token every form of this session carries.
        var csrfToken: String
        var expiresAt: Date
        /// The admin-scoped API key that signed in (`primary` for the configured one).
        var keyID: String = "primary"

        /// How the audit trail names this session's actions.
        var actor: String { "admin:\(keyID)" }
    }

    /// How long a session lasts after sign-in. Default 12 hours.
    let lifetime: TimeInterval
    /// The most sessions kept at once.
    let capacity: Int
    private let now: @Sendable () -> Date
    private let sessions = Mutex<[String: Session]>([:])

    init(lifetime: TimeInterval = 12 * 3600, capacity: Int = 1000, now: @escaping @Sendable () -> Date = { Date() }) {
        self.lifetime = lifetime
        self.capacity = capacity
        self.now = now
    }

    /// Starts a session.
    func create(keyID: String = "primary") -> Session {
        let current = now()
        let session = Session(
            id: RandomID.urlSafe(bytes: 32), csrfToken: RandomID.urlSafe(bytes: 32),
            expiresAt: current.addingTimeInterval(lifetime), keyID: keyID)
        sessions.withLock { table in
            table = table.filter { $0.value.expiresAt > current }
            while table.count >= capacity, let oldest = table.values.min(by: { $0.expiresAt < $1.expiresAt }) {
                table[oldest.id] = nil
            }
            table[session.id] = session
        }
        return session
    }

    /// The live session behind a cookie value, if any.
    func session(id: String?) -> Session? {
        guard let id, !id.isEmpty else { return nil }
        let current = now()
        return sessions.withLock { table in
            guard let session = table[id] else { return nil }
            guard session.expiresAt > current else {
                table[id] = nil
                return nil
            }
            return session
        }
    }

    /// Ends a session.
    func end(id: String) {
        _ = sessions.withLock { $0.removeValue(forKey: id) }
    }

    /// Whether two secrets are equal, in a time that does not depend on where they differ or on their lengths.
    static func constantTimeEqual(_ lhs: String, _ rhs: String) -> Bool {
        // Hash both sides so the comparison runs over 32 bytes whatever the lengths.
        var difference: UInt8 = 0
        for (a, b) in zip(SHA256.hash(data: Data(lhs.utf8)), SHA256.hash(data: Data(rhs.utf8))) { difference |= a ^ b }
        return difference == 0
    }
}
