public import Foundation
internal import Logging
internal import PostgresNIO
public import TikTokConnections

extension PostgresConnectionStore {
    /// Copies up to `limit` events appended after the outbox cursor into the outbox as pending deliveries due at
    /// `now`, oldest first, and advances the cursor; returns how many were added.
    ///
    /// The first call on a database only starts the cursor at the current end of the log (and adds nothing).
    ///
    /// One transaction locks the cursor row `FOR UPDATE`, so enqueuers in any number of instances take turns, then
    /// takes the event log's advisory lock exclusively, as `events(after:)` does: it waits for every transaction that
    /// has taken a sequence to commit (or roll back), so an event that commits late with a lower sequence is never
    /// skipped. Each event enters the outbox exactly once. The lock order (cursor row, then the log's lock) is the same
    /// for every enqueuer, and event writers never touch the cursor, so nothing deadlocks.
    public func enqueueWebhookDeliveries(now: Date, limit: Int) async throws -> Int {
        let now = PostgresColumns.seconds(now)
        return try await transaction("enqueue webhook deliveries") { connection, logger in
            let cursor = try await connection.query(
                "SELECT last_sequence FROM tiktok_business_webhook_cursor WHERE id = 1 FOR UPDATE", logger: logger
            ).collect()
            guard let cursorRow = cursor.first else {
                throw ConnectionStoreError("The webhook outbox cursor is missing; run the migrations")
            }
            let last = try RowReader(cursorRow, table: "tiktok_business_webhook_cursor").optionalInteger(
                "last_sequence")
            // Wait for every transaction appending events to commit (see `insertEvents`).
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.eventsLockKey))", logger: logger)
            guard let last else {
                // Never enqueued: webhooks carry the events from now on.
                try await connection.query(
                    """
                    UPDATE tiktok_business_webhook_cursor
                    SET last_sequence = (SELECT COALESCE(MAX(sequence), 0) FROM tiktok_business_events)
                    WHERE id = 1
                    """,
                    logger: logger)
                return 0
            }
            guard limit > 0 else { return 0 }
            let rows = try await connection.query(
                """
                WITH picked AS (
                    SELECT sequence, connection_id FROM tiktok_business_events
                    WHERE sequence > \(last) ORDER BY sequence LIMIT \(limit)
                ), added AS (
                    INSERT INTO tiktok_business_webhook_deliveries (
                        sequence, connection_id, state, attempts, created_at, next_attempt_at
                    )
                    SELECT sequence, connection_id, 'pending', 0, \(now), \(now) FROM picked ORDER BY sequence
                    ON CONFLICT (sequence) DO NOTHING
                    RETURNING 1
                ), moved AS (
                    UPDATE tiktok_business_webhook_cursor SET last_sequence = (SELECT MAX(sequence) FROM picked)
                    WHERE id = 1 AND EXISTS (SELECT 1 FROM picked)
                    RETURNING 1
                )
                SELECT (SELECT COUNT(*) FROM added) AS added, (SELECT COUNT(*) FROM moved) AS moved
                """,
                logger: logger
            ).collect()
            return try rows.first.map {
                Int(try RowReader($0, table: "tiktok_business_webhook_deliveries").integer("added"))
            } ?? 0
        }
    }

    /// Leases to `owner` until `leaseUntil` up to `limit` pending deliveries that are due (`nextAttemptAt <= now`),
    /// whose lease is free or expired before `now`, and that are the oldest pending delivery of their connection;
    /// earliest `nextAttemptAt` first, then oldest event.
    ///
    /// One statement selects the rows `FOR UPDATE SKIP LOCKED` and sets their lease: concurrent claimers, in any
    /// number of instances, skip each other's rows instead of waiting, and never get the same delivery while a lease
    /// holds. A connection's later delivery is never a head while an earlier one is pending (leased or not), so two
    /// claimers never hold two deliveries of one connection.
    public func claimWebhookDeliveries(now: Date, limit: Int, owner: String, leaseUntil: Date) async throws
        -> [WebhookDelivery]
    {
        guard limit > 0 else { return [] }
        let lease = leaseTimes(now: now, leaseUntil: leaseUntil)
        let now = PostgresColumns.seconds(now)
        return try await rows(
            "claim webhook deliveries",
            """
            WITH claimed AS (
                SELECT d.sequence FROM tiktok_business_webhook_deliveries d
                WHERE d.state = 'pending' AND d.next_attempt_at <= \(now)
                AND (d.lease_until IS NULL
                    OR d.lease_until < COALESCE(\(lease.now)::double precision, \(unescaped: Self.databaseNow)))
                AND \(unescaped: Self.isHeadOfLine)
                ORDER BY d.next_attempt_at, d.sequence LIMIT \(limit)
                FOR UPDATE OF d SKIP LOCKED
            ), d AS (
                UPDATE tiktok_business_webhook_deliveries w SET lease_owner = \(owner),
                    lease_until = COALESCE(\(lease.now)::double precision, \(unescaped: Self.databaseNow)) + \(lease.duration)
                FROM claimed WHERE w.sequence = claimed.sequence
                RETURNING w.*
            )
            SELECT \(unescaped: Self.deliveryColumns) FROM d JOIN tiktok_business_events e ON e.sequence = d.sequence
            ORDER BY d.next_attempt_at, d.sequence
            """
        ).map(WebhookDelivery.init(postgresRow:))
    }

    /// Records an attempt on a pending delivery that `owner` leases (its lease may have expired, as long as nobody
    /// claimed it since), and releases the lease, in one atomic `UPDATE`.
    ///
    /// - Returns: `false`, having changed nothing, when `owner` does not hold the lease or the delivery is not pending.
    public func recordWebhookAttempt(sequence: Int64, owner: String, at: Date, outcome: WebhookAttemptOutcome)
        async throws -> Bool
    {
        let attempt = StoredWebhookAttempt(at: at, outcome: outcome)
        let updated = try await rows(
            "record a webhook attempt",
            """
            UPDATE tiktok_business_webhook_deliveries SET
                attempts = attempts + 1, state = \(attempt.state), next_attempt_at = \(attempt.nextAttemptAt),
                first_attempt_at = COALESCE(first_attempt_at, \(attempt.lastAttemptAt)),
                last_attempt_at = \(attempt.lastAttemptAt), last_status_code = \(attempt.lastStatusCode),
                last_error = \(attempt.lastError), delivered_at = \(attempt.deliveredAt),
                lease_owner = NULL, lease_until = NULL
            WHERE sequence = \(sequence) AND state = 'pending' AND lease_owner = \(owner)
            RETURNING sequence
            """)
        return updated.count == 1
    }

    /// Releases every lease `owner` holds on deliveries.
    public func releaseWebhookLeases(owner: String) async throws {
        _ = try await rows(
            "release webhook leases",
            """
            UPDATE tiktok_business_webhook_deliveries SET lease_owner = NULL, lease_until = NULL
            WHERE lease_owner IS NOT NULL AND lease_owner = \(owner)
            """)
    }

    /// The earliest date a delivery may be claimed: the earliest `nextAttemptAt` among pending deliveries that are the
    /// head of their connection, a leased one counting from when its lease ends; `nil` when nothing is pending.
    public func nextWebhookAttemptDate() async throws -> Date? {
        let rows = try await rows(
            "read the next webhook attempt date",
            """
            SELECT LEAST(
                (
                    SELECT d.next_attempt_at FROM tiktok_business_webhook_deliveries d
                    WHERE d.state = 'pending' AND d.lease_owner IS NULL AND \(unescaped: Self.isHeadOfLine)
                    ORDER BY d.next_attempt_at LIMIT 1
                ),
                (
                    SELECT MIN(GREATEST(d.next_attempt_at, d.lease_until)) FROM tiktok_business_webhook_deliveries d
                    WHERE d.lease_owner IS NOT NULL AND d.state = 'pending' AND \(unescaped: Self.isHeadOfLine)
                )
            ) AS next
            """)
        return try rows.first.flatMap {
            try RowReader($0, table: "tiktok_business_webhook_deliveries").optionalDate("next")
        }
    }

    /// The deliveries of these events, by sequence; events not in the outbox are absent.
    public func webhookDeliveries(sequences: [Int64]) async throws -> [Int64: WebhookDelivery] {
        let sequences = Array(Set(sequences))
        guard !sequences.isEmpty else { return [:] }
        let deliveries = try await rows(
            "read webhook deliveries",
            """
            SELECT \(unescaped: Self.deliveryColumns) FROM tiktok_business_webhook_deliveries d
            JOIN tiktok_business_events e ON e.sequence = d.sequence
            WHERE d.sequence = ANY(\(sequences))
            """
        ).map(WebhookDelivery.init(postgresRow:))
        return Dictionary(deliveries.map { ($0.event.sequence, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Up to `limit` deliveries of a connection's events, newest first.
    public func webhookDeliveries(connectionID: String, limit: Int) async throws -> [WebhookDelivery] {
        guard limit > 0 else { return [] }
        return try await rows(
            "read a connection's webhook deliveries",
            """
            SELECT \(unescaped: Self.deliveryColumns) FROM tiktok_business_webhook_deliveries d
            JOIN tiktok_business_events e ON e.sequence = d.sequence
            WHERE d.connection_id = \(connectionID)
            ORDER BY d.sequence DESC LIMIT \(limit)
            """
        ).map(WebhookDelivery.init(postgresRow:))
    }

    /// The number of deliveries in each state that has any.
    public func webhookDeliveryCounts() async throws -> [WebhookDelivery.State: Int] {
        var counts: [WebhookDelivery.State: Int] = [:]
        for row in try await rows(
            "count webhook deliveries",
            "SELECT state, COUNT(*) AS count FROM tiktok_business_webhook_deliveries GROUP BY state")
        {
            let reader = RowReader(row, table: "tiktok_business_webhook_deliveries")
            counts[try reader.enumeration("state", as: WebhookDelivery.State.self)] = Int(try reader.integer("count"))
        }
        return counts
    }
}

// MARK: - Helpers

extension PostgresConnectionStore {
    /// The columns a ``WebhookDelivery`` is read from, for `tiktok_business_webhook_deliveries d` joined with the
    /// events `e`.
    static let deliveryColumns = StoredWebhookSQL.deliveryColumns

    /// Whether the delivery `d` is the oldest pending one of its connection.
    static let isHeadOfLine = StoredWebhookSQL.isHeadOfLine(in: "tiktok_business_webhook_deliveries")
}

extension WebhookDelivery {
    init(postgresRow: PostgresRow) throws {
        try self.init(reading: RowReader(postgresRow, table: "tiktok_business_webhook_deliveries"))
    }
}
