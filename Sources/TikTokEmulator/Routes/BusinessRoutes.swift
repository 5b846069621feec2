import Hummingbird

/// Accounts API reads for account-holder tokens: `/business/get/`, `/business/video/list/`,
/// `/business/comment/list/`.
struct BusinessRoutes: Sendable {
    let state: EmulatorState

    private var catalog: BusinessCatalog { self.state.business }

    func register<Context: RequestContext>(on api: RouterGroup<Context>) {
        api.get("business/get") { request, _ in try self.account(request) }
        api.get("business/video/list") { request, _ in try self.videos(request) }
        api.get("business/comment/list") { request, _ in try self.comments(request) }
    }

    /// The authenticated user of a `business_id` call.
    private func businessUser(_ request: Request) throws -> (user: EmulatedUser, query: QueryParameters) {
        let token = try self.state.authenticate(request)
        let query = try QueryParameters(request)
        let businessID = try query.required("business_id")
        try self.state.requireBusiness(businessID, for: token)
        return (token.user, query)
    }

    /// `GET /business/get/?business_id&fields=[…]&start_date&end_date` (at most 60 days of daily metrics; the last 7
    /// days when no dates are given).
    private func account(_ request: Request) throws -> APIResponse {
        let (user, query) = try self.businessUser(request)
        let fields = try query.stringArray("fields").map(Set.init)
        let days: ClosedRange<Int>
        switch (query.optional("start_date"), query.optional("end_date")) {
        case (nil, nil):
            let yesterday = Int(self.state.now()) / 86_400 - 1
            days = (yesterday - 6)...yesterday
        case (let start?, let end?):
            guard let startDate = CivilDate(parsing: start) else {
                throw APIError.invalid("start_date", "Must be a date in the format YYYY-MM-DD.")
            }
            guard let endDate = CivilDate(parsing: end) else {
                throw APIError.invalid("end_date", "Must be a date in the format YYYY-MM-DD.")
            }
            guard startDate <= endDate else {
                throw APIError.invalid("end_date", "Must not be earlier than start_date.")
            }
            guard endDate.dayNumber - startDate.dayNumber < 60 else {
                throw APIError.invalid("end_date", "The date range must not exceed 60 days.")
            }
            days = startDate.dayNumber...endDate.dayNumber
        case (nil, _):
            throw APIError.missing("start_date")
        case (_, nil):
            throw APIError.missing("end_date")
        }
        var profile = self.catalog.profile(user)
        if let fields {
            profile = profile.selecting(fields.intersection(BusinessCatalog.profileFields))
        }
        var members = profile.objectValue ?? []
        members.append(("metrics", .array(self.catalog.dailyMetrics(user, days: days))))
        return APIResponse(.object(members))
    }

    /// `GET /business/video/list/?business_id&fields=[…]&cursor&max_count` (`max_count` ≤ 20, default 20).
    private func videos(_ request: Request) throws -> APIResponse {
        let (user, query) = try self.businessUser(request)
        let fields = try query.stringArray("fields").map(Set.init)
        let cursor = try query.int("cursor", default: 0, in: 0...Int(Int32.max))
        let maxCount = try query.int("max_count", default: 20, in: 1...20)
        let total = self.catalog.videoCount(user.openID)
        let count = self.catalog.videoPageSize(cursor: cursor, maxCount: maxCount, openID: user.openID)
        let end = min(total, cursor + count)
        let videos = (min(cursor, end)..<end).map { self.catalog.video($0, user: user).selecting(fields) }
        return APIResponse([
            "videos": .array(videos),
            "cursor": .int(max(end, cursor)),
            "has_more": .bool(end < total),
        ])
    }

    /// `GET /business/comment/list/?business_id&video_id&cursor&max_count` (`max_count` ≤ 30, default 20).
    private func comments(_ request: Request) throws -> APIResponse {
        let (user, query) = try self.businessUser(request)
        let videoID = try query.required("video_id")
        let cursor = try query.int("cursor", default: 0, in: 0...Int(Int32.max))
        let maxCount = try query.int("max_count", default: 20, in: 1...30)
        guard let videoIndex = self.catalog.videoIndex(of: videoID, openID: user.openID) else {
            throw APIError.notFound("video_id: The video does not exist.")
        }
        let total = self.catalog.commentCount(videoIndex, openID: user.openID)
        let end = min(total, cursor + maxCount)
        let comments = (min(cursor, end)..<end).map { self.catalog.comment($0, videoIndex: videoIndex, user: user) }
        return APIResponse([
            "comments": .array(comments),
            "cursor": .int(max(end, cursor)),
            "has_more": .bool(end < total),
        ])
    }
}
