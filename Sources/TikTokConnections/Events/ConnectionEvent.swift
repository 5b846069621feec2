import Foundation

/// An entry of the append-only event log.
public struct ConnectionEvent: Sendable, Hashable {
    /// The event types the vault records.
    public struct EventType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A new connection was authorized.
        public static let connectionCreated = EventType(rawValue: "connection.created")
        /// An existing connection was authorized again.
        public static let connectionReauthorized = EventType(rawValue: "connection.reauthorized")
        /// An access token was refreshed.
        public static let tokenRefreshed = EventType(rawValue: "token.refreshed")
        /// A refresh or liveness check failed (transiently or definitively).
        public static let refreshFailed = EventType(rawValue: "refresh.failed")
        /// The refresh token lapses soon (30 and 7 days before).
        public static let refreshTokenExpiring = EventType(rawValue: "refresh_token_expiring")
        /// The user must authorize again.
        public static let reauthorizationRequired = EventType(rawValue: "reauthorization_required")
        /// The connection was revoked.
        public static let connectionRevoked = EventType(rawValue: "connection.revoked")
        /// A degraded connection's refresh or check succeeded again (after failing transiently for longer than
        /// ``ConnectionManager/Configuration/degradedAfter``).
        public static let connectionRecovered = EventType(rawValue: "connection.recovered")
        /// The advertisers a token covers changed.
        public static let advertisersChanged = EventType(rawValue: "advertisers.changed")
    }

    /// The log position, assigned by the store (increasing). `0` before it is stored.
    public var sequence: Int64
    /// A unique id (for webhook de-duplication).
    public var id: String
    /// The type.
    public var type: EventType
    /// The connection it concerns.
    public var connectionID: String
    /// When it happened.
    public var occurredAt: Date
    /// Details, never tokens.
    public var data: [String: String]

    /// Creates an event.
    public init(
        sequence: Int64 = 0, id: String = ConnectionEvent.makeID(), type: EventType, connectionID: String,
        occurredAt: Date, data: [String: String] = [:]
    ) {
        self.sequence = sequence
        self.id = id
        self.type = type
        self.connectionID = connectionID
        self.occurredAt = occurredAt
        self.data = data
    }

    /// A new random event id, `evt_` and 32 hex digits.
    public static func makeID() -> String { "evt_" + RandomID.hex(bytes: 16) }
}
