/// Page-number pagination as the Marketing API does it: `page` from 1, `total_page` rounded up.
struct PageInfo: Sendable {
    let page: Int
    let pageSize: Int
    let totalNumber: Int

    /// The page and page size of a request (`page` ≥ 1, `page_size` 1…`maximumPageSize`, default 10), else 40002.
    init(_ query: QueryParameters, totalNumber: Int, maximumPageSize: Int = 1_000) throws(APIError) {
        self.page = try query.int("page", default: 1, in: 1...Int(Int32.max))
        self.pageSize = try query.int("page_size", default: 10, in: 1...maximumPageSize)
        self.totalNumber = totalNumber
    }

    /// The indices of the items on this page.
    var range: Range<Int> {
        let start = min(self.totalNumber, (self.page - 1) * self.pageSize)
        return start..<min(self.totalNumber, start + self.pageSize)
    }

    var totalPage: Int { (self.totalNumber + self.pageSize - 1) / self.pageSize }

    var json: JSONValue {
        [
            "page": .int(self.page),
            "page_size": .int(self.pageSize),
            "total_number": .int(self.totalNumber),
            "total_page": .int(self.totalPage),
        ]
    }
}
