import Foundation
import TikTokBusiness

/// One signed webhook request: the Standard Webhooks headers and the JSON body of an event.
///
/// The body is `{"type": "token.refreshed", "timestamp": "…", "data": {…the event as /v1/events lists it…}}`; the
/// `webhook-id` is the event id, the same on every retry, so receivers can drop duplicates.
public struct WebhookMessage: Sendable {
    /// The `webhook-id`: the event's id.
    public var id: String
    /// The `webhook-timestamp`: unix seconds of this attempt.
    public var timestamp: Int64
    /// The JSON body.
    public var body: Data
    /// The `webhook-signature`.
    public var signature: String

    /// Builds and signs the message for `event`, attempted at `date`.
    public init(event: ConnectionEvent, attemptedAt date: Date, secret: WebhookSecret) {
        self.id = event.id
        self.timestamp = Int64(date.timeIntervalSince1970.rounded(.down))
        self.body = Self.body(of: event)
        self.signature = secret.signature(id: id, timestamp: timestamp, body: body)
    }

    /// The request headers, `content-type` included.
    public var headers: [(name: String, value: String)] {
        [
            ("content-type", "application/json"), ("webhook-id", id), ("webhook-timestamp", String(timestamp)),
            ("webhook-signature", signature), ("user-agent", "tiktok-business-webhooks/1"),
        ]
    }

    /// The JSON body of an event's webhook (keys sorted, so a body is reproducible).
    public static func body(of event: ConnectionEvent) -> Data {
        let payload: JSONValue = .object([
            "type": .string(event.type.rawValue),
            "timestamp": .string(event.occurredAt.formatted(.iso8601)),
            "data": .object(event.jsonFields),
        ])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Strings, integers and objects of them always encode.
        return (try? encoder.encode(payload)) ?? Data("{}".utf8)
    }
}
