public import Foundation
internal import GRDB
public import TikTokConnections

extension SQLiteConnectionStore {
    /// Appends events not tied to a connection write, in one transaction; the store assigns their sequences.
    ///
    /// - Throws: ``ConnectionStoreError`` when an event id is already in the log (then none is appended).
    public func appendEvents(_ events: [ConnectionEvent]) async throws {
        guard !events.isEmpty else { return }
        try await write("append events") { db in try Self.insertEvents(db, events) }
    }

    /// Up to `limit` events with a sequence greater than `sequence`, oldest first, optionally for one connection.
    public func events(after sequence: Int64, connectionID: String?, limit: Int) async throws -> [ConnectionEvent] {
        guard limit > 0 else { return [] }
        return try await read("read events") { db in
            var sql: SQL = "SELECT * FROM events WHERE sequence > \(sequence)"
            if let connectionID { sql.append(literal: " AND connection_id = \(connectionID)") }
            sql.append(literal: " ORDER BY sequence LIMIT \(limit)")
            return try Row.fetchAll(db, SQLRequest(literal: sql)).map(ConnectionEvent.init(row:))
        }
    }

    /// Deletes up to `limit` events that occurred before `date` and have no pending delivery, oldest first, with
    /// their delivered or failed deliveries, in one short write; returns how many events.
    public func deleteEvents(occurredBefore date: Date, limit: Int) async throws -> Int {
        guard limit > 0 else { return 0 }
        let date = SQLiteColumns.seconds(date)
        return try await write("delete old events") { db in
            let sequences = try Int64.fetchAll(
                db,
                SQLRequest(
                    literal: """
                        SELECT sequence FROM events e WHERE occurred_at < \(date)
                        AND NOT EXISTS (
                            SELECT 1 FROM webhook_deliveries d WHERE d.sequence = e.sequence AND d.state = 'pending'
                        )
                        ORDER BY occurred_at LIMIT \(limit)
                        """))
            guard !sequences.isEmpty else { return 0 }
            try db.execute(literal: "DELETE FROM webhook_deliveries WHERE sequence IN \(sequences)")
            try db.execute(literal: "DELETE FROM events WHERE sequence IN \(sequences)")
            return db.changesCount
        }
    }

    /// Inserts `events` in the current transaction; their `sequence` is ignored and assigned by the table.
    static func insertEvents(_ db: Database, _ events: [ConnectionEvent]) throws {
        guard !events.isEmpty else { return }
        let insert = try db.cachedStatement(
            sql: "INSERT INTO events (id, type, connection_id, occurred_at, data) VALUES (?, ?, ?, ?, ?)")
        for event in events {
            try insert.execute(arguments: [
                event.id, event.type.rawValue, event.connectionID, SQLiteColumns.seconds(event.occurredAt),
                try SQLiteColumns.json(event.data),
            ])
        }
    }
}
