import Foundation
import Synchronization
public import TikTokBusiness

/// The real transport, except where the current rule answers first: TikTok answers the emulator cannot give (a
/// gateway's HTML 403, a given code on a given endpoint, an exchange with chosen advertiser ids), or a request changed
/// on its way (a wrong app secret, which the emulator answers with 40101).
public final class OverridingTransport: TikTokTransport {
    /// Sees each request (and may change it); returns a response to answer in TikTok's place, or `nil` to send it on.
    public typealias Rule = @Sendable (inout TikTokHTTPRequest) -> TikTokHTTPResponse?

    private let base: any TikTokTransport
    private let rule = Mutex<Rule?>(nil)
    private let answered = Mutex<[String]>([])

    public init(base: any TikTokTransport = AsyncHTTPClientTransport()) {
        self.base = base
    }

    /// Replaces the rule (`nil`: everything goes to the emulator).
    public func set(_ rule: Rule?) {
        self.rule.withLock { $0 = rule }
    }

    /// The API paths the rule answered, in order.
    public var answeredPaths: [String] { answered.withLock { $0 } }

    public func send(_ request: TikTokHTTPRequest, timeout: Duration) async throws -> TikTokHTTPResponse {
        var request = request
        if let rule = rule.withLock({ $0 }), let response = rule(&request) {
            answered.withLock { $0.append(Self.apiPath(request)) }
            return response
        }
        return try await base.send(request, timeout: timeout)
    }

    public func stream(_ request: TikTokHTTPRequest, timeout: Duration) async throws -> TikTokStreamedResponse {
        var request = request
        if let rule = rule.withLock({ $0 }), let response = rule(&request) {
            answered.withLock { $0.append(Self.apiPath(request)) }
            return TikTokStreamedResponse(response)
        }
        return try await base.stream(request, timeout: timeout)
    }

    /// The path below `/open_api/v1.3`, e.g. `/oauth2/revoke_token/`.
    public static func apiPath(_ request: TikTokHTTPRequest) -> String {
        let path = URLComponents(string: request.url)?.path ?? request.url
        guard let range = path.range(of: "/open_api/v1.3") else { return path }
        return String(path[range.upperBound...])
    }

    /// Answers `response` to calls of the API paths ending with `suffix`; everything else goes on.
    public static func answer(_ suffix: String, with response: TikTokHTTPResponse) -> Rule {
        { request in apiPath(request).hasSuffix(suffix) ? response : nil }
    }

    /// TikTok's JSON envelope with HTTP 200.
    public static func envelope(code: Int, message: String, requestID: String, data: String = "{}")
        -> TikTokHTTPResponse
    {
        let body = #"{"code":\#(code),"message":"\#(message)","request_id":"\#(requestID)","data":\#(data)}"#
        return TikTokHTTPResponse(
            status: 200, headers: [("Content-Type", "application/json")], body: Data(body.utf8))
    }

    /// A gateway's HTML page, not TikTok's JSON.
    public static func html(status: Int) -> TikTokHTTPResponse {
        TikTokHTTPResponse(
            status: status, headers: [("Content-Type", "text/html")],
            body: Data("<html><body><h1>\(status) Forbidden</h1>cloudfront</body></html>".utf8))
    }

    /// Sends every call on with `secret` replaced by `wrong` (in the query and the JSON body): the emulator answers
    /// 40101, as TikTok does for a wrong app secret.
    public static func wrongSecret(_ secret: String, becomes wrong: String = "not-the-secret") -> Rule {
        { request in
            request.url = request.url.replacingOccurrences(of: "secret=" + secret, with: "secret=" + wrong)
            if let body = request.body, let text = String(data: body, encoding: .utf8) {
                request.body = Data(text.replacingOccurrences(of: "\"\(secret)\"", with: "\"\(wrong)\"").utf8)
            }
            return nil
        }
    }
}
