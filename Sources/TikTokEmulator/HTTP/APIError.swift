import HTTPTypes
import Hummingbird

/// An application error of the emulated TikTok API: rendered as HTTP 200 with `code != 0` in the envelope, as TikTok
/// does.
struct APIError: Error, Sendable, Equatable, HTTPResponseError {
    private enum Code: Int, Sendable {
        case permission = 40001
        case parameter = 40002
        case notFound = 40007
        case rateLimited = 40100
        case invalidApp = 40101
        case tokenExpired = 40102
        case tokenMissing = 40104
        case tokenInvalid = 40105
        case invalidGrant = 40110
        case systemError = 50000
        case serviceUnavailable = 50002
    }

    private let _code: Code
    /// The human-readable message sent in the envelope.
    let message: String

    private init(_ code: Code, _ message: String) {
        self._code = code
        self.message = message
    }

    /// The numeric envelope code.
    var code: Int { self._code.rawValue }

    /// 40001: the token has no access to the advertiser, business or account asked for.
    static func permission(_ message: String) -> Self { .init(.permission, message) }
    /// 40002: a parameter is missing or invalid; the message names the parameter.
    static func parameter(_ message: String) -> Self { .init(.parameter, message) }
    /// 40002 for a missing required field, in TikTok's wording.
    static func missing(_ field: String) -> Self { .init(.parameter, "\(field): Missing data for required field.") }
    /// 40002 for a field whose value cannot be used.
    static func invalid(_ field: String, _ reason: String) -> Self { .init(.parameter, "\(field): \(reason)") }
    /// 40007: the object does not exist.
    static func notFound(_ message: String) -> Self { .init(.notFound, message) }
    /// 40100: the app exceeded its QPS limit.
    static let rateLimited = Self(.rateLimited, "App reaches the QPS limit.")
    /// 40101: unknown app id or wrong secret.
    static let invalidApp = Self(.invalidApp, "The app_id or secret is invalid.")
    /// 40102: the access token has expired.
    static let tokenExpired = Self(.tokenExpired, "Access token has expired.")
    /// 40104: no `Access-Token` header.
    static let tokenMissing = Self(.tokenMissing, "Access token is empty. Send it in the Access-Token header.")
    /// 40105: the access token is unknown or revoked.
    static let tokenInvalid = Self(.tokenInvalid, "Access token is incorrect or has been revoked.")
    /// 40110: the authorization code is unknown, used, expired or from another flow.
    static let invalidAuthCode = Self(.invalidGrant, "The auth_code is invalid or has expired.")
    /// 40110: the refresh token is unknown, expired, revoked or rotated out.
    static let invalidRefreshToken = Self(.invalidGrant, "The refresh_token is invalid or has expired.")
    /// 50000: a (simulated) system error.
    static let systemError = Self(.systemError, "System error, please try again later.")
    /// 50002: a (simulated) transient service error.
    static let serviceUnavailable = Self(.serviceUnavailable, "Service is temporarily unavailable, please retry.")

    var status: HTTPResponse.Status { .ok }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        APIResponse(error: self).makeResponse()
    }
}
