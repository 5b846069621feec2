import Foundation

/// An HTTP request as the SDK hands it to a ``TikTokTransport``.
public struct TikTokHTTPRequest: Sendable {
    /// `GET`, `POST`, …
    public var method: String
    /// The full URL, query included. It may carry the app secret: never log it.
    public var url: String
    /// Header fields, in order.
    public var headers: [(name: String, value: String)]
    /// The body, if any.
    public var body: Data?

    /// Creates a request.
    public init(method: String, url: String, headers: [(name: String, value: String)] = [], body: Data? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// An HTTP response as a ``TikTokTransport`` returns it.
public struct TikTokHTTPResponse: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// Header fields, in order.
    public var headers: [(name: String, value: String)]
    /// The whole body.
    public var body: Data

    /// Creates a response.
    public init(status: Int, headers: [(name: String, value: String)] = [], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of a header field, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// The seam between the SDK and the network.
///
/// ``AsyncHTTPClientTransport`` is the default. Supply your own to route calls through another HTTP stack, or to
/// record and replay them in tests. A transport throws for failures to reach the server (connection errors,
/// timeouts); any HTTP response, whatever its status, is returned.
public protocol TikTokTransport: Sendable {
    /// Sends one request and returns its whole response, or throws when no response arrived within `timeout`.
    func send(_ request: TikTokHTTPRequest, timeout: Duration) async throws -> TikTokHTTPResponse

    /// Sends one request and returns once its head and the first part of its body arrived, the rest to be read from
    /// the result; every part must arrive within `timeout` of the call. The default reads the whole response with
    /// ``send(_:timeout:)``.
    func stream(_ request: TikTokHTTPRequest, timeout: Duration) async throws -> TikTokStreamedResponse
}

extension TikTokTransport {
    public func stream(_ request: TikTokHTTPRequest, timeout: Duration) async throws -> TikTokStreamedResponse {
        TikTokStreamedResponse(try await send(request, timeout: timeout))
    }
}
