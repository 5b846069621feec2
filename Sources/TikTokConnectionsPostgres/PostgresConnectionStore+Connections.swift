internal import Foundation
internal import Logging
internal import PostgresNIO
public import TikTokConnections

extension PostgresConnectionStore {
    /// The connection with this id.
    public func record(id: String) async throws -> ConnectionRecord? {
        try await rows("read a connection", "SELECT * FROM tiktok_business_connections WHERE id = \(id)")
            .map(ConnectionRecord.init(postgresRow:)).first
    }

    /// The id of the connection of `kind` and of the end user `endUserID` (`nil` matches only connections without
    /// one) with the latest `updatedAt` among those that have any of `identities`.
    public func connectionID(kind: ConnectionKind, endUserID: String?, matchingAnyOf identities: [String])
        async throws -> String?
    {
        guard !identities.isEmpty else { return nil }
        // Equal update times: the connection whose identities were written last wins.
        let rows = try await rows(
            "look up a connection by identity",
            """
            SELECT c.id FROM tiktok_business_connection_identities i
            JOIN tiktok_business_connections c ON c.id = i.connection_id
            WHERE i.kind = \(kind.rawValue) AND i.identity = ANY(\(identities))
            AND c.end_user_id IS NOT DISTINCT FROM \(endUserID)
            ORDER BY c.updated_at DESC, i.position DESC LIMIT 1
            """)
        return try rows.first.map { try RowReader($0, table: "tiktok_business_connections").value("id") }
    }

    /// Inserts a new connection (its version must be 0; it is stored as 1), its identities and `events`, in one
    /// transaction.
    ///
    /// - Throws: ``ConnectionStoreError`` when the version is not 0 or a connection with this id exists.
    public func insert(_ record: ConnectionRecord, events: [ConnectionEvent]) async throws {
        guard record.version == 0 else {
            throw ConnectionStoreError("A new connection must have version 0")
        }
        let values = try ColumnValues(record)
        let c = record.connection
        try await transaction("insert a connection") { connection, logger in
            let inserted = try await connection.query(
                """
                INSERT INTO tiktok_business_connections (
                    id, kind, status, status_reason, end_user_id, advertiser_ids, open_id, tcm_account_ids, scopes,
                    access_token_expires_at, refresh_token_expires_at, last_refreshed_at, last_checked_at,
                    created_at, updated_at, access_token, refresh_token, key_id, refresh_key_id, next_action_at,
                    failure_count, warnings_sent, version, display_name, names, avatar_url, failing_since, search_text
                ) VALUES (
                    \(c.id), \(c.kind.rawValue), \(c.status.rawValue), \(c.statusReason), \(c.endUserID),
                    \(values.advertiserIDs), \(c.openID), \(values.tcmAccountIDs), \(values.scopes),
                    \(values.accessTokenExpiresAt), \(values.refreshTokenExpiresAt), \(values.lastRefreshedAt),
                    \(values.lastCheckedAt), \(values.createdAt), \(values.updatedAt), \(values.accessToken),
                    \(values.refreshToken), \(values.keyID), \(values.refreshKeyID), \(values.nextActionAt),
                    \(record.failureCount), \(values.warningsSent), \(1), \(c.displayName), \(values.names),
                    \(c.avatarURL), \(values.failingSince), \(c.searchText)
                ) ON CONFLICT (id) DO NOTHING RETURNING id
                """,
                logger: logger
            ).collect()
            guard inserted.count == 1 else {
                throw ConnectionStoreError("A connection with this id already exists")
            }
            try await Self.replaceIdentities(connection, logger, of: c)
            try await Self.insertEvents(connection, logger, events)
        }
    }

