/// An error from TikTok's Business API, or from reaching it.
///
/// TikTok answers application errors with HTTP 200 and a non-zero `code` in its envelope; gateways may answer with
/// non-JSON 5xx pages. Both arrive here, with a ``Category`` that tells a caller what to do about it. Unknown codes are
/// kept as they are (category ``Category/unknown``), so a new TikTok code never breaks decoding.
///
/// The description never contains tokens, the app secret or request URLs (which may carry the secret).
public struct TikTokError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is, from the caller's point of view.
    public struct Category: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case rateLimited = "rate_limited"
            case transient
            case accessTokenInvalid = "access_token_invalid"
            case authCodeInvalid = "auth_code_invalid"
            case appCredentials = "app_credentials"
            case permission
            case parameter
            case notFound = "not_found"
            case invalidResponse = "invalid_response"
            case unknown
        }

        private let base: Base

        /// TikTok's QPS limit was reached (40100). Retry after a backoff.
        public static let rateLimited = Category(base: .rateLimited)
        /// A passing fault: system errors 50000/50002, HTTP 5xx, non-JSON gateway pages, timeouts, connection errors.
        public static let transient = Category(base: .transient)
        /// The access token is expired (40102), missing (40104), or incorrect/revoked (40105).
        public static let accessTokenInvalid = Category(base: .accessTokenInvalid)
        /// The authorization code (or, on a refresh, the refresh token) is invalid, used or expired (40110).
        public static let authCodeInvalid = Category(base: .authCodeInvalid)
        /// The app id and secret were rejected (40101): a configuration problem, not the user's.
        public static let appCredentials = Category(base: .appCredentials)
        /// No permission for that advertiser or resource (40001).
        public static let permission = Category(base: .permission)
        /// A parameter was rejected (40002).
        public static let parameter = Category(base: .parameter)
        /// The object does not exist (40007).
        public static let notFound = Category(base: .notFound)
        /// The response could not be read: not the envelope, or its `data` not the expected shape.
        public static let invalidResponse = Category(base: .invalidResponse)
        /// A code this SDK does not know; ``TikTokError/code`` has it.
        public static let unknown = Category(base: .unknown)

        /// The category's stable name, e.g. `rate_limited`.
        public var description: String { base.rawValue }

        /// Whether a retry with backoff may succeed.
        public var isRetryable: Bool { self == .rateLimited || self == .transient }

        /// The category of a TikTok envelope code.
        public static func of(code: Int) -> Category {
            switch code {
            case 40100: .rateLimited
            case 50000, 50001, 50002: .transient
            case 40102, 40104, 40105: .accessTokenInvalid
            case 40110: .authCodeInvalid
            case 40101: .appCredentials
            case 40001: .permission
            case 40002: .parameter
            case 40007: .notFound
            default: .unknown
            }
        }
    }

    /// What kind of failure this is.
    public var category: Category
    /// TikTok's envelope code, when TikTok answered with one.
    public var code: Int?
    /// TikTok's message, or a description of the failure.
    public var message: String
    /// TikTok's `request_id`, for support tickets.
    public var requestID: String?
    /// The HTTP status of the response, when there was one.
    public var httpStatus: Int?
    /// The API path that was called, e.g. `/oauth2/access_token/` (never the query, which may hold the secret).
    public var endpoint: String?
    /// The underlying error (transport, decoding), when there is one.
    public var underlying: (any Error)?

    /// Creates an error.
    public init(
        category: Category,
        code: Int? = nil,
        message: String,
        requestID: String? = nil,
        httpStatus: Int? = nil,
        endpoint: String? = nil,
        underlying: (any Error)? = nil
    ) {
        self.category = category
        self.code = code
        self.message = message
        self.requestID = requestID
        self.httpStatus = httpStatus
        self.endpoint = endpoint
        self.underlying = underlying
    }

    /// An error from an envelope with a non-zero code.
    public init(code: Int, message: String, requestID: String?, httpStatus: Int?, endpoint: String?) {
        self.init(
            category: .of(code: code), code: code, message: message, requestID: requestID, httpStatus: httpStatus,
            endpoint: endpoint)
    }

    public var description: String {
        var parts = ["TikTokError(\(category)"]
        if let code { parts.append("code: \(code)") }
        parts.append("message: \"\(message)\"")
        if let endpoint { parts.append("endpoint: \(endpoint)") }
        if let httpStatus { parts.append("http: \(httpStatus)") }
        if let requestID { parts.append("request_id: \(requestID)") }
        return parts.joined(separator: ", ") + ")"
    }
}
