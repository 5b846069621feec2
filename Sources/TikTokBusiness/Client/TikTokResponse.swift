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
        let decoded = try EnvelopeDecoding.decode(response, endpoint: endpoint) { try $0.decode(Payload.self) }
        return TikTokResponse(
            code: decoded.head.code ?? 0, message: decoded.head.message ?? "OK", requestID: decoded.head.requestID,
            data: decoded.data)
    }
}

/// Reading a response body once: one parse into a tape, the head from it, then `data` from it.
enum EnvelopeDecoding {
    /// Parses the body, checks the HTTP status and the envelope code, and decodes a non-null `data` with `decodeData`.
    ///
    /// The body is parsed once (strictly: a body that is not JSON is an invalid response). Models decoded by
    /// `decodeData` may keep the body for their lazily materialized `raw`.
    static func decode<Payload>(
        _ response: TikTokHTTPResponse, endpoint: String, data decodeData: (JSONNode) throws -> Payload
    ) throws -> (head: TikTokEnvelopeHead, data: Payload?) {
        let body = response.body
        return try body.withUnsafeBytes { bytes in
            let document: JSONDocument
            do throws(JSONParseError) {
                document = try JSONDocument(bytes: bytes, source: body)
            } catch {
                // Not JSON as a whole: classify it by what its head says, if it starts with one.
                var head: TikTokEnvelopeHead?
                if case .head(let read) = TikTokEnvelopeHead.scan(prefix: bytes) { head = read }
                if let failure = TikTokEnvelopeHead.failure(of: head, status: response.status, endpoint: endpoint) {
                    throw failure
                }
                throw TikTokError(
                    category: .invalidResponse, message: "The response is not valid JSON (\(error)).",
                    requestID: head?.requestID, httpStatus: response.status, endpoint: endpoint, underlying: error)
            }
            let root = document.root
            let head = TikTokEnvelopeHead(node: root)
            if let failure = TikTokEnvelopeHead.failure(of: head, status: response.status, endpoint: endpoint) {
                throw failure
            }
            let envelope = head ?? TikTokEnvelopeHead(code: 0, message: nil, requestID: nil)
            guard let data = root.member("data"), !data.isNull else { return (envelope, nil) }
            do {
                return (envelope, try decodeData(data))
            } catch let error as TikTokError {
                throw error
            } catch {
                throw TikTokError(
                    category: .invalidResponse,
                    message: "The response data is not the expected shape: \(Self.describe(error)).",
                    requestID: envelope.requestID, httpStatus: response.status, endpoint: endpoint, underlying: error)
            }
        }
    }

    /// What went wrong in decoding, without any of the decoded text (which may hold tokens): the kind of failure and
    /// where.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(type(of: error))" }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return keys.isEmpty ? "data" : "data" + keys
        }
        switch error {
        case .typeMismatch(let type, let context): return "type mismatch for \(type) at \(path(context))"
        case .valueNotFound(let type, let context): return "no value for \(type) at \(path(context))"
        case .keyNotFound(let key, let context): return "no \(key.stringValue) at \(path(context))"
        case .dataCorrupted(let context): return "corrupted data at \(path(context))"
        @unknown default: return "decoding error"
        }
    }
}
