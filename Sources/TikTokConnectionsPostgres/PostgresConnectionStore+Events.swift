internal import Foundation
internal import Logging
internal import PostgresNIO
public import TikTokConnections

extension PostgresConnectionStore {
    /// Appends events not tied to a connection write, in one transaction; the store assigns their sequences.
    ///
    /// - Throws: ``ConnectionStoreError`` when an event id is already in the log (then none is appended).
    public func appendEvents(_ events: [ConnectionEvent]) async throws {
        guard !events.isEmpty else { return }
        try await transaction("append events") { connection, logger in
            try await Self.insertEvents(connection, logger, events)
        }
    }

    /// Up to `limit` events with a sequence greater than `sequence`, oldest first, optionally for one connection.
    public func events(after sequence: Int64, connectionID: String?, limit: Int) async throws -> [ConnectionEvent] {
        guard limit > 0 else { return [] }
        return try await rows(
            "read events",
            """
            SELECT * FROM tiktok_business_events
            WHERE sequence > \(sequence) AND (\(connectionID)::text IS NULL OR connection_id = \(connectionID))
            ORDER BY sequence LIMIT \(limit)
            """
        ).map(ConnectionEvent.init(postgresRow:))
    }

    /// Inserts `events` in the current transaction; their `sequence` is ignored and assigned by the table.
    ///
    /// It first takes a transaction-scoped advisory lock, held until commit, so that event-writing transactions
    /// commit in sequence order: a reader paging with `events(after:)` never skips an event committed late with a
    /// lower sequence. It is the last lock such a transaction takes, so it cannot deadlock with row locks.
    static func insertEvents(_ db: PostgresConnection, _ logger: Logger, _ events: [ConnectionEvent]) async throws {
        guard !events.isEmpty else { return }
        let ids = events.map(\.id)
        let types = events.map(\.type.rawValue)
        let connectionIDs = events.map(\.connectionID)
        let occurredAt = events.map { PostgresColumns.seconds($0.occurredAt) }
        let data = try events.map { try PostgresColumns.json($0.data) }
        try await db.query("SELECT pg_advisory_xact_lock(\(eventsLockKey))", logger: logger)
        // One statement for all the events, keeping the lock short; sequences follow the given order.
        try await db.query(
            """
            INSERT INTO tiktok_business_events (id, type, connection_id, occurred_at, data)
            SELECT id, type, connection_id, occurred_at, data
            FROM unnest(
                \(ids)::text[], \(types)::text[], \(connectionIDs)::text[], \(occurredAt)::float8[], \(data)::text[]
            ) WITH ORDINALITY AS e (id, type, connection_id, occurred_at, data, ordinal)
            ORDER BY ordinal
            """,
            logger: logger)
    }
}
