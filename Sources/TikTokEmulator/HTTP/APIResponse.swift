import HTTPTypes
import Hummingbird
import NIOCore

/// A TikTok API envelope: `{"code","message","request_id","data"}`.
struct APIResponse: ResponseGenerator, Sendable {
    var code: Int
    var message: String
    var data: JSONValue
    var status: HTTPResponse.Status

    /// A success envelope (`code` 0, `message` "OK").
    init(_ data: JSONValue) {
        self.code = 0
        self.message = "OK"
        self.data = data
        self.status = .ok
    }

    /// An application error envelope.
    init(error: APIError, status: HTTPResponse.Status = .ok) {
        self.code = error.code
        self.message = error.message
        self.data = [:]
        self.status = status
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        self.makeResponse()
    }

    func makeResponse() -> Response {
        let requestID = RequestIDGenerator.shared.next()
        let envelope: JSONValue = [
            "code": .int(self.code),
            "message": .string(self.message),
            "request_id": .string(requestID),
            "data": self.data,
        ]
        var bytes: [UInt8] = []
        bytes.reserveCapacity(512)
        envelope.write(into: &bytes)
        let buffer = ByteBuffer(bytes: bytes)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.contentLength] = String(buffer.readableBytes)
        headers[.ttLogID] = requestID
        return Response(status: self.status, headers: headers, body: .init(byteBuffer: buffer))
    }
}

extension HTTPField.Name {
    /// TikTok's log id header, which carries the request id.
    static let ttLogID = Self("X-Tt-Logid")!
    /// The header data calls authenticate with.
    static let accessToken = Self("Access-Token")!
}
