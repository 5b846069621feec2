public import Foundation
internal import GRDB
public import TikTokConnections

extension SQLiteConnectionStore {
    static let pendingImportKey = "pending_import"

    /// Up to `limit` connections with their sealed tokens, ordered by id, with ids after `cursor`.
    public func records(after cursor: String?, limit: Int) async throws -> [ConnectionRecord] {
        guard limit > 0 else { return [] }
        return try await read("page through connections") { db in
            var sql: SQL = "SELECT * FROM connections"
            if let cursor { sql.append(literal: " WHERE id > \(cursor)") }
            sql.append(literal: " ORDER BY id LIMIT \(limit)")
            return try Self.fetchRecords(db, sql)
        }
    }

    /// Inserts connections as given (version kept, no lease), their identities and `events`, in one transaction.
    ///
    /// - Throws: ``ConnectionStoreError`` when a connection or event id is already stored (nothing is written).
    public func insertTransferred(_ records: [ConnectionRecord], events: [ConnectionEvent]) async throws {
        guard !records.isEmpty || !events.isEmpty else { return }
        try await write("import connections") { db in
            let insert = try db.cachedStatement(sql: Self.insertConnectionSQL)
            for record in records {
                do {
                    try insert.execute(arguments: StatementArguments(try record.columnValues() + [record.version]))
                } catch DatabaseError.SQLITE_CONSTRAINT_PRIMARYKEY {
                    throw ConnectionStoreError("A connection with one of these ids already exists")
                }
                try Self.replaceIdentities(db, of: record.connection)
            }
            try Self.insertEvents(db, events)
        }
    }

    /// The note of an unfinished import, or `nil`.
    public func pendingImport() async throws -> String? {
        try await read("read the import note") { db in
            try String.fetchOne(
                db, SQLRequest(literal: "SELECT value FROM vault_metadata WHERE key = \(Self.pendingImportKey)"))
        }
    }

    /// Records or clears the note of an unfinished import.
    public func setPendingImport(_ note: String?) async throws {
        let key = Self.pendingImportKey
        try await write("record the import note") { db in
            if let note {
                try db.execute(
                    literal: """
                        INSERT INTO vault_metadata (key, value) VALUES (\(key), \(note))
                        ON CONFLICT (key) DO UPDATE SET value = excluded.value
                        """)
            } else {
                try db.execute(literal: "DELETE FROM vault_metadata WHERE key = \(key)")
            }
        }
    }
}
