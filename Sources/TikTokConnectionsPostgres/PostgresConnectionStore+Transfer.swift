public import Foundation
internal import Logging
internal import PostgresNIO
public import TikTokConnections

extension PostgresConnectionStore {
    static let pendingImportKey = "pending_import"

    /// Up to `limit` connections with their sealed tokens, ordered by id, with ids after `cursor`.
    public func records(after cursor: String?, limit: Int) async throws -> [ConnectionRecord] {
        guard limit > 0 else { return [] }
        return try await rows(
            "page through connections",
            """
            SELECT * FROM tiktok_business_connections WHERE (\(cursor)::text IS NULL OR id > \(cursor))
            ORDER BY id LIMIT \(limit)
            """
        ).map(ConnectionRecord.init(postgresRow:))
    }

    /// Inserts connections as given (version kept, no lease), their identities and `events`, in one transaction:
    /// one statement for the connections (rows passed as one JSON document, so that no value is spliced into SQL),
    /// one for the identities and one for the events.
    ///
    /// - Throws: ``ConnectionStoreError`` when a connection or event id is already stored (nothing is written).
    public func insertTransferred(_ records: [ConnectionRecord], events: [ConnectionEvent]) async throws {
        guard !records.isEmpty || !events.isEmpty else { return }
        let document = try Self.transferDocument(records)
        var identityOwners: [String] = []
        var identityKinds: [String] = []
        var identities: [String] = []
        for record in records {
            var seen = Set<String>()
            for identity in record.connection.identities where seen.insert(identity).inserted {
                identityOwners.append(record.id)
                identityKinds.append(record.connection.kind.rawValue)
                identities.append(identity)
            }
        }
        let expected = records.count
        let (owners, kinds, names) = (identityOwners, identityKinds, identities)
        try await transaction("import connections", unbounded: true) { connection, logger in
            if expected > 0 {
                let inserted = try await connection.query(
                    """
                    INSERT INTO tiktok_business_connections (
                        id, kind, status, status_reason, end_user_id, advertiser_ids, open_id, tcm_account_ids, scopes,
                        access_token_expires_at, refresh_token_expires_at, last_refreshed_at, last_checked_at,
                        created_at, updated_at, access_token, refresh_token, key_id, refresh_key_id, next_action_at,
                        failure_count, warnings_sent, version, display_name, names, avatar_url, failing_since,
                        search_text
                    )
                    SELECT id, kind, status, status_reason, end_user_id, advertiser_ids, open_id, tcm_account_ids,
                        scopes, access_token_expires_at, refresh_token_expires_at, last_refreshed_at, last_checked_at,
                        created_at, updated_at, access_token, refresh_token, key_id, refresh_key_id, next_action_at,
                        failure_count, warnings_sent, version, display_name, names, avatar_url, failing_since,
                        search_text
                    FROM json_to_recordset(\(document)::json) AS r (
                        id text, kind text, status text, status_reason text, end_user_id text, advertiser_ids text,
                        open_id text, tcm_account_ids text, scopes text, access_token_expires_at double precision,
                        refresh_token_expires_at double precision, last_refreshed_at double precision,
                        last_checked_at double precision, created_at double precision, updated_at double precision,
                        access_token text, refresh_token text, key_id text, refresh_key_id text,
                        next_action_at double precision, failure_count integer, warnings_sent text, version bigint,
                        display_name text, names text, avatar_url text, failing_since double precision,
                        search_text text
                    )
                    ON CONFLICT (id) DO NOTHING RETURNING id
                    """,
                    logger: logger
                ).collect()
                guard inserted.count == expected else {
                    throw ConnectionStoreError("A connection with one of these ids already exists")
                }
            }
            if !names.isEmpty {
                try await connection.query(
                    """
                    INSERT INTO tiktok_business_connection_identities (connection_id, kind, identity)
                    SELECT connection_id, kind, identity
                    FROM unnest(\(owners)::text[], \(kinds)::text[], \(names)::text[])
                    WITH ORDINALITY AS t (connection_id, kind, identity, ordinal) ORDER BY ordinal
                    """,
                    logger: logger)
            }
            try await Self.insertEvents(connection, logger, events)
        }
    }

    /// The note of an unfinished import, or `nil`.
    public func pendingImport() async throws -> String? {
        let rows = try await rows(
            "read the import note", "SELECT value FROM tiktok_business_metadata WHERE key = \(Self.pendingImportKey)")
        guard let row = rows.first else { return nil }
        return try RowReader(row, table: "tiktok_business_metadata").value("value")
    }

    /// Records or clears the note of an unfinished import.
    public func setPendingImport(_ note: String?) async throws {
        let key = Self.pendingImportKey
        if let note {
            _ = try await rows(
                "record the import note",
                """
                INSERT INTO tiktok_business_metadata (key, value) VALUES (\(key), \(note))
                ON CONFLICT (key) DO UPDATE SET value = excluded.value
                """)
        } else {
            _ = try await rows("clear the import note", "DELETE FROM tiktok_business_metadata WHERE key = \(key)")
        }
    }

    /// The records as a JSON array of rows named like the columns.
    static func transferDocument(_ records: [ConnectionRecord]) throws -> String {
        let rows = try records.map { record in
            let c = record.connection
            let values = try ColumnValues(record)
            return TransferRow(
                id: c.id, kind: c.kind.rawValue, status: c.status.rawValue, status_reason: c.statusReason,
                end_user_id: c.endUserID, advertiser_ids: values.advertiserIDs, open_id: c.openID,
                tcm_account_ids: values.tcmAccountIDs, scopes: values.scopes,
                access_token_expires_at: values.accessTokenExpiresAt,
                refresh_token_expires_at: values.refreshTokenExpiresAt, last_refreshed_at: values.lastRefreshedAt,
                last_checked_at: values.lastCheckedAt, created_at: values.createdAt, updated_at: values.updatedAt,
                access_token: values.accessToken, refresh_token: values.refreshToken, key_id: values.keyID,
                refresh_key_id: values.refreshKeyID, next_action_at: values.nextActionAt,
                failure_count: record.failureCount, warnings_sent: values.warningsSent, version: record.version,
                display_name: c.displayName, names: values.names, avatar_url: c.avatarURL,
                failing_since: values.failingSince, search_text: c.searchText)
        }
        do {
            return String(decoding: try JSONEncoder().encode(rows), as: UTF8.self)
        } catch {
            throw ConnectionStoreError("Could not encode connections for import: \(type(of: error))")
        }
    }

    /// One row of ``transferDocument(_:)``; nil fields are left out and read as NULL.
    private struct TransferRow: Encodable {
        var id: String
        var kind: String
        var status: String
        var status_reason: String?
        var end_user_id: String?
        var advertiser_ids: String
        var open_id: String?
        var tcm_account_ids: String
        var scopes: String
        var access_token_expires_at: Double?
        var refresh_token_expires_at: Double?
        var last_refreshed_at: Double?
        var last_checked_at: Double?
        var created_at: Double
        var updated_at: Double
        var access_token: String?
        var refresh_token: String?
        var key_id: String?
        var refresh_key_id: String?
        var next_action_at: Double?
        var failure_count: Int
        var warnings_sent: String
        var version: Int
        var display_name: String?
        var names: String
        var avatar_url: String?
        var failing_since: Double?
        var search_text: String
    }
}
