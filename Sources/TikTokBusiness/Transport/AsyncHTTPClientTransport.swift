import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The default ``TikTokTransport``, over AsyncHTTPClient.
public struct AsyncHTTPClientTransport: TikTokTransport {
    /// The largest response body read, in bytes (reports can be large).
    public var maximumResponseSize: Int

    private let client: HTTPClient

    /// Uses `client`, by default the process-wide shared `HTTPClient`. The caller owns the client's lifecycle.
    public init(client: HTTPClient = .shared, maximumResponseSize: Int = 64 * 1024 * 1024) {
        self.client = client
        self.maximumResponseSize = maximumResponseSize
    }

    public func send(_ request: TikTokHTTPRequest, timeout: Duration) async throws -> TikTokHTTPResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for header in request.headers {
            outgoing.headers.add(name: header.name, value: header.value)
        }
        if let body = request.body {
            outgoing.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await client.execute(outgoing, timeout: .init(timeout))
        var buffer = try await response.body.collect(upTo: maximumResponseSize)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        return TikTokHTTPResponse(
            status: Int(response.status.code),
            headers: response.headers.map { (name: $0.name, value: $0.value) },
            body: Data(bytes)
        )
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
