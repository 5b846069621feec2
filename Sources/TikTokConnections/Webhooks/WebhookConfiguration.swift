import Foundation

/// Where and how the vault delivers its events as webhooks.
///
/// ```swift
/// let webhooks = try WebhookConfiguration(url: "https://example.com/hooks/tiktok", secret: "whsec_…")
/// ```
public struct WebhookConfiguration: Sendable {
    /// The receiver's URL (http or https).
    public var url: String
    /// The signing secret.
    public var secret: WebhookSecret
    /// How long one delivery attempt may take, body included, before it counts as failed: a receiver that sends its
    /// headers and then stalls is cut off here. Default 10 s.
    public var requestTimeout: Duration = .seconds(10)
    /// On graceful shutdown, how long attempts in flight may still finish before they are cancelled (and sent again
    /// later: receivers deduplicate by `webhook-id`). Default 3 s.
    public var shutdownGracePeriod: Duration = .seconds(3)
    /// The wait before the first retry; it doubles per failed attempt. Default 1 s.
    public var initialRetryDelay: TimeInterval = 1
    /// The longest wait between two attempts. Default 10 minutes.
    public var maximumRetryDelay: TimeInterval = 600
    /// How long a delivery is retried, counted from its first attempt (so an event that waited behind its
    /// connection's earlier ones still gets the whole window), before it is marked failed and the connection's next
    /// event goes out. Default 3 days; never less than 24 hours.
    public var retryWindow: TimeInterval = 3 * 86_400 {
        didSet { retryWindow = max(retryWindow, Self.minimumRetryWindow) }
    }
    /// Deliveries claimed per round (each of a different connection). Default 64.
    public var batchSize: Int = 64
    /// Deliveries sent at once. Default 16.
    public var concurrency: Int = 16
    /// How long a claimed delivery stays leased to this instance; longer than ``requestTimeout``. Default 60 s.
    public var leaseDuration: TimeInterval = 60
    /// The longest sleep between rounds, so that events written by other instances go out promptly. Default 1 s.
    public var pollInterval: Duration = .seconds(1)

    /// The shortest retry window accepted: 24 hours.
    public static let minimumRetryWindow: TimeInterval = 86_400

    /// Creates a configuration with the documented defaults.
    ///
    /// - Throws: ``WebhookConfigurationError`` when the URL is not an absolute http(s) URL or the secret is not in
    ///   the `whsec_<base64>` form.
    public init(url: String, secret: String) throws(WebhookConfigurationError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            ["http", "https"].contains(scheme), components.host?.isEmpty == false
        else {
            throw WebhookConfigurationError("The webhook URL must be an absolute http(s) URL.")
        }
        self.url = url
        self.secret = try WebhookSecret(secret)
    }

    /// The wait after the `attempts`-th failed attempt: ``initialRetryDelay`` doubled per earlier failure, at most
    /// ``maximumRetryDelay``.
    public func retryDelay(afterAttempts attempts: Int) -> TimeInterval {
        let doublings = Double(max(0, min(attempts - 1, 62)))
        return min(initialRetryDelay * pow(2, doublings), maximumRetryDelay)
    }

    /// The receiver's scheme, host and port, for logs (a path or query may hold a secret).
    public var loggableDestination: String {
        guard let components = URLComponents(string: url) else { return "(invalid)" }
        let port = components.port.map { ":\($0)" } ?? ""
        return "\(components.scheme ?? "")://\(components.host ?? "")\(port)"
    }
}
