import Foundation
public import NIOCore

/// A response whose body may still be arriving: its first bytes, read already, and the rest as a stream.
///
/// A proxy reads the envelope's head from ``prefix`` and relays the rest as it comes, so that a large report page is
/// never held whole in memory. Whoever ends up with the value owns ``rest`` and reads it once: it is a single-pass
/// stream, and dropping it unread closes the connection it comes from.
public struct TikTokStreamedResponse: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// Header fields, in order.
    public var headers: [(name: String, value: String)]
    /// The bytes of the body read so far.
    public var prefix: ByteBuffer
    /// The rest of the body, or `nil` when ``prefix`` is all of it.
    public var rest: TikTokBodyStream?

    /// Creates a response.
    public init(status: Int, headers: [(name: String, value: String)], prefix: ByteBuffer, rest: TikTokBodyStream?) {
        self.status = status
        self.headers = headers
        self.prefix = prefix
        self.rest = rest
    }

    /// A whole response as a streamed one with nothing left to read.
    public init(_ response: TikTokHTTPResponse) {
        self.init(
            status: response.status, headers: response.headers, prefix: ByteBuffer(bytes: response.body), rest: nil)
    }

    /// Reads the next part of the body onto ``prefix``; `false` when the body had already ended.
    public mutating func readMore() async throws -> Bool {
        guard let stream = rest else { return false }
        guard var chunk = try await stream.next() else {
            rest = nil
            return false
        }
        prefix.writeBuffer(&chunk)
        return true
    }

    /// The whole body, read up to `limit` bytes; a longer body throws ``TikTokBodyTooLarge``.
    public mutating func collect(upTo limit: Int) async throws -> TikTokHTTPResponse {
        guard prefix.readableBytes <= limit else { throw TikTokBodyTooLarge(limit: limit) }
        while try await readMore() {
            guard prefix.readableBytes <= limit else { throw TikTokBodyTooLarge(limit: limit) }
        }
        return TikTokHTTPResponse(status: status, headers: headers, body: Data(prefix.readableBytesView))
    }

    /// The header's first value, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let name = name.lowercased()
        return headers.first { $0.name.count == name.count && $0.name.lowercased() == name }?.value
    }
}

/// The unread rest of a streamed body: each ``next()`` returns the following bytes, or `nil` at the end.
///
/// A ``TikTokTransport`` makes one from any source of buffers, with the deadline its call had: a part that does not
/// arrive by then throws ``TransportTimeout``. Single-pass: one reader at a time, in order.
public struct TikTokBodyStream: Sendable, AsyncSequence {
    public typealias Element = ByteBuffer

    private let source: Source
    private let deadline: ContinuousClock.Instant
    private let timeout: Duration

    /// Streams `sequence`'s buffers, each of which must arrive before `deadline` (`timeout` is the duration that
    /// deadline stands for, for the error).
    public init<Buffers: AsyncSequence & Sendable>(
        _ sequence: Buffers, deadline: ContinuousClock.Instant, timeout: Duration
    ) where Buffers.Element == ByteBuffer {
        self.source = Source(sequence.makeAsyncIterator())
        self.deadline = deadline
        self.timeout = timeout
    }

    /// The next bytes, or `nil` at the end of the body.
    public func next() async throws -> ByteBuffer? {
        let source = self.source
        return try await TransportTimeout.race(timeout, until: deadline) { try await source.next() }
    }

    /// The next bytes, for a caller that races its own deadline.
    func nextWithoutDeadline() async throws -> ByteBuffer? { try await source.next() }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(stream: self) }

    /// Iterates the rest of the body.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let stream: TikTokBodyStream
        public mutating func next() async throws -> ByteBuffer? { try await stream.next() }
    }

    /// The underlying iterator, owned by the stream: reads happen one at a time, in order (a stream has one reader),
    /// which is what makes handing it between tasks safe.
    private final class Source: @unchecked Sendable {
        private let pull: () async throws -> ByteBuffer?

        init<Iterator: AsyncIteratorProtocol>(_ iterator: Iterator) where Iterator.Element == ByteBuffer {
            var iterator = iterator
            self.pull = { try await iterator.next() }
        }

        func next() async throws -> ByteBuffer? { try await pull() }
    }
}

/// A response body longer than the limit the reader set.
public struct TikTokBodyTooLarge: Error, Sendable, CustomStringConvertible {
    /// The limit, in bytes.
    public var limit: Int
    public var description: String { "The response body exceeds \(limit) bytes." }
}
