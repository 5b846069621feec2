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
    ///
    /// It makes no spans of its own even when a tracer is bootstrapped (``untracedConfiguration``).
    public static let sharedClient = HTTPClient(
        eventLoopGroupProvider: .singleton, configuration: untracedConfiguration)

    /// A client configuration that follows no redirects and makes no spans: AsyncHTTPClient's own spans record each
    /// request's full URL and query, and a TikTok query may hold the app secret (a webhook URL's, a token).
    public static var untracedConfiguration: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.tracing.tracer = nil
        return configuration
    }

    /// Uses `client`, by default ``sharedClient`` (no redirects followed). A client given here should disallow
    /// redirects too. The caller owns the client's lifecycle.
    public init(client: HTTPClient = Self.sharedClient, maximumResponseSize: Int = 64 * 1024 * 1024) {
        self.client = client
        self.maximumResponseSize = maximumResponseSize
    }

    public func send(_ request: TikTokHTTPRequest, timeout: Duration) async throws -> TikTokHTTPResponse {
        let client = self.client
        let maximumResponseSize = self.maximumResponseSize
        let outgoing = Self.outgoing(request)
        // One race for the whole exchange, body included.
        return try await TransportTimeout.race(timeout, until: ContinuousClock.now + timeout) {
            let response = try await client.execute(outgoing, timeout: .init(timeout))
            let buffer = try await response.body.collect(upTo: maximumResponseSize)
            return TikTokHTTPResponse(
                status: Int(response.status.code), headers: response.headers.map { (name: $0.name, value: $0.value) },
                body: Data(buffer.readableBytesView))
        }
    }

    /// Sends `request` and returns as soon as the head and the first part of the body have arrived (all of it when
    /// that part completes the body TikTok announced); the rest streams, each part due before the same deadline
    /// (`timeout` from now). The common small answer thus costs one race against the deadline, not one per part.
    public func stream(_ request: TikTokHTTPRequest, timeout: Duration) async throws -> TikTokStreamedResponse {
        let deadline = ContinuousClock.now + timeout
        let client = self.client
        let outgoing = Self.outgoing(request)
        return try await TransportTimeout.race(timeout, until: deadline) {
            let head = try await client.execute(outgoing, timeout: .init(timeout))
            let rest = TikTokBodyStream(head.body, deadline: deadline, timeout: timeout)
            var prefix = ByteBuffer()
            var ended = false
            if var first = try await rest.nextWithoutDeadline() {
                prefix.writeBuffer(&first)
                // A body that is all here: read its end now, so the connection goes back to the pool.
                if let length = head.headers.first(name: "content-length").flatMap({ Int($0) }),
                    prefix.readableBytes >= length, try await rest.nextWithoutDeadline() == nil
                {
                    ended = true
                }
            } else {
                ended = true
            }
            return TikTokStreamedResponse(
                status: Int(head.status.code), headers: head.headers.map { (name: $0.name, value: $0.value) },
                prefix: prefix, rest: ended ? nil : rest)
        }
    }
}

extension AsyncHTTPClientTransport {
    /// AsyncHTTPClient's request for `request`.
    static func outgoing(_ request: TikTokHTTPRequest) -> HTTPClientRequest {
        var outgoing = HTTPClientRequest(url: escapingQuery(request.url))
        outgoing.method = HTTPMethod(rawValue: request.method)
        for header in request.headers {
            outgoing.headers.add(name: header.name, value: header.value)
        }
        if let body = request.body {
            outgoing.body = .bytes(ByteBuffer(bytes: body))
        }
        return outgoing
    }

    /// Characters a URL's query may hold as they are (RFC 3986: unreserved, sub-delims, `:`, `@`, `/`, `?`, and `%`
    /// of existing escapes).
    private static let queryCharacters = Set(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/?%".utf8)

    /// `url` with the characters of its query that a URL may not hold as they are (`[`, `]`, `"`, spaces, …)
    /// percent-encoded, and nothing else changed: existing `%XX` escapes stay as they are. TikTok's own examples send
    /// `advertiser_ids=["…"]` raw; Foundation's URL parser would otherwise re-encode the whole query, `%` included,
    /// and `[%22…%22]` would reach TikTok as `%5B%2522…`.
    static func escapingQuery(_ url: String) -> String {
        guard let mark = url.firstIndex(of: "?") else { return url }
        let query = url[url.index(after: mark)...].utf8
        guard !query.allSatisfy(queryCharacters.contains) else { return url }
        var escaped = String(url[...mark])
        for byte in query {
            if queryCharacters.contains(byte) {
                escaped.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                escaped += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return escaped
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// A call that did not complete, body included, within its timeout.
public struct TransportTimeout: Error, Sendable, CustomStringConvertible {
    /// The timeout that passed.
    public var timeout: Duration
    public var description: String { "The TikTok call did not complete within \(timeout)." }

    /// `work`'s result, or a ``TransportTimeout`` at `deadline` (`timeout` after the call began), whichever comes
    /// first; the loser is cancelled.
    static func race<T: Sendable>(
        _ timeout: Duration, until deadline: ContinuousClock.Instant, _ work: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask(operation: work)
            group.addTask {
                try await Task.sleep(until: deadline, clock: .continuous)
                throw TransportTimeout(timeout: timeout)
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
