public import Foundation
internal import GRDB
public import TikTokConnections

extension SQLiteConnectionStore {
    /// Copies up to `limit` events appended after the outbox cursor into the outbox as pending deliveries due at
    /// `now`, oldest first, and advances the cursor; returns how many were added.
    ///
    /// The first call on a database only starts the cursor at the current end of the log (and adds nothing). Everything
    /// happens in one write transaction, and SQLite runs one writer at a time and commits events in sequence order, so
    /// concurrent enqueuers (in this process or another) never add an event twice or skip one.
    public func enqueueWebhookDeliveries(now: Date, limit: Int) async throws -> Int {
        let now = SQLiteColumns.seconds(now)
        return try await write("enqueue webhook deliveries") { db in
            let cursor = try Row.fetchOne(db, sql: "SELECT last_sequence FROM webhook_cursor WHERE id = 1")
            guard let last = cursor?["last_sequence"] as Int64? else {
                // Never enqueued: webhooks carry the events from now on.
                try db.execute(
                    sql: """
                        INSERT INTO webhook_cursor (id, last_sequence)
                        SELECT 1, COALESCE(MAX(sequence), 0) FROM events WHERE true
                        ON CONFLICT (id) DO UPDATE SET last_sequence = excluded.last_sequence
                        """)
                return 0
            }
            guard limit > 0,
                let upTo = try Int64.fetchOne(
                    db,
                    SQLRequest(
                        literal: """
                            SELECT MAX(sequence) FROM (
                                SELECT sequence FROM events WHERE sequence > \(last) ORDER BY sequence LIMIT \(limit)
                            )
                            """))
            else { return 0 }
            try db.execute(
                literal: """
                    INSERT INTO webhook_deliveries (sequence, connection_id, state, attempts, created_at, next_attempt_at)
                    SELECT sequence, connection_id, 'pending', 0, \(now), \(now) FROM events
                    WHERE sequence > \(last) AND sequence <= \(upTo)
                    ORDER BY sequence
                    ON CONFLICT (sequence) DO NOTHING
                    """)
            let added = db.changesCount
            try db.execute(literal: "UPDATE webhook_cursor SET last_sequence = \(upTo) WHERE id = 1")
            return added
        }
    }

    /// Leases to `owner` until `leaseUntil` up to `limit` pending deliveries that are due (`nextAttemptAt <= now`),
    /// whose lease is free or expired before `now`, and that are the oldest pending delivery of their connection;
    /// earliest `nextAttemptAt` first, then oldest event.
    ///
    /// The selection and the lease happen in one write transaction, and SQLite runs one writer at a time, so two
    /// claimers never get the same delivery while a lease holds.
    public func claimWebhookDeliveries(now: Date, limit: Int, owner: String, leaseUntil: Date) async throws
        -> [WebhookDelivery]
    {
        guard limit > 0 else { return [] }
        let now = SQLiteColumns.seconds(now)
        let leaseUntil = SQLiteColumns.seconds(leaseUntil)
        return try await write("claim webhook deliveries") { db in
            let deliveries = try Self.fetchDeliveries(
                db,
                """
                SELECT \(sql: Self.deliveryColumns) FROM webhook_deliveries d JOIN events e ON e.sequence = d.sequence
                WHERE d.state = 'pending' AND d.next_attempt_at <= \(now)
                AND (d.lease_until IS NULL OR d.lease_until < \(now))
                AND \(sql: Self.isHeadOfLine)
                ORDER BY d.next_attempt_at, d.sequence LIMIT \(limit)
                """)
            if !deliveries.isEmpty {
                try db.execute(
                    literal: """
                        UPDATE webhook_deliveries SET lease_owner = \(owner), lease_until = \(leaseUntil)
                        WHERE sequence IN \(deliveries.map(\.event.sequence))
                        """)
            }
            return deliveries
        }
    }

    /// Records an attempt on a pending delivery that `owner` leases (its lease may have expired, as long as nobody
    /// claimed it since), and releases the lease.
    ///
    /// - Returns: `false`, having changed nothing, when `owner` does not hold the lease or the delivery is not pending.
    public func recordWebhookAttempt(sequence: Int64, owner: String, at: Date, outcome: WebhookAttemptOutcome)
        async throws -> Bool
    {
        let attempt = StoredWebhookAttempt(at: at, outcome: outcome)
        return try await write("record a webhook attempt") { db in
            try db.execute(
                literal: """
                    UPDATE webhook_deliveries SET
                        attempts = attempts + 1, state = \(attempt.state), next_attempt_at = \(attempt.nextAttemptAt),
                        first_attempt_at = COALESCE(first_attempt_at, \(attempt.lastAttemptAt)),
                        last_attempt_at = \(attempt.lastAttemptAt), last_status_code = \(attempt.lastStatusCode),
                        last_error = \(attempt.lastError), delivered_at = \(attempt.deliveredAt),
                        lease_owner = NULL, lease_until = NULL
                    WHERE sequence = \(sequence) AND state = 'pending' AND lease_owner = \(owner)
                    """)
            return db.changesCount == 1
        }
    }

