import Foundation

/// TikTok's response envelope: `{"code":0,"message":"OK","request_id":"…","data":{…}}`.
public struct TikTokResponse<Payload: Decodable & Sendable>: Sendable {
    /// `0` on success.
    public var code: Int
    /// `OK`/`ok` on success, else TikTok's explanation.
    public var message: String
    /// TikTok's request id.
    public var requestID: String?
    /// The payload, decoded.
    public var data: Payload?

    /// Decodes a transport response: checks the HTTP status and the envelope code, then decodes `data`.
    static func decode(_ response: TikTokHTTPResponse, endpoint: String) throws -> TikTokResponse {
        let head = TikTokEnvelopeHead(json: response.body)
        if let failure = TikTokEnvelopeHead.failure(of: head, status: response.status, endpoint: endpoint) {
            throw failure
        }
        let code = head?.code ?? 0
        do {
            let full = try JSONDecoder().decode(Envelope.self, from: response.body)
            return TikTokResponse(
                code: code, message: head?.message ?? "OK", requestID: head?.requestID, data: full.data)
        } catch {
            throw TikTokError(
                category: .invalidResponse, message: "The response data is not the expected shape: \(error).",
                requestID: head?.requestID, httpStatus: response.status, endpoint: endpoint, underlying: error)
        }
    }

    private struct Envelope: Decodable {
        var data: Payload?
        enum CodingKeys: String, CodingKey { case data }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if container.contains(.data), try !container.decodeNil(forKey: .data) {
                data = try container.decode(Payload.self, forKey: .data)
            } else {
                data = nil
            }
        }
    }
}
