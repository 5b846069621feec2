import Foundation

extension TikTokClient {
    /// Advertiser accounts by id (`GET /advertiser/info/`), in batches of 100 as TikTok requires.
    public func advertiserInfo(advertiserIDs: [String], fields: [String]? = nil, accessToken: String) async throws
        -> [Advertiser]
    {
        var result: [Advertiser] = []
        var start = 0
        while start < advertiserIDs.count {
            let batch = Array(advertiserIDs[start..<min(start + 100, advertiserIDs.count)])
            var query: [String: JSONValue] = ["advertiser_ids": .strings(batch)]
            // The id is always asked for, so that every result can be told apart.
            if let fields {
                query["fields"] = .strings(fields.contains("advertiser_id") ? fields : ["advertiser_id"] + fields)
            }
            let page = try await request(
                "GET", "/advertiser/info/", query: query, accessToken: accessToken, as: Page<Advertiser>.self)
            result += page.items
            start += 100
        }
        return result
    }

    /// The campaigns of an advertiser (`GET /campaign/get/`), page by page as the sequence is consumed.
    public func campaigns(
        advertiserID: String, filtering: JSONValue? = nil, fields: [String]? = nil, pageSize: Int = 100,
        accessToken: String
    ) -> PagedSequence<Campaign> {
        pagedListing(
            "/campaign/get/", advertiserID: advertiserID, filtering: filtering, fields: fields, pageSize: pageSize,
            accessToken: accessToken)
    }

    /// The ad groups of an advertiser (`GET /adgroup/get/`), page by page.
    public func adGroups(
        advertiserID: String, filtering: JSONValue? = nil, fields: [String]? = nil, pageSize: Int = 100,
        accessToken: String
    ) -> PagedSequence<AdGroup> {
        pagedListing(
            "/adgroup/get/", advertiserID: advertiserID, filtering: filtering, fields: fields, pageSize: pageSize,
            accessToken: accessToken)
    }

    /// The ads of an advertiser (`GET /ad/get/`), page by page.
    public func ads(
        advertiserID: String, filtering: JSONValue? = nil, fields: [String]? = nil, pageSize: Int = 100,
        accessToken: String
    ) -> PagedSequence<Ad> {
        pagedListing(
            "/ad/get/", advertiserID: advertiserID, filtering: filtering, fields: fields, pageSize: pageSize,
            accessToken: accessToken)
    }

    /// The rows of an integrated report (`GET /report/integrated/get/`), page by page.
    public func integratedReport(_ report: ReportQuery, accessToken: String) -> PagedSequence<ReportRow> {
        var query: [String: JSONValue] = [
            "advertiser_id": .string(report.advertiserID), "report_type": .string(report.reportType),
            "data_level": .string(report.dataLevel), "dimensions": .strings(report.dimensions),
            "metrics": .strings(report.metrics), "start_date": .string(report.startDate),
            "end_date": .string(report.endDate),
        ]
        if let filtering = report.filtering { query["filtering"] = filtering }
        return paged("/report/integrated/get/", query: query, pageSize: report.pageSize, accessToken: accessToken)
    }

    /// Any page-based listing: `query` plus `page` and `page_size`, decoding `data.list` as `Element`.
    public func paged<Element: Decodable & Sendable>(
        _ path: String, query: [String: JSONValue], pageSize: Int = 100, accessToken: String,
        as type: Element.Type = Element.self
    ) -> PagedSequence<Element> {
        let client = self
        return PagedSequence(pageSize: pageSize) { page, pageSize in
            var pageQuery = query
            pageQuery["page"] = .number(String(page))
            pageQuery["page_size"] = .number(String(pageSize))
            return try await client.request(
                "GET", path, query: pageQuery, accessToken: accessToken, as: Page<Element>.self)
        }
    }

    private func pagedListing<Element: Decodable & Sendable>(
        _ path: String, advertiserID: String, filtering: JSONValue?, fields: [String]?, pageSize: Int,
        accessToken: String
    ) -> PagedSequence<Element> {
        var query: [String: JSONValue] = ["advertiser_id": .string(advertiserID)]
        if let filtering { query["filtering"] = filtering }
        if let fields { query["fields"] = .strings(fields) }
        return paged(path, query: query, pageSize: pageSize, accessToken: accessToken)
    }
}
