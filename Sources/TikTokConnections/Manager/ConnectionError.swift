import TikTokBusiness

/// Why a vault operation failed. ``code`` is stable and machine-readable; ``message`` never holds a token or secret.
public struct ConnectionError: Error, Sendable, CustomStringConvertible {
    /// The failure codes.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case unknownState = "unknown_state"
            case kindMismatch = "kind_mismatch"
            case stateReplayed = "state_replayed"
            case stateExpired = "state_expired"
            case browserMismatch = "browser_mismatch"
            case authorizationDenied = "authorization_denied"
            case malformedCallback = "malformed_callback"
            case exchangeFailed = "exchange_failed"
            case notFound = "not_found"
            case invalidRequest = "invalid_request"
            case reauthorizationRequired = "reauthorization_required"
            case revoked
            case refreshFailed = "refresh_failed"
            case revokeFailed = "revoke_failed"
            case tikTokUnavailable = "tiktok_unavailable"
            case storeFailure = "store_failure"
            case tokenUnreadable = "token_unreadable"
            case valueTooLong = "value_too_long"
        }
        private let base: Base

        /// The callback's state is not one the vault issued (or was already cleaned up).
        public static let unknownState = Code(base: .unknownState)
        /// The state was issued for another connection kind.
        public static let kindMismatch = Code(base: .kindMismatch)
        /// The state was already used.
        public static let stateReplayed = Code(base: .stateReplayed)
        /// The link expired.
        public static let stateExpired = Code(base: .stateExpired)
        /// The state is bound to another browser.
        public static let browserMismatch = Code(base: .browserMismatch)
        /// The user (or TikTok) refused the authorization.
        public static let authorizationDenied = Code(base: .authorizationDenied)
        /// The callback carries neither a code nor an error, or no state.
        public static let malformedCallback = Code(base: .malformedCallback)
        /// TikTok refused the code exchange.
        public static let exchangeFailed = Code(base: .exchangeFailed)
        /// No such connection.
        public static let notFound = Code(base: .notFound)
        /// The request is not valid for this connection (e.g. refreshing a non-expiring token).
        public static let invalidRequest = Code(base: .invalidRequest)
        /// The connection needs the user to authorize again.
        public static let reauthorizationRequired = Code(base: .reauthorizationRequired)
        /// The connection was revoked.
        public static let revoked = Code(base: .revoked)
        /// TikTok refused the refresh definitively.
        public static let refreshFailed = Code(base: .refreshFailed)
        /// TikTok refused a revocation without confirming that the token is dead (a permission or parameter error,
        /// an unknown code, a page that is not TikTok's JSON): the grant may live on at TikTok, so the connection and
        /// its
        /// tokens were kept. ``ConnectionError/tikTokError`` has TikTok's answer; try again.
        public static let revokeFailed = Code(base: .revokeFailed)
        /// TikTok could not be reached or answered with a transient failure; nothing changed, try again.
        public static let tikTokUnavailable = Code(base: .tikTokUnavailable)
        /// The store failed; nothing was lost, try again.
        public static let storeFailure = Code(base: .storeFailure)
        /// A sealed token could not be opened (unknown key or tampered).
        public static let tokenUnreadable = Code(base: .tokenUnreadable)
        /// A value to store is longer than its limit (``InputLimits``); nothing was stored.
        public static let valueTooLong = Code(base: .valueTooLong)

        /// The code's stable name.
        public var description: String { base.rawValue }
    }

    /// The failure code.
    public var code: Code
    /// A human explanation, without secrets.
    public var message: String
    /// The connection concerned, when there is one.
    public var connectionID: String?
    /// TikTok's error, when TikTok answered one (its `request_id` included).
    public var tikTokError: TikTokError?
    /// The underlying error.
    public var underlying: (any Error)?

    /// Creates an error.
    public init(
        _ code: Code, _ message: String, connectionID: String? = nil, tikTokError: TikTokError? = nil,
        underlying: (any Error)? = nil
    ) {
        self.code = code
        self.message = message
        self.connectionID = connectionID
        self.tikTokError = tikTokError
        self.underlying = underlying
    }

    public var description: String {
        var text = "ConnectionError(\(code): \(message)"
        if let connectionID { text += ", connection: \(connectionID)" }
        if let tikTokError { text += ", \(tikTokError)" }
        return text + ")"
    }
}
