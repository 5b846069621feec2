import Foundation

extension ConnectionManager {
    /// The webhook deliveries of these events (events older than webhooks on this database have none).
    public func webhookDeliveries(sequences: [Int64]) async throws -> [Int64: WebhookDelivery] {
        guard !sequences.isEmpty else { return [:] }
        return try await storeCall { try await self.store.webhookDeliveries(sequences: sequences) }
    }

    /// A connection's newest webhook deliveries, newest first.
    public func webhookDeliveries(connectionID: String, limit: Int = 100) async throws -> [WebhookDelivery] {
        try await storeCall {
            try await self.store.webhookDeliveries(connectionID: connectionID, limit: max(1, min(limit, 1000)))
        }
    }

    /// How many webhook deliveries are pending, delivered and failed.
    public func webhookDeliveryCounts() async throws -> [WebhookDelivery.State: Int] {
        try await storeCall { try await self.store.webhookDeliveryCounts() }
    }
}
