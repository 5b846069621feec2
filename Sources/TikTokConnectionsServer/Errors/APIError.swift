import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TikTokBusiness
import TikTokConnections

/// A management API error, rendered as `{"error":{"code":"…","message":"…"}}` with a fitting status.
public struct APIError: Error, HTTPResponseError, Sendable, CustomStringConvertible {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// A stable machine-readable code, e.g. `not_found`.
    public var code: String
    /// A human explanation, never a secret.
    public var message: String
    /// TikTok's request id, when TikTok answered.
    public var tikTokRequestID: String?
    /// TikTok's envelope code, when TikTok answered with one.
    public var tikTokCode: Int?
    /// The HTTP status of TikTok's answer, when it was not TikTok's JSON (a gateway page).
    public var tikTokHTTPStatus: Int?
    /// Seconds for a `Retry-After` header (a 429 or 503).
    public var retryAfter: Int?

    /// Creates an error.
    public init(
        _ status: HTTPResponse.Status, code: String, message: String, tikTokRequestID: String? = nil,
        tikTokCode: Int? = nil, tikTokHTTPStatus: Int? = nil
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.tikTokRequestID = tikTokRequestID
        self.tikTokCode = tikTokCode
        self.tikTokHTTPStatus = tikTokHTTPStatus
    }

    public var description: String { "APIError(\(status.code) \(code): \(message))" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var error: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
        if let tikTokRequestID { error["tiktok_request_id"] = .string(tikTokRequestID) }
        if let tikTokCode { error["tiktok_code"] = .number(String(tikTokCode)) }
        if let tikTokHTTPStatus { error["tiktok_http_status"] = .number(String(tikTokHTTPStatus)) }
        var response = JSONResponse.make(["error": .object(error)], status: status)
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        return response
    }

    static func badRequest(_ message: String, code: String = "invalid_request") -> APIError {
        APIError(.badRequest, code: code, message: message)
    }

    /// The API error for a vault error.
    /// Runs a vault call, turning its ``ConnectionError`` into the API's error (status, code, message).
    static func vault<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ConnectionError {
            throw from(error)
        }
    }

    static func from(_ error: ConnectionError) -> APIError {
        let status: HTTPResponse.Status
        switch error.code {
        case .notFound: status = .notFound
        case .invalidRequest, .valueTooLong, .unknownState, .kindMismatch, .malformedCallback, .authorizationDenied:
            status = .badRequest
        case .browserMismatch: status = .forbidden
        case .stateReplayed, .reauthorizationRequired, .revoked: status = .conflict
        case .stateExpired: status = .gone
        case .exchangeFailed, .refreshFailed, .revokeFailed: status = .badGateway
        case .tikTokUnavailable, .storeFailure: status = .serviceUnavailable
        default: status = .internalServerError
        }
        // A gateway's page (no envelope code) is told by its HTTP status.
        let tikTok = error.tikTokError
        return APIError(
            status, code: error.code.description, message: error.message, tikTokRequestID: tikTok?.requestID,
            tikTokCode: tikTok?.code, tikTokHTTPStatus: tikTok?.code == nil ? tikTok?.httpStatus : nil)
    }
}

/// JSON responses from ``JSONValue``s.
enum JSONResponse {
    static func make(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: value.jsonText)))
    }
}
