import Foundation
import TikTokConnections

/// The vault file that `tiktok-business export` writes and `tiktok-business import` reads: JSON Lines, one JSON
/// object per line, each with a `type`:
///
/// 1. `header`: `format` (`tiktok-business-vault`), `version` (1), `exported_at` (ISO 8601) and
///    `exported_at_unix`, `app` (the ``VaultIdentity``: app id, API base URL, sandbox; never the secret), `key_ids`
///    (the ids of the keys the tokens are sealed with; never the keys), `connections` (the count when the export
///    started) and `source` (`sqlite` or `postgres`);
/// 2. one `connection` line per connection, ordered by id, with every stored field: dates as unix seconds (exactly
///    as stored), tokens sealed exactly as stored (`v1.<kid>.<base64>`), `next_action_at`, `failure_count`,
///    `warnings_sent`, `version`;
/// 3. one `event` line per event of the log, oldest first (`id`, `event`, `connection_id`, `occurred_at`, `data`);
/// 4. `end`: the counts of connection and event lines, the key ids, the newest `last_refreshed_at`, and `sha256`, the
///    SHA-256 of every byte before this line. A file without it, or whose checksum or counts differ, is refused.
///
/// Memory stays bounded on both sides: the writer pages through the store, the reader streams line by line.
public enum VaultFile {
    /// The `format` of the header.
    public static let format = "tiktok-business-vault"
    /// The version this build writes and reads.
    public static let version = 1

    /// The first line.
    public struct Header: Codable, Sendable, Equatable {
        public var type = "header"
        public var format: String
        public var version: Int
        public var exportedAt: String
        public var exportedAtUnix: Double
        public var app: VaultIdentity
        public var keyIDs: [String]
        public var connections: Int
        public var source: String

        enum CodingKeys: String, CodingKey {
            case type, format, version, app, connections, source
            case exportedAt = "exported_at"
            case exportedAtUnix = "exported_at_unix"
            case keyIDs = "key_ids"
        }

        /// When the export started.
        public var exportedDate: Date { Date(timeIntervalSince1970: exportedAtUnix) }
    }

    /// A connection line.
    public struct ConnectionLine: Codable, Sendable, Equatable {
        public var type = "connection"
        var id: String
        var kind: String
        var status: String
        var statusReason: String?
        var endUserID: String?
        var advertiserIDs: [String]
        var openID: String?
        var tcmAccountIDs: [String]
        var scopes: [String]
        var accessTokenExpiresAt: Double?
        var refreshTokenExpiresAt: Double?
        var lastRefreshedAt: Double?
        var lastCheckedAt: Double?
        var createdAt: Double
        var updatedAt: Double
        var accessToken: String?
        var refreshToken: String?
        var nextActionAt: Double?
        var failureCount: Int
        var warningsSent: [Int]
        var version: Int
        // Added with names and health: absent in files written before, read as none.
        var displayName: String?
        var names: [String: String]?
        var avatarURL: String?
        var failingSince: Double?

        enum CodingKeys: String, CodingKey {
            case type, id, kind, status, scopes, version
            case statusReason = "status_reason"
            case endUserID = "end_user_id"
            case advertiserIDs = "advertiser_ids"
            case openID = "open_id"
            case tcmAccountIDs = "tto_tcm_account_ids"
            case accessTokenExpiresAt = "access_token_expires_at"
            case refreshTokenExpiresAt = "refresh_token_expires_at"
            case lastRefreshedAt = "last_refreshed_at"
            case lastCheckedAt = "last_checked_at"
            case createdAt = "created_at"
            case updatedAt = "updated_at"
            case accessToken = "sealed_access_token"
            case refreshToken = "sealed_refresh_token"
            case nextActionAt = "next_action_at"
            case failureCount = "failure_count"
            case warningsSent = "warnings_sent"
            case displayName = "display_name"
            case names
            case avatarURL = "avatar_url"
            case failingSince = "failing_since"
        }

        /// The line of a stored record.
        public init(_ record: ConnectionRecord) {
            let c = record.connection
            id = c.id
            kind = c.kind.rawValue
            status = c.status.rawValue
            statusReason = c.statusReason
            endUserID = c.endUserID
            advertiserIDs = c.advertiserIDs
            openID = c.openID
            tcmAccountIDs = c.tcmAccountIDs
            scopes = c.scopes
            accessTokenExpiresAt = c.accessTokenExpiresAt?.timeIntervalSince1970
            refreshTokenExpiresAt = c.refreshTokenExpiresAt?.timeIntervalSince1970
            lastRefreshedAt = c.lastRefreshedAt?.timeIntervalSince1970
            lastCheckedAt = c.lastCheckedAt?.timeIntervalSince1970
            createdAt = c.createdAt.timeIntervalSince1970
            updatedAt = c.updatedAt.timeIntervalSince1970
            accessToken = record.accessToken?.text
            refreshToken = record.refreshToken?.text
            nextActionAt = record.nextActionAt?.timeIntervalSince1970
            failureCount = record.failureCount
            warningsSent = record.warningsSent
            version = record.version
            displayName = c.displayName
            names = c.names.isEmpty ? nil : c.names
            avatarURL = c.avatarURL
            failingSince = c.failingSince?.timeIntervalSince1970
        }

