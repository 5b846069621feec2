/// Page-based pagination metadata of Marketing API listings (`data.page_info`).
public struct PageInfo: Sendable, Hashable, Decodable {
    /// The page returned (1-based).
    public var page: Int
    /// The page size used.
    public var pageSize: Int
    /// Items in all.
    public var totalNumber: Int
    /// Pages in all.
    public var totalPage: Int

    /// Creates a value.
    public init(page: Int, pageSize: Int, totalNumber: Int, totalPage: Int) {
        self.page = page
        self.pageSize = pageSize
        self.totalNumber = totalNumber
        self.totalPage = totalPage
    }

    enum CodingKeys: String, CodingKey {
        case page
        case pageSize = "page_size"
        case totalNumber = "total_number"
        case totalPage = "total_page"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        page = try container.lenientInt(.page) ?? 1
        pageSize = try container.lenientInt(.pageSize) ?? 0
        totalNumber = try container.lenientInt(.totalNumber) ?? 0
        totalPage = try container.lenientInt(.totalPage) ?? 0
    }
}

/// A page of a Marketing API listing: `{"list":[…],"page_info":{…}}`.
public struct Page<Element: Decodable & Sendable>: Sendable, Decodable {
    /// The items on this page.
    public var items: [Element]
    /// The page metadata, when TikTok sent it.
    public var pageInfo: PageInfo?

    enum CodingKeys: String, CodingKey {
        case list
        case pageInfo = "page_info"
    }

    /// Creates a page.
    public init(items: [Element], pageInfo: PageInfo?) {
        self.items = items
        self.pageInfo = pageInfo
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        items = try container.decodeIfPresent([Element].self, forKey: .list) ?? []
        pageInfo = try container.decodeIfPresent(PageInfo.self, forKey: .pageInfo)
    }
}

extension PageInfo: JSONNodeDecodable {
    private enum Field: Int, JSONFieldKey {
        case page, pageSize, totalNumber, totalPage
        static let keys = JSONKeys(["page", "page_size", "total_number", "total_page"])
    }

    init(jsonNode node: JSONNode) throws {
        let object = try node.fields(for: Self.self, keyedBy: Field.self)
        page = object.lenientInt(.page) ?? 1
        pageSize = object.lenientInt(.pageSize) ?? 0
        totalNumber = object.lenientInt(.totalNumber) ?? 0
        totalPage = object.lenientInt(.totalPage) ?? 0
    }
}

extension Page: JSONNodeDecodable {
    /// Decodes the page; its items with their own fast decoding when they have one, else with `JSONDecoder` over the
    /// list's bytes.
    init(jsonNode node: JSONNode) throws {
        let object = try node.object(for: Self.self)
        items = try object.member("list")?.decodeArray(Element.self) ?? []
        pageInfo = try object.member("page_info").flatMap { $0.isNull ? nil : try PageInfo(jsonNode: $0) }
    }
}