    /// Releases every lease `owner` holds on deliveries.
    public func releaseWebhookLeases(owner: String) async throws {
        try await write("release webhook leases") { db in
            try db.execute(
                literal: """
                    UPDATE webhook_deliveries SET lease_owner = NULL, lease_until = NULL
                    WHERE lease_owner IS NOT NULL AND lease_owner = \(owner)
                    """)
        }
    }

    /// The earliest date a delivery may be claimed: the earliest `nextAttemptAt` among pending deliveries that are the
    /// head of their connection, a leased one counting from when its lease ends; `nil` when nothing is pending.
    public func nextWebhookAttemptDate() async throws -> Date? {
        try await read("read the next webhook attempt date") { db in
            let free = try Double.fetchOne(
                db,
                sql: """
                    SELECT d.next_attempt_at FROM webhook_deliveries d
                    WHERE d.state = 'pending' AND d.lease_owner IS NULL AND \(Self.isHeadOfLine)
                    ORDER BY d.next_attempt_at LIMIT 1
                    """)
            let leased = try Double.fetchOne(
                db,
                sql: """
                    SELECT MIN(MAX(d.next_attempt_at, d.lease_until)) FROM webhook_deliveries d
                    WHERE d.lease_owner IS NOT NULL AND d.state = 'pending' AND \(Self.isHeadOfLine)
                    """)
            return [free, leased].compactMap { $0 }.min().map(SQLiteColumns.date)
        }
    }

    /// The deliveries of these events, by sequence; events not in the outbox are absent.
    public func webhookDeliveries(sequences: [Int64]) async throws -> [Int64: WebhookDelivery] {
        let sequences = Array(Set(sequences))
        guard !sequences.isEmpty else { return [:] }
        return try await read("read webhook deliveries") { db in
            var deliveries: [Int64: WebhookDelivery] = [:]
            // Chunks keep each statement well below SQLite's limit on bound parameters.
            for start in stride(from: 0, to: sequences.count, by: 500) {
                let chunk = Array(sequences[start..<min(start + 500, sequences.count)])
                for delivery in try Self.fetchDeliveries(
                    db,
                    """
                    SELECT \(sql: Self.deliveryColumns) FROM webhook_deliveries d
                    JOIN events e ON e.sequence = d.sequence WHERE d.sequence IN \(chunk)
                    """)
                {
                    deliveries[delivery.event.sequence] = delivery
                }
            }
            return deliveries
        }
    }

    /// Up to `limit` deliveries of a connection's events, newest first.
    public func webhookDeliveries(connectionID: String, limit: Int) async throws -> [WebhookDelivery] {
        guard limit > 0 else { return [] }
        return try await read("read a connection's webhook deliveries") { db in
            try Self.fetchDeliveries(
                db,
                """
                SELECT \(sql: Self.deliveryColumns) FROM webhook_deliveries d JOIN events e ON e.sequence = d.sequence
                WHERE d.connection_id = \(connectionID)
                ORDER BY d.sequence DESC LIMIT \(limit)
                """)
        }
    }

    /// The number of deliveries in each state that has any.
    public func webhookDeliveryCounts() async throws -> [WebhookDelivery.State: Int] {
        try await read("count webhook deliveries") { db in
            var counts: [WebhookDelivery.State: Int] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT state, COUNT(*) AS count FROM webhook_deliveries GROUP BY state")
            {
                let reader = RowReader(row: row, table: "webhook_deliveries")
                counts[try reader.enumeration("state", as: WebhookDelivery.State.self)] = try reader.value("count")
            }
            return counts
        }
    }
}

// MARK: - Helpers

extension SQLiteConnectionStore {
    /// The columns a ``WebhookDelivery`` is read from, for `webhook_deliveries d` joined with the events `e`.
    static let deliveryColumns = StoredWebhookSQL.deliveryColumns

    /// Whether the delivery `d` is the oldest pending one of its connection.
    static let isHeadOfLine = StoredWebhookSQL.isHeadOfLine(in: "webhook_deliveries")

    static func fetchDeliveries(_ db: Database, _ sql: SQL) throws -> [WebhookDelivery] {
        try Row.fetchAll(db, SQLRequest(literal: sql)).map { row in
            try WebhookDelivery(reading: RowReader(row: row, table: "webhook_deliveries"))
        }
    }
}
