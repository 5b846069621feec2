/// SQL of the webhook outbox that the ``ConnectionStore`` implementations share: their schemas differ only in table
/// names, so every store reads deliveries and decides the head of a connection's line the same way.
package enum StoredWebhookSQL {
    /// The columns a ``WebhookDelivery`` is read from (see ``WebhookDelivery/init(reading:)``), for the deliveries
    /// table aliased `d` joined with the events table aliased `e`.
    package static let deliveryColumns = """
        e.sequence, e.id, e.type, e.connection_id, e.occurred_at, e.data, d.state, d.attempts, d.created_at,
        d.next_attempt_at, d.first_attempt_at, d.last_attempt_at, d.last_status_code, d.last_error, d.delivered_at
        """

    /// A condition that holds when the delivery aliased `d` is the oldest pending one of its connection (no pending
    /// delivery of the same connection has a lower sequence) in the deliveries table `table`.
    package static func isHeadOfLine(in table: String) -> String {
        """
        NOT EXISTS (
            SELECT 1 FROM \(table) p
            WHERE p.state = 'pending' AND p.connection_id = d.connection_id AND p.sequence < d.sequence
        )
        """
    }
}
