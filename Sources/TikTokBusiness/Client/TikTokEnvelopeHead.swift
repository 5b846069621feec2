import Foundation

/// The head of TikTok's envelope, `{"code","message","request_id"}`, read without decoding `data` (which may be a
/// large report page): what a proxy needs to classify an answer.
public struct TikTokEnvelopeHead: Sendable, Hashable {
    /// TikTok's code (`0` on success), when the body is an envelope with one.
    public var code: Int?
    /// TikTok's message.
    public var message: String?
    /// TikTok's request id.
    public var requestID: String?

    /// Creates a head.
    public init(code: Int?, message: String?, requestID: String?) {
        self.code = code
        self.message = message
        self.requestID = requestID
    }

    /// Reads the head of a JSON body; `nil` when the body is not a JSON object (a gateway's HTML page, say).
    public init?(json body: Data) {
        guard let decoded = try? JSONDecoder().decode(Decoded.self, from: body) else { return nil }
        self.init(code: decoded.code, message: decoded.message, requestID: decoded.requestID)
    }

    /// The error this head and HTTP status stand for, or `nil` for a success (code 0 with a 2xx status). A body that
    /// is not an envelope at all is a transient failure for 5xx/429/408 and an invalid response otherwise.
    public static func failure(of head: TikTokEnvelopeHead?, status: Int, endpoint: String) -> TikTokError? {
        guard let head else {
            let transient = status >= 500 || status == 429 || status == 408
            return TikTokError(
                category: transient ? .transient : .invalidResponse,
                message: "HTTP \(status) without TikTok's JSON envelope.", httpStatus: status, endpoint: endpoint)
        }
        guard let code = head.code else {
            return TikTokError(
                category: status >= 500 ? .transient : .invalidResponse,
                message: "HTTP \(status): the response has no envelope code.", requestID: head.requestID,
                httpStatus: status, endpoint: endpoint)
        }
        guard code == 0 else {
            return TikTokError(
                code: code, message: head.message ?? "", requestID: head.requestID, httpStatus: status,
                endpoint: endpoint)
        }
        guard (200..<300).contains(status) else {
            return TikTokError(
                category: status >= 500 ? .transient : .invalidResponse,
                message: "HTTP \(status) with a success envelope.", requestID: head.requestID, httpStatus: status,
                endpoint: endpoint)
        }
        return nil
    }

    private struct Decoded: Decodable {
        var code: Int?
        var message: String?
        var requestID: String?

        enum CodingKeys: String, CodingKey {
            case code, message
            case requestID = "request_id"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            code = try container.lenientInt(.code)
            message = try container.lenientString(.message)
            requestID = try container.lenientString(.requestID)
        }
    }
}