        /// The record this line holds.
        /// - Throws: ``VaultTransferError/Code/fileInvalid`` for an unknown kind or status or a malformed token.
        public func record() throws -> ConnectionRecord {
            guard let kind = ConnectionKind(rawValue: kind) else {
                throw VaultTransferError(.fileInvalid, "Connection \(id) has an unknown kind \(self.kind).")
            }
            guard let status = ConnectionStatus(rawValue: status) else {
                throw VaultTransferError(.fileInvalid, "Connection \(id) has an unknown status \(self.status).")
            }
            func sealed(_ text: String?, _ field: String) throws -> SealedToken? {
                guard let text else { return nil }
                guard let token = SealedToken(text: text) else {
                    throw VaultTransferError(.fileInvalid, "The sealed \(field) of connection \(id) is malformed.")
                }
                return token
            }
            func date(_ seconds: Double?) -> Date? { seconds.map(Date.init(timeIntervalSince1970:)) }
            return ConnectionRecord(
                connection: Connection(
                    id: id, kind: kind, status: status, statusReason: statusReason, endUserID: endUserID,
                    advertiserIDs: advertiserIDs, openID: openID, tcmAccountIDs: tcmAccountIDs, scopes: scopes,
                    accessTokenExpiresAt: date(accessTokenExpiresAt),
                    refreshTokenExpiresAt: date(refreshTokenExpiresAt),
                    lastRefreshedAt: date(lastRefreshedAt), lastCheckedAt: date(lastCheckedAt),
                    displayName: displayName, names: names ?? [:], avatarURL: avatarURL,
                    failingSince: date(failingSince), createdAt: Date(timeIntervalSince1970: createdAt),
                    updatedAt: Date(timeIntervalSince1970: updatedAt)),
                accessToken: try sealed(accessToken, "access token"),
                refreshToken: try sealed(refreshToken, "refresh token"),
                nextActionAt: date(nextActionAt), failureCount: failureCount, warningsSent: warningsSent,
                version: version)
        }
    }

    /// An event line.
    public struct EventLine: Codable, Sendable, Equatable {
        public var type = "event"
        var id: String
        var event: String
        var connectionID: String
        var occurredAt: Double
        var data: [String: String]

        enum CodingKeys: String, CodingKey {
            case type, id, event, data
            case connectionID = "connection_id"
            case occurredAt = "occurred_at"
        }

        /// The line of a stored event (its sequence is not kept: the target assigns its own, in the same order).
        public init(_ event: ConnectionEvent) {
            id = event.id
            self.event = event.type.rawValue
            connectionID = event.connectionID
            occurredAt = event.occurredAt.timeIntervalSince1970
            data = event.data
        }

        /// The event this line holds.
        public var connectionEvent: ConnectionEvent {
            ConnectionEvent(
                id: id, type: .init(rawValue: event), connectionID: connectionID,
                occurredAt: Date(timeIntervalSince1970: occurredAt), data: data)
        }
    }

    /// The last line.
    public struct Trailer: Codable, Sendable, Equatable {
        public var type = "end"
        public var connections: Int
        public var events: Int
        public var keyIDs: [String]
        public var newestRefreshAt: Double?
        public var sha256: String

        enum CodingKeys: String, CodingKey {
            case type, connections, events, sha256
            case keyIDs = "key_ids"
            case newestRefreshAt = "newest_refresh_at"
        }
    }

    /// One line of the file.
    public enum Line: Decodable, Sendable {
        case header(Header)
        case connection(ConnectionLine)
        case event(EventLine)
        case end(Trailer)

        private enum TypeKey: String, CodingKey { case type }

        public init(from decoder: any Decoder) throws {
            let type = try decoder.container(keyedBy: TypeKey.self).decode(String.self, forKey: .type)
            switch type {
            case "header": self = .header(try Header(from: decoder))
            case "connection": self = .connection(try ConnectionLine(from: decoder))
            case "event": self = .event(try EventLine(from: decoder))
            case "end": self = .end(try Trailer(from: decoder))
            default:
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "unknown line type"))
            }
        }
    }

    /// The encoder for lines: compact, one line each, keys sorted (stable files for the same vault).
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
