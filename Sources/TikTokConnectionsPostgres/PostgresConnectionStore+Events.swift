public import Foundation
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
        return try await transaction("read events") { connection, logger in
            // Wait for every transaction that is appending events to commit (see `insertEvents`).
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.eventsLockKey))", logger: logger)
            var events: [ConnectionEvent] = []
            for try await row in try await connection.query(
                """
                SELECT * FROM tiktok_business_events
                WHERE sequence > \(sequence) AND (\(connectionID)::text IS NULL OR connection_id = \(connectionID))
                ORDER BY sequence LIMIT \(limit)
                """,
                logger: logger)
            {
                events.append(try ConnectionEvent(postgresRow: row))
            }
            return events
        }
    }

    /// Deletes up to `limit` events that occurred before `date` and have no pending delivery, oldest first, with
    /// their delivered or failed deliveries, in one statement; returns how many events. Rows another instance is
    /// deleting are skipped, not waited for.
    public func deleteEvents(occurredBefore date: Date, limit: Int) async throws -> Int {
        guard limit > 0 else { return 0 }
        // The deliveries go in a sub-statement of the same statement: the foreign key is checked at its end.
        let rows = try await rows(
            "delete old events",
            """
            WITH doomed AS MATERIALIZED (
                SELECT e.sequence FROM tiktok_business_events e
                WHERE e.occurred_at < \(PostgresColumns.seconds(date))
                AND NOT EXISTS (
                    SELECT 1 FROM tiktok_business_webhook_deliveries d
                    WHERE d.sequence = e.sequence AND d.state = 'pending'
                )
                ORDER BY e.occurred_at LIMIT \(limit)
                FOR UPDATE SKIP LOCKED
            ), deliveries AS (
                DELETE FROM tiktok_business_webhook_deliveries d USING doomed WHERE d.sequence = doomed.sequence
            ), deleted AS (
                DELETE FROM tiktok_business_events e USING doomed WHERE e.sequence = doomed.sequence RETURNING 1
            ) SELECT COUNT(*) AS count FROM deleted
            """)
        return try rows.first.map { try RowReader($0, table: "tiktok_business_events").value("count") } ?? 0
    }

    /// Inserts `events` in the current transaction; their `sequence` is ignored and assigned by the table.
    ///
    /// Sequences are taken under a shared transaction-scoped advisory lock, held until commit; `events(after:)` takes
    /// the same lock exclusively before it reads. So a reader sees every event whose sequence was taken before it read,
    /// and a reader paging with `events(after:)` never skips an event that commits late with a lower sequence, while
    /// writers never wait for each other. It is the last lock a writing transaction takes, so it cannot deadlock with
    /// row locks.
    static func insertEvents(_ db: PostgresConnection, _ logger: Logger, _ events: [ConnectionEvent]) async throws {
        guard !events.isEmpty else { return }
        let ids = events.map(\.id)
        let types = events.map(\.type.rawValue)
        let connectionIDs = events.map(\.connectionID)
        let occurredAt = events.map { PostgresColumns.seconds($0.occurredAt) }
        let data = try events.map { try PostgresColumns.json($0.data) }
        // One statement: the lock (joined, so it is taken before any row, and so before any sequence), then every
        // event, sequences in the given order.
        try await db.query(
            """
            WITH event_lock AS MATERIALIZED (SELECT pg_advisory_xact_lock_shared(\(eventsLockKey)))
            INSERT INTO tiktok_business_events (id, type, connection_id, occurred_at, data)
            SELECT id, type, connection_id, occurred_at, data
            FROM event_lock, unnest(
                \(ids)::text[], \(types)::text[], \(connectionIDs)::text[], \(occurredAt)::float8[], \(data)::text[]
            ) WITH ORDINALITY AS e (id, type, connection_id, occurred_at, data, ordinal)
            ORDER BY ordinal
            """,
            logger: logger)
    }
}
