import Foundation

extension TikTokClient {
    /// A business account's profile and daily metrics (`GET /business/get/`). `businessID` is the account's open id.
    public func businessAccount(
        businessID: String, fields: [String]? = nil, startDate: String? = nil, endDate: String? = nil,
        accessToken: String
    ) async throws -> BusinessAccount {
        var query: [String: JSONValue] = ["business_id": .string(businessID)]
        if let fields { query["fields"] = .strings(fields) }
        if let startDate { query["start_date"] = .string(startDate) }
        if let endDate { query["end_date"] = .string(endDate) }
        return try await request(
            "GET", "/business/get/", query: query, accessToken: accessToken, as: BusinessAccount.self)
    }

    /// A business account's videos (`GET /business/video/list/`), batch by batch (`maxCount` ≤ 20).
    public func businessVideos(
        businessID: String, fields: [String]? = nil, maxCount: Int = 20, accessToken: String
    ) -> CursorSequence<BusinessVideo> {
        var query: [String: JSONValue] = ["business_id": .string(businessID)]
        if let fields { query["fields"] = .strings(fields) }
        return cursored(
            "/business/video/list/", query: query, itemsKey: "videos", maxCount: min(maxCount, 20),
            accessToken: accessToken)
    }

    /// The comments on a business account's video (`GET /business/comment/list/`), batch by batch
    /// (`maxCount` ≤ 30).
    public func businessComments(
        businessID: String, videoID: String, maxCount: Int = 30, accessToken: String
    ) -> CursorSequence<BusinessComment> {
        cursored(
            "/business/comment/list/", query: ["business_id": .string(businessID), "video_id": .string(videoID)],
            itemsKey: "comments", maxCount: min(maxCount, 30), accessToken: accessToken)
    }

    /// Any cursor-based listing: `query` plus `cursor` and `max_count`, decoding `data[itemsKey]` as `Element`.
    public func cursored<Element: Decodable & Sendable>(
        _ path: String, query: [String: JSONValue], itemsKey: String, maxCount: Int, accessToken: String,
        as type: Element.Type = Element.self
    ) -> CursorSequence<Element> {
        let client = self
        return CursorSequence { cursor in
            var batchQuery = query
            batchQuery["max_count"] = .number(String(maxCount))
            if let cursor { batchQuery["cursor"] = .string(cursor) }
            let response = try await client.send(
                "GET", path, query: batchQuery, body: nil, accessToken: accessToken, retry: .idempotent
            ) { data in
                CursorPage(
                    items: try data.member(itemsKey)?.decodeArray(Element.self) ?? [],
                    cursor: data.lenientString("cursor"),
                    hasMore: data.member("has_more").map { $0.boolValue ?? ($0.lenientInt == 1) } ?? false)
            }
            return response.data ?? CursorPage(items: [], cursor: nil, hasMore: false)
        }
    }
}
