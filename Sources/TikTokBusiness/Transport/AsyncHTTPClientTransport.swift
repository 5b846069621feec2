import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The default ``TikTokTransport``, over AsyncHTTPClient.
///
/// It never follows a redirect (a redirect would carry the `Access-Token` header, or an app secret in a body, to
/// wherever it points): a 3xx is returned as TikTok's answer. Each call's `timeout` is one deadline for the whole
/// exchange, body included (AsyncHTTPClient's own deadline stops at the response head), so a peer that sends its
/// headers and then stalls cannot hold a caller.
public struct AsyncHTTPClientTransport: TikTokTransport {
    /// The largest response body read, in bytes (reports can be large).
    public var maximumResponseSize: Int

    private let client: HTTPClient

    /// A process-wide client that follows no redirects; like `HTTPClient.shared`, it is never shut down.
    public static let sharedClient = HTTPClient(
        eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

    /// Uses `client`, by default ``sharedClient`` (no redirects followed). A client given here should disallow
    /// redirects too. The caller owns the client's lifecycle.
    public init(client: HTTPClient = Self.sharedClient, maximumResponseSize: Int = 64 * 1024 * 1024) {
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
        let client = self.client
        let maximumResponseSize = self.maximumResponseSize
        let outgoingRequest = outgoing
        return try await withThrowingTaskGroup(of: TikTokHTTPResponse.self) { group in
            group.addTask {
                let response = try await client.execute(outgoingRequest, timeout: .init(timeout))
                var buffer = try await response.body.collect(upTo: maximumResponseSize)
                let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
                return TikTokHTTPResponse(
                    status: Int(response.status.code),
                    headers: response.headers.map { (name: $0.name, value: $0.value) },
                    body: Data(bytes)
                )
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw TransportTimeout(timeout: timeout)
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}

/// A call that did not complete, body included, within its timeout.
public struct TransportTimeout: Error, Sendable, CustomStringConvertible {
    /// The timeout that passed.
    public var timeout: Duration
    public var description: String { "The TikTok call did not complete within \(timeout)." }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
