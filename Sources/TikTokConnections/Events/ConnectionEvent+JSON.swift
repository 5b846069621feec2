import Foundation
import TikTokBusiness

extension ConnectionEvent {
    /// The event as the service shows it, in `/v1/events` and in webhook bodies alike: `sequence`, `id`, `type`,
    /// `connection_id`, `occurred_at` (RFC 3339) and `data`.
    public var jsonFields: [String: JSONValue] {
        [
            "sequence": .number(String(sequence)),
            "id": .string(id),
            "type": .string(type.rawValue),
            "connection_id": .string(connectionID),
            "occurred_at": .string(occurredAt.formatted(.iso8601)),
            "data": .object(data.mapValues { .string($0) }),
        ]
    }
}
