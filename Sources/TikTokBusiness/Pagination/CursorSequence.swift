/// One batch of a cursor-based listing (Accounts API): items, the cursor for the next batch, and whether there is one.
public struct CursorPage<Element: Sendable>: Sendable {
    /// The items in this batch; possibly fewer than requested even when ``hasMore`` is true.
    public var items: [Element]
    /// The cursor to send for the next batch.
    public var cursor: String?
    /// Whether there are more items.
    public var hasMore: Bool

    /// Creates a batch.
    public init(items: [Element], cursor: String?, hasMore: Bool) {
        self.items = items
        self.cursor = cursor
        self.hasMore = hasMore
    }
}

/// The items of a cursor-based listing, fetched batch by batch as they are consumed, while `has_more` is true.
///
/// A batch may hold fewer items than `max_count` while `has_more` is true; fetching goes on. A server that says
/// `has_more` but returns neither items nor a new cursor ends the listing rather than looping forever.
public struct CursorSequence<Element: Sendable>: AsyncSequence, Sendable {
    /// Fetches one batch starting at `cursor` (`nil` for the first).
    public typealias FetchBatch = @Sendable (_ cursor: String?) async throws -> CursorPage<Element>

    private let fetch: FetchBatch

    /// Creates a sequence over `fetch`.
    public init(fetch: @escaping FetchBatch) {
        self.fetch = fetch
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(fetch: fetch)
    }

    /// Iterates items, fetching the next batch when the current one is used up.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let fetch: FetchBatch
        var buffer: [Element] = []
        var index = 0
        var cursor: String?
        var finished = false

        public mutating func next() async throws -> Element? {
            while index >= buffer.count {
                guard !finished else { return nil }
                let batch = try await fetch(cursor)
                let stalled = batch.items.isEmpty && (batch.cursor == nil || batch.cursor == cursor)
                finished = !batch.hasMore || stalled || batch.cursor == nil
                cursor = batch.cursor
                buffer = batch.items
                index = 0
            }
            defer { index += 1 }
            return buffer[index]
        }
    }
}
