import Foundation
import Logging
import TikTokConnections

/// Records, states and events for the store tests.
///
/// Dates are whole quarter seconds after a unix-time origin: exactly representable in every store (SQLite REAL
/// seconds, PostgreSQL microseconds), so a round trip can be checked with `==`.
enum StoreFixtures {
    /// A logger for stores under test: warnings and worse only.
    static let logger: Logger = {
        var logger = Logger(label: "tests.store")
        logger.logLevel = .warning
        return logger
    }()

    /// 2026-01-01T00:00:00.25Z.
    static let origin = Date(timeIntervalSince1970: 1_767_225_600.25)

    /// `origin` plus `seconds` (use whole quarter seconds).
    static func at(_ seconds: TimeInterval) -> Date { origin.addingTimeInterval(seconds) }

    /// A sealed token whose box is arbitrary bytes: the store neither sees nor needs plaintext.
    static func sealed(key: String = "k1", seed: UInt8 = 1) -> SealedToken {
        SealedToken(keyID: key, box: (0..<44).map { UInt8(truncatingIfNeeded: Int($0) &* 37 &+ Int(seed)) })
    }

    /// A connection of `kind` whose identities are `identities`, with tokens sealed under `key` (none when `nil`).
    static func record(
        _ id: String,
        kind: ConnectionKind = .advertiser,
        status: ConnectionStatus = .active,
        endUserID: String? = nil,
        identities: [String] = [],
        updatedAt: Date = origin,
        nextActionAt: Date? = nil,
        key: String? = "k1"
    ) -> ConnectionRecord {
        var connection = Connection(
            id: id, kind: kind, status: status, endUserID: endUserID, createdAt: origin, updatedAt: updatedAt)
        switch kind {
        case .advertiser: connection.advertiserIDs = identities
        case .tcmAccount: connection.tcmAccountIDs = identities
        case .tiktokAccount, .creator: connection.openID = identities.first
        }
        return ConnectionRecord(
            connection: connection,
            accessToken: key.map { sealed(key: $0, seed: 1) },
            refreshToken: kind.hasExpiringTokens ? key.map { sealed(key: $0, seed: 2) } : nil,
            nextActionAt: nextActionAt)
    }

    /// A record with every field set, to check a full round trip.
    static func fullRecord(_ id: String) -> ConnectionRecord {
        ConnectionRecord(
            connection: Connection(
                id: id, kind: .tiktokAccount, status: .reauthorizationRequired, statusReason: "refresh_token_expired",
                endUserID: "user-ü-1", advertiserIDs: ["7000000000000000001", "7000000000000000002"],
                openID: "open-123", tcmAccountIDs: ["tcm-1"], scopes: ["user.info.basic", "video.list"],
                accessTokenExpiresAt: at(86_400.5), refreshTokenExpiresAt: at(31_536_000.75),
                lastRefreshedAt: at(-3_600.125), lastCheckedAt: at(-60.25), displayName: "Acme Shoes ü",
                names: ["open-123": "Acme Shoes ü", "7000000000000000001": "Acme \"EU\""],
                avatarURL: "https://p16.example/avatar.jpg?x=1&y=2", failingSince: at(-7_200.5), createdAt: at(-86_400),
                updatedAt: at(0.5)),
            accessToken: sealed(key: "k1", seed: 10), refreshToken: sealed(key: "k2", seed: 20),
            nextActionAt: at(82_800.375), failureCount: 3, warningsSent: [30, 7])
    }

    /// A record with every optional field `nil` and every array empty (but empty strings where a string is allowed).
    static func sparseRecord(_ id: String) -> ConnectionRecord {
        ConnectionRecord(
            connection: Connection(
                id: id, kind: .advertiser, statusReason: "", endUserID: "", createdAt: origin, updatedAt: origin),
            accessToken: nil, refreshToken: nil, nextActionAt: nil)
    }

    /// A pending state.
    static func state(
        _ hash: String, createdAt: Date = origin, expiresAt: Date = at(600), full: Bool = false
    ) -> AuthorizationState {
        AuthorizationState(
            stateHash: hash, kind: full ? .creator : .advertiser,
            redirectURI: "http://127.0.0.1:8080/oauth/callback/\(full ? "creator" : "advertiser")",
            endUserID: full ? "user-1" : nil, reconnectConnectionID: full ? "conn_1" : nil,
            browserBindingHash: full ? String(repeating: "b", count: 64) : nil, forceConsent: full,
            redirectAfter: full ? "/done?x=1" : nil, createdAt: createdAt, expiresAt: expiresAt)
    }

    /// An event for `connectionID`.
    static func event(
        _ type: ConnectionEvent.EventType, _ connectionID: String, at offset: TimeInterval = 0,
        data: [String: String] = [:]
    ) -> ConnectionEvent {
        ConnectionEvent(type: type, connectionID: connectionID, occurredAt: at(offset), data: data)
    }

    /// `record` as the store returns it at `version` (1 after the insert, +1 per update).
    static func stored(_ record: ConnectionRecord, version: Int = 1) -> ConnectionRecord {
        var record = record
        record.version = version
        return record
    }
}