    /// Replaces a connection if its stored version is still `record.version`: stores `record.version + 1`, releases
    /// the lease if it is `leaseOwner`'s or nobody's (`nil`: any lease), replaces the identities and appends
    /// `events`, in one transaction.
    ///
    /// - Returns: `false`, having changed nothing, when the stored version differs or the connection is gone.
    public func update(_ record: ConnectionRecord, events: [ConnectionEvent], leaseOwner: String?) async throws
        -> Bool
    {
        let values = try ColumnValues(record)
        let c = record.connection
        return try await transaction("update a connection") { connection, logger in
            let updated = try await connection.query(
                """
                UPDATE tiktok_business_connections SET
                    kind = \(c.kind.rawValue), status = \(c.status.rawValue), status_reason = \(c.statusReason),
                    end_user_id = \(c.endUserID), advertiser_ids = \(values.advertiserIDs), open_id = \(c.openID),
                    tcm_account_ids = \(values.tcmAccountIDs), scopes = \(values.scopes),
                    access_token_expires_at = \(values.accessTokenExpiresAt),
                    refresh_token_expires_at = \(values.refreshTokenExpiresAt),
                    last_refreshed_at = \(values.lastRefreshedAt), last_checked_at = \(values.lastCheckedAt),
                    created_at = \(values.createdAt), updated_at = \(values.updatedAt),
                    access_token = \(values.accessToken), refresh_token = \(values.refreshToken),
                    key_id = \(values.keyID), refresh_key_id = \(values.refreshKeyID),
                    next_action_at = \(values.nextActionAt), failure_count = \(record.failureCount),
                    warnings_sent = \(values.warningsSent), display_name = \(c.displayName),
                    names = \(values.names), avatar_url = \(c.avatarURL), failing_since = \(values.failingSince),
                    search_text = \(c.searchText),
                    version = version + 1,
                    lease_until = CASE WHEN \(leaseOwner)::text IS NULL OR lease_owner IS NULL
                        OR lease_owner = \(leaseOwner) THEN NULL ELSE lease_until END,
                    lease_owner = CASE WHEN \(leaseOwner)::text IS NULL OR lease_owner IS NULL
                        OR lease_owner = \(leaseOwner) THEN NULL ELSE lease_owner END
                WHERE id = \(c.id) AND version = \(record.version)
                RETURNING id
                """,
                logger: logger
            ).collect()
            guard updated.count == 1 else { return false }
            try await Self.replaceIdentities(connection, logger, of: c)
            try await Self.insertEvents(connection, logger, events)
            return true
        }
    }

    /// Up to `limit` connections ordered by id, with ids after `cursor`, matching `filter`.
    public func list(_ filter: ConnectionFilter, after cursor: String?, limit: Int) async throws -> [Connection] {
        guard limit > 0 else { return [] }
        var query = PostgresQuery(
            unsafeSQL: "SELECT * FROM tiktok_business_connections WHERE ($1::text IS NULL OR id > $1)", binds: .init())
        query.binds.append(cursor)
        Self.appendConditions(filter, to: &query)
        query.sql += " ORDER BY id LIMIT \(limit)"
        return try await rows("list connections", query).map { try ConnectionRecord(postgresRow: $0).connection }
    }

    /// How many connections match `filter`.
    public func count(_ filter: ConnectionFilter) async throws -> Int {
        var query = PostgresQuery(unsafeSQL: "SELECT COUNT(*) AS count FROM tiktok_business_connections WHERE TRUE")
        Self.appendConditions(filter, to: &query)
        return try await rows("count connections", query).first.map {
            try RowReader($0, table: "tiktok_business_connections").value("count", as: Int.self)
        } ?? 0
    }

    /// Appends `AND …` conditions for `filter` (but the cursor), each value bound.
    static func appendConditions(_ filter: ConnectionFilter, to query: inout PostgresQuery) {
        func bind(_ value: some PostgresNonThrowingEncodable) -> String {
            query.binds.append(value)
            return "$\(query.binds.count)"
        }
        if let kind = filter.kind { query.sql += " AND kind = \(bind(kind.rawValue))" }
        if let status = filter.status { query.sql += " AND status = \(bind(status.rawValue))" }
        if let endUserID = filter.endUserID { query.sql += " AND end_user_id = \(bind(endUserID))" }
        if let search = filter.searchPattern { query.sql += " AND strpos(search_text, \(bind(search))) > 0" }
        if let date = filter.failingSinceBefore {
            query.sql += " AND status = 'active' AND failing_since <= \(bind(PostgresColumns.seconds(date)))"
        }
        if let date = filter.refreshTokenExpiresBefore {
            query.sql += " AND refresh_token_expires_at < \(bind(PostgresColumns.seconds(date)))"
        }
        if let attention = filter.needsAttention {
            let degraded = bind(PostgresColumns.seconds(attention.degradedBefore))
            let lapsing = bind(PostgresColumns.seconds(attention.lapsingBefore))
            query.sql += """
                 AND (status = 'reauthorization_required' OR (status = 'active' AND (failing_since <= \(degraded)
                OR refresh_token_expires_at < \(lapsing))))
                """
        }
    }

