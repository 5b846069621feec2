import Foundation

/// The delivery of one event of the log to the webhook endpoint: an entry of the durable outbox.
///
/// The store copies every event appended to the log into the outbox
/// (``ConnectionStore/enqueueWebhookDeliveries(now:limit:)``),
/// one delivery per event, keyed by the event's ``ConnectionEvent/sequence``. A delivery stays ``State/pending`` until
/// an attempt succeeds (``State/delivered``) or the sender gives up (``State/failed``). Per connection, deliveries go
/// out in log order: a connection's next delivery waits until the one before it is no longer pending.
public struct WebhookDelivery: Sendable, Hashable {
    /// Where a delivery stands.
    public enum State: String, Sendable, Hashable, CaseIterable {
        /// Not delivered yet: due at ``WebhookDelivery/nextAttemptAt``.
        case pending
        /// The endpoint accepted it (a 2xx answer).
        case delivered
        /// Given up on: no more attempts.
        case failed
    }

    /// The event delivered (its sequence identifies the delivery).
    public var event: ConnectionEvent
    /// Where it stands.
    public var state: State
    /// The HTTP attempts made so far.
    public var attempts: Int
    /// When it entered the outbox.
    public var createdAt: Date
    /// When the next attempt is due; set while ``state`` is ``State/pending`` only.
    public var nextAttemptAt: Date?
    /// When the first attempt was made, if any was: the retry window counts from it, so an event that waited behind
    /// its connection's earlier ones still gets the whole window.
    public var firstAttemptAt: Date?
    /// When the last attempt was made, if any was.
    public var lastAttemptAt: Date?
    /// The HTTP status of the last attempt; `nil` when there was none or it got no response.
    public var lastStatusCode: Int?
    /// A short description of the last failure (never secrets); `nil` when there was none or the last attempt
    /// succeeded.
    public var lastError: String?
    /// When it was delivered, once it is.
    public var deliveredAt: Date?

    /// Creates a delivery; by default a pending one that no attempt has been made on yet.
    public init(
        event: ConnectionEvent,
        state: State = .pending,
        attempts: Int = 0,
        createdAt: Date,
        nextAttemptAt: Date? = nil,
        firstAttemptAt: Date? = nil,
        lastAttemptAt: Date? = nil,
        lastStatusCode: Int? = nil,
        lastError: String? = nil,
        deliveredAt: Date? = nil
    ) {
        self.event = event
        self.state = state
        self.attempts = attempts
        self.createdAt = createdAt
        self.nextAttemptAt = nextAttemptAt
        self.firstAttemptAt = firstAttemptAt
        self.lastAttemptAt = lastAttemptAt
        self.lastStatusCode = lastStatusCode
        self.lastError = lastError
        self.deliveredAt = deliveredAt
    }
}

/// What came of one attempt to deliver a ``WebhookDelivery``
/// (see ``ConnectionStore/recordWebhookAttempt(sequence:owner:at:outcome:)``).
public enum WebhookAttemptOutcome: Sendable, Hashable {
    /// The endpoint accepted it: the delivery becomes ``WebhookDelivery/State/delivered``, delivered at the attempt's
    /// date.
    case delivered(statusCode: Int)
    /// It failed and will be tried again: the delivery stays ``WebhookDelivery/State/pending``, due at `at`.
    /// `statusCode` is `nil` when there was no response.
    case retry(at: Date, statusCode: Int?, error: String)
    /// It failed and the sender gives up: the delivery becomes ``WebhookDelivery/State/failed``.
    /// `statusCode` is `nil` when there was no response.
    case failed(statusCode: Int?, error: String)
}
