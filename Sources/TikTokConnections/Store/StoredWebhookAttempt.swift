import Foundation

/// The columns of a webhook delivery that recording an attempt sets, shared by the ``ConnectionStore``
/// implementations so that every store records an outcome the same way.
///
/// Dates are unix seconds, as everywhere in the stores. The error text is cut to ``maximumErrorLength`` characters.
package struct StoredWebhookAttempt: Sendable, Hashable {
    /// The longest ``lastError`` stored, in characters.
    package static let maximumErrorLength = 500

    /// The delivery's new state (``WebhookDelivery/State`` raw value).
    package var state: String
    /// When the next attempt is due (retries only).
    package var nextAttemptAt: Double?
    /// When the attempt was made.
    package var lastAttemptAt: Double
    /// The HTTP status of the attempt, if it got a response.
    package var lastStatusCode: Int?
    /// What failed, if it did.
    package var lastError: String?
    /// When it was delivered (successes only).
    package var deliveredAt: Double?

    /// The columns for an attempt made at `at` that had `outcome`.
    package init(at: Date, outcome: WebhookAttemptOutcome) {
        let at = StoredColumns.seconds(at)
        lastAttemptAt = at
        switch outcome {
        case .delivered(let statusCode):
            state = WebhookDelivery.State.delivered.rawValue
            lastStatusCode = statusCode
            deliveredAt = at
        case .retry(let next, let statusCode, let error):
            state = WebhookDelivery.State.pending.rawValue
            nextAttemptAt = StoredColumns.seconds(next)
            lastStatusCode = statusCode
            lastError = Self.shortened(error)
        case .failed(let statusCode, let error):
            state = WebhookDelivery.State.failed.rawValue
            lastStatusCode = statusCode
            lastError = Self.shortened(error)
        }
    }

    private static func shortened(_ error: String) -> String {
        error.count <= maximumErrorLength ? error : String(error.prefix(maximumErrorLength - 1)) + "…"
    }
}
