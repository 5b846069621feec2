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
        let head: EnvelopeHead
        do {
            head = try JSONDecoder().decode(EnvelopeHead.self, from: response.body)
        } catch {
            // Gateways answer with HTML 5xx pages; a non-JSON answer of any status is not TikTok's envelope.
            let transient = response.status >= 500 || response.status == 429 || response.status == 408
            throw TikTokError(
                category: transient ? .transient : .invalidResponse,
                message: "HTTP \(response.status) without TikTok's JSON envelope.",
                httpStatus: response.status, endpoint: endpoint, underlying: error)
        }
        guard let code = head.code else {
            throw TikTokError(
                category: response.status >= 500 ? .transient : .invalidResponse,
                message: "HTTP \(response.status): the response has no envelope code.",
                requestID: head.requestID, httpStatus: response.status, endpoint: endpoint)
        }
        guard code == 0 else {
            throw TikTokError(
                code: code, message: head.message ?? "", requestID: head.requestID, httpStatus: response.status,
                endpoint: endpoint)
        }
        guard (200..<300).contains(response.status) else {
            throw TikTokError(
                category: response.status >= 500 ? .transient : .invalidResponse,
                message: "HTTP \(response.status) with a success envelope.", requestID: head.requestID,
                httpStatus: response.status, endpoint: endpoint)
        }
        do {
            let full = try JSONDecoder().decode(Envelope.self, from: response.body)
            return TikTokResponse(
                code: code, message: head.message ?? "OK", requestID: head.requestID, data: full.data)
        } catch {
            throw TikTokError(
                category: .invalidResponse, message: "The response data is not the expected shape: \(error).",
                requestID: head.requestID, httpStatus: response.status, endpoint: endpoint, underlying: error)
        }
    }

    private struct EnvelopeHead: Decodable {
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
