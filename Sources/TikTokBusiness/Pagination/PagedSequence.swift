/// The items of a page-based listing, fetched page by page as they are consumed.
///
/// Pages are requested with `page` (from 1) and `page_size`, and fetching goes on while `page < total_page`. When
/// TikTok omits `page_info`, a short page ends the listing.
public struct PagedSequence<Element: Decodable & Sendable>: AsyncSequence, Sendable {
    /// Fetches one page.
    public typealias FetchPage = @Sendable (_ page: Int, _ pageSize: Int) async throws -> Page<Element>

    /// The page size requested.
    public let pageSize: Int
    private let fetch: FetchPage

    /// Creates a sequence over `fetch`.
    public init(pageSize: Int, fetch: @escaping FetchPage) {
        self.pageSize = Swift.max(1, pageSize)
        self.fetch = fetch
    }

    /// The pages themselves rather than their items.
    public var pages: AsyncThrowingStream<Page<Element>, any Error> {
        let (stream, continuation) = AsyncThrowingStream<Page<Element>, any Error>.makeStream()
        let fetch = self.fetch
        let pageSize = self.pageSize
        let task = Task {
            var page = 1
            do {
                while true {
                    let result = try await fetch(page, pageSize)
                    continuation.yield(result)
                    guard Self.hasMore(after: page, result: result, pageSize: pageSize) else { break }
                    page += 1
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    static func hasMore(after page: Int, result: Page<Element>, pageSize: Int) -> Bool {
        if let info = result.pageInfo, info.totalPage > 0 {
            return page < info.totalPage
        }
        return result.items.count >= pageSize && !result.items.isEmpty
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(pageSize: pageSize, fetch: fetch)
    }

    /// Iterates items, fetching the next page when the current one is used up.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let pageSize: Int
        let fetch: FetchPage
        var buffer: [Element] = []
        var index = 0
        var nextPage = 1
        var finished = false

        public mutating func next() async throws -> Element? {
            while index >= buffer.count {
                guard !finished else { return nil }
                let result = try await fetch(nextPage, pageSize)
                finished = !PagedSequence.hasMore(after: nextPage, result: result, pageSize: pageSize)
                nextPage += 1
                buffer = result.items
                index = 0
            }
            defer { index += 1 }
            return buffer[index]
        }
    }
}