    /// The number of connections of each kind and status that has any, ordered by kind and status.
    public func counts() async throws -> [ConnectionCount] {
        try await rows(
            "count connections",
            """
            SELECT kind, status, COUNT(*) AS count FROM tiktok_business_connections
            GROUP BY kind, status ORDER BY kind, status
            """
        ).map { row in
            let reader = RowReader(row, table: "tiktok_business_connections")
            return ConnectionCount(
                kind: try reader.enumeration("kind", as: ConnectionKind.self),
                status: try reader.enumeration("status", as: ConnectionStatus.self),
                count: try reader.value("count", as: Int.self))
        }
    }
}

// MARK: - Helpers

extension PostgresConnectionStore {
    /// The stored forms of a record's columns that are not stored as they are.
    struct ColumnValues {
        let advertiserIDs: String
        let tcmAccountIDs: String
        let scopes: String
        let accessTokenExpiresAt: Double?
        let refreshTokenExpiresAt: Double?
        let lastRefreshedAt: Double?
        let lastCheckedAt: Double?
        let createdAt: Double
        let updatedAt: Double
        let accessToken: String?
        let refreshToken: String?
        let keyID: String?
        let refreshKeyID: String?
        let nextActionAt: Double?
        let warningsSent: String
        let names: String
        let failingSince: Double?

        init(_ record: ConnectionRecord) throws {
            let c = record.connection
            advertiserIDs = try PostgresColumns.json(c.advertiserIDs)
            tcmAccountIDs = try PostgresColumns.json(c.tcmAccountIDs)
            scopes = try PostgresColumns.json(c.scopes)
            accessTokenExpiresAt = PostgresColumns.seconds(c.accessTokenExpiresAt)
            refreshTokenExpiresAt = PostgresColumns.seconds(c.refreshTokenExpiresAt)
            lastRefreshedAt = PostgresColumns.seconds(c.lastRefreshedAt)
            lastCheckedAt = PostgresColumns.seconds(c.lastCheckedAt)
            createdAt = PostgresColumns.seconds(c.createdAt)
            updatedAt = PostgresColumns.seconds(c.updatedAt)
            accessToken = record.accessToken?.text
            refreshToken = record.refreshToken?.text
            keyID = (record.accessToken ?? record.refreshToken)?.keyID
            refreshKeyID = record.refreshToken?.keyID
            nextActionAt = PostgresColumns.seconds(record.nextActionAt)
            warningsSent = try PostgresColumns.json(record.warningsSent)
            names = try PostgresColumns.json(c.names)
            failingSince = PostgresColumns.seconds(c.failingSince)
        }
    }

    /// Replaces the identity rows of `connection` with its current ``Connection/identities``, in the transaction.
    static func replaceIdentities(
        _ db: PostgresConnection, _ logger: Logger, of connection: Connection
    ) async throws {
        try await db.query(
            "DELETE FROM tiktok_business_connection_identities WHERE connection_id = \(connection.id)", logger: logger)
        var seen = Set<String>()
        let identities = connection.identities.filter { seen.insert($0).inserted }
        guard !identities.isEmpty else { return }
        try await db.query(
            """
            INSERT INTO tiktok_business_connection_identities (connection_id, kind, identity)
            SELECT \(connection.id), \(connection.kind.rawValue), identity
            FROM unnest(\(identities)::text[]) WITH ORDINALITY AS t (identity, ordinal) ORDER BY ordinal
            """,
            logger: logger)
    }
}
