internal import Foundation
internal import GRDB
public import TikTokConnections

extension SQLiteConnectionStore {
    /// The connection with this id.
    public func record(id: String) async throws -> ConnectionRecord? {
        try await read("read a connection") { db in try Self.fetchRecord(db, id: id) }
    }

    /// The id of the connection of `kind` and of the end user `endUserID` (`nil` matches only connections without
    /// one) with the latest `updatedAt` among those that have any of `identities`.
    public func connectionID(kind: ConnectionKind, endUserID: String?, matchingAnyOf identities: [String])
        async throws -> String?
    {
        guard !identities.isEmpty else { return nil }
        return try await read("look up a connection by identity") { db in
            // Equal update times: the connection whose identities were written last wins.
            try String.fetchOne(
                db,
                SQLRequest(
                    literal: """
                        SELECT c.id FROM connection_identities i JOIN connections c ON c.id = i.connection_id
                        WHERE i.kind = \(kind.rawValue) AND i.identity IN \(identities)
                        AND c.end_user_id IS \(endUserID)
                        ORDER BY c.updated_at DESC, i.rowid DESC LIMIT 1
                        """))
        }
    }

    /// Inserts a new connection (its version must be 0; it is stored as 1), its identities and `events`, in one
    /// transaction.
    ///
    /// - Throws: ``ConnectionStoreError`` when the version is not 0 or a connection with this id exists.
    public func insert(_ record: ConnectionRecord, events: [ConnectionEvent]) async throws {
        guard record.version == 0 else {
            throw ConnectionStoreError("A new connection must have version 0")
        }
        try await write("insert a connection") { db in
            do {
                try db.cachedStatement(sql: Self.insertConnectionSQL)
                    .execute(arguments: StatementArguments(try record.columnValues() + [1]))
            } catch DatabaseError.SQLITE_CONSTRAINT_PRIMARYKEY {
                throw ConnectionStoreError("A connection with this id already exists")
            }
            try Self.replaceIdentities(db, of: record.connection)
            try Self.insertEvents(db, events)
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
        try await write("update a connection") { db in
            let values = try record.columnValues().dropFirst()  // Everything but the id.
            try db.cachedStatement(sql: Self.updateConnectionSQL)
                .execute(
                    arguments: StatementArguments(
                        Array(values) + [leaseOwner, leaseOwner, leaseOwner, leaseOwner, record.id, record.version]))
            guard db.changesCount == 1 else { return false }
            try Self.replaceIdentities(db, of: record.connection)
            try Self.insertEvents(db, events)
            return true
        }
    }

    /// Up to `limit` connections ordered by id, with ids after `cursor`, matching `filter`.
    public func list(_ filter: ConnectionFilter, after cursor: String?, limit: Int) async throws -> [Connection] {
        guard limit > 0 else { return [] }
        return try await read("list connections") { db in
            var sql: SQL = "SELECT * FROM connections WHERE 1"
            if let cursor { sql.append(literal: " AND id > \(cursor)") }
            sql.append(literal: Self.conditions(filter))
            sql.append(literal: " ORDER BY id LIMIT \(limit)")
            return try Self.fetchRecords(db, sql).map(\.connection)
        }
    }

    /// How many connections match `filter`.
    public func count(_ filter: ConnectionFilter) async throws -> Int {
        try await read("count connections") { db in
            var sql: SQL = "SELECT COUNT(*) FROM connections WHERE 1"
            sql.append(literal: Self.conditions(filter))
            return try Int.fetchOne(db, SQLRequest(literal: sql)) ?? 0
        }
    }

    /// The `AND …` conditions of `filter` but the cursor.
    static func conditions(_ filter: ConnectionFilter) -> SQL {
        var sql: SQL = ""
        if let kind = filter.kind { sql.append(literal: " AND kind = \(kind.rawValue)") }
        if let status = filter.status { sql.append(literal: " AND status = \(status.rawValue)") }
        if let endUserID = filter.endUserID { sql.append(literal: " AND end_user_id = \(endUserID)") }
        if let search = filter.searchPattern { sql.append(literal: " AND instr(search_text, \(search)) > 0") }
        if let date = filter.failingSinceBefore {
            sql.append(literal: " AND status = 'active' AND failing_since <= \(SQLiteColumns.seconds(date))")
        }
        if let date = filter.refreshTokenExpiresBefore {
            sql.append(literal: " AND refresh_token_expires_at < \(SQLiteColumns.seconds(date))")
        }
        if let attention = filter.needsAttention {
            let degraded = SQLiteColumns.seconds(attention.degradedBefore)
            let lapsing = SQLiteColumns.seconds(attention.lapsingBefore)
            sql.append(
                literal: """
                     AND (status = 'reauthorization_required' OR (status = 'active' AND (failing_since <= \(degraded)
                    OR refresh_token_expires_at < \(lapsing))))
                    """)
        }
        return sql
    }

    /// The number of connections of each kind and status that has any, ordered by kind and status.
    public func counts() async throws -> [ConnectionCount] {
        try await read("count connections") { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT kind, status, COUNT(*) AS count FROM connections
                    GROUP BY kind, status ORDER BY kind, status
                    """)
            return try rows.map { row in
                let reader = RowReader(row: row, table: "connections")
                return ConnectionCount(
                    kind: try reader.enumeration("kind", as: ConnectionKind.self),
                    status: try reader.enumeration("status", as: ConnectionStatus.self),
                    count: try reader.value("count"))
            }
        }
    }
}

// MARK: - Helpers

extension SQLiteConnectionStore {
    static func fetchRecords(_ db: Database, _ sql: SQL) throws -> [ConnectionRecord] {
        try Row.fetchAll(db, SQLRequest(literal: sql)).map(ConnectionRecord.init(row:))
    }

    /// The connection with this id, through a statement prepared once per database connection (the hot paths:
    /// reads, claims and compare-and-swap updates run once or more per refresh).
    static func fetchRecord(_ db: Database, id: String) throws -> ConnectionRecord? {
        try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM connections WHERE id = ?"), arguments: [id])
            .map(ConnectionRecord.init(row:))
    }

    /// Replaces the identity rows of `connection` with its current ``Connection/identities``.
    static func replaceIdentities(_ db: Database, of connection: Connection) throws {
        try db.cachedStatement(sql: "DELETE FROM connection_identities WHERE connection_id = ?")
            .execute(arguments: [connection.id])
        var seen = Set<String>()
        let insert = try db.cachedStatement(
            sql: "INSERT INTO connection_identities (connection_id, kind, identity) VALUES (?, ?, ?)")
        for identity in connection.identities where seen.insert(identity).inserted {
            try insert.execute(arguments: [connection.id, connection.kind.rawValue, identity])
        }
    }

    /// `INSERT` of every column, `version` last.
    static let insertConnectionSQL: String = {
        let columns = ConnectionRecord.columnNames + ["version"]
        let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        return "INSERT INTO connections (\(columns.joined(separator: ", "))) VALUES (\(placeholders))"
    }()

    /// The compare-and-swap `UPDATE` of every column but the id; arguments end with the id and the expected version.
    static let updateConnectionSQL: String = {
        let assignments =
            ConnectionRecord.columnNames.dropFirst().map { "\($0) = ?" }
            + [
                "version = version + 1",
                // Released only when it is the writer's, or nobody's, or the writer takes no leases (NULL).
                "lease_until = CASE WHEN ? IS NULL OR lease_owner IS NULL OR lease_owner = ? THEN NULL ELSE lease_until END",
                "lease_owner = CASE WHEN ? IS NULL OR lease_owner IS NULL OR lease_owner = ? THEN NULL ELSE lease_owner END",
            ]
        return "UPDATE connections SET \(assignments.joined(separator: ", ")) WHERE id = ? AND version = ?"
    }()
}
