/// The seeded TikTok account data of every emulated user: profile, daily metrics, videos and comments.
struct BusinessCatalog: Sendable {
    let seed: UInt64

    /// Videos are dated backwards from here (2025-01-01), one every one to two days, so data never depends on the
    /// clock.
    private static let videoAnchor = 1_735_689_600
    private static let captions = [
        "Day in the life", "Behind the scenes", "Trying the viral recipe", "Our new drop is here",
        "3 tips you wish you knew", "POV: it's Monday", "Unboxing the surprise", "Answering your questions",
        "Before and after", "Tutorial in 30 seconds",
    ]
    private static let hashtags = ["#fyp", "#tips", "#behindthescenes", "#smallbusiness", "#howto", "#viral"]
    private static let commentTexts = [
        "Love this!", "Where can I buy it?", "So helpful, thank you", "Part 2 please", "This made my day",
        "How long did this take?", "Need this in my life", "Obsessed 😍", "Saving this for later", "First!",
    ]

    /// The top-level fields of `/business/get/`.
    static let profileFields: Set<String> = [
        "display_name", "username", "profile_image", "bio_description", "is_verified", "is_business_account",
        "profile_deep_link", "followers_count", "following_count", "videos_count", "likes_count", "total_likes",
    ]

    /// The fields of a video in `/business/video/list/`.
    static let videoFields: Set<String> = [
        "item_id", "create_time", "caption", "likes", "comments", "shares", "video_views", "reach", "favorites",
        "video_duration", "thumbnail_url", "share_url", "embed_url",
    ]

    // MARK: Profile

    private func followers(_ openID: String) -> Int {
        var random = SplitMix64(seed: self.seed, "followers", openID)
        return random.inRange(1_000...2_000_000)
    }

    /// The `/business/get/` account fields.
    func profile(_ user: EmulatedUser) -> JSONValue {
        var random = SplitMix64(seed: self.seed, "profile", user.openID)
        let videoCount = self.videoCount(user.openID)
        let likes = (0..<videoCount).reduce(0) { $0 + self.videoCounters($1, openID: user.openID).likes }
        return [
            "display_name": .string(user.displayName),
            "username": .string(user.username),
            "profile_image": .string("https://p16-sign.tiktokcdn.example/avatar/\(user.openID.suffix(12)).jpeg"),
            "bio_description": .string("Official account of \(user.displayName)"),
            "is_verified": .bool(random.below(4) == 0),
            "is_business_account": true,
            "profile_deep_link": .string("https://www.tiktok.com/@\(user.username)"),
            "followers_count": .int(self.followers(user.openID)),
            "following_count": .int(random.inRange(10...900)),
            "videos_count": .int(videoCount),
            "likes_count": .int(likes),
            "total_likes": .int(likes),
        ]
    }

    /// The daily `metrics` entries of `/business/get/` for the days `days` (days since 1970-01-01).
    func dailyMetrics(_ user: EmulatedUser, days: ClosedRange<Int>) -> [JSONValue] {
        let base = self.followers(user.openID)
        let anchorDay = Self.videoAnchor / 86_400
        let growth = max(1, base / 2_000)
        return days.map { day in
            var random = SplitMix64(seed: self.seed, "business-day", user.openID, String(day))
            let views = random.inRange(500...60_000)
            let likes = views * random.inRange(2...10) / 100
            return [
                "date": .string(CivilDate(dayNumber: day).iso),
                "video_views": .int(views),
                "likes": .int(likes),
                "comments": .int(likes / 12),
                "shares": .int(likes / 9),
                "followers_count": .int(max(0, base + (day - anchorDay) * growth)),
                "profile_views": .int(views / 40),
            ]
        }
    }

    // MARK: Videos

    /// The number of videos of an account (40–50, about 45).
    func videoCount(_ openID: String) -> Int {
        var random = SplitMix64(seed: self.seed, "video-count", openID)
        return 40 + random.below(11)
    }

    /// The `item_id` of the video at `index` (0 is the newest).
    func videoID(_ index: Int, openID: String) -> String {
        var random = SplitMix64(seed: self.seed, "video-id", openID, String(index))
        return "7" + random.digits(18, leadingNonZero: false)
    }

    /// The index of `itemID` among the account's videos.
    func videoIndex(of itemID: String, openID: String) -> Int? {
        (0..<self.videoCount(openID)).first { self.videoID($0, openID: openID) == itemID }
    }

    private func videoCreateTime(_ index: Int, openID: String) -> Int {
        var random = SplitMix64(seed: self.seed, "video-time", openID, String(index))
        return Self.videoAnchor - index * 2 * 86_400 - random.below(86_400)
    }

    private func videoCounters(_ index: Int, openID: String) -> (views: Int, likes: Int, shares: Int) {
        var random = SplitMix64(seed: self.seed, "video", openID, String(index))
        let views = random.inRange(1_000...500_000)
        let likes = views * random.inRange(2...12) / 100
        return (views, likes, likes * random.below(10) / 100)
    }

    /// The number of comments of a video (0–40); the listing returns exactly this many.
    func commentCount(_ index: Int, openID: String) -> Int {
        var random = SplitMix64(seed: self.seed, "comment-count", openID, String(index))
        return random.below(41)
    }

    /// The video at `index`, with every field.
    func video(_ index: Int, user: EmulatedUser) -> JSONValue {
        var random = SplitMix64(seed: self.seed, "video-text", user.openID, String(index))
        let itemID = self.videoID(index, openID: user.openID)
        let counters = self.videoCounters(index, openID: user.openID)
        let caption = "\(random.pick(Self.captions)) \(random.pick(Self.hashtags))"
        return [
            "item_id": .string(itemID),
            "create_time": .int(self.videoCreateTime(index, openID: user.openID)),
            "caption": .string(caption),
            "likes": .int(counters.likes),
            "comments": .int(self.commentCount(index, openID: user.openID)),
            "shares": .int(counters.shares),
            "video_views": .int(counters.views),
            "reach": .int(counters.views * 8 / 10),
            "favorites": .int(counters.likes / 7),
            "video_duration": .double(Double(random.inRange(50...1_800)) / 10),
            "thumbnail_url": .string("https://p16-sign.tiktokcdn.example/thumb/\(itemID).jpeg"),
            "share_url": .string("https://www.tiktok.com/@\(user.username)/video/\(itemID)"),
            "embed_url": .string("https://www.tiktok.com/embed/v2/\(itemID)"),
        ]
    }

    /// How many videos a page starting at `cursor` returns for `maxCount`: now and then one fewer than asked while
    /// more remain, as TikTok does.
    func videoPageSize(cursor: Int, maxCount: Int, openID: String) -> Int {
        let remaining = self.videoCount(openID) - cursor
        guard remaining > maxCount, maxCount > 1 else { return max(0, min(maxCount, remaining)) }
        var random = SplitMix64(seed: self.seed, "video-page", openID, String(cursor))
        return random.below(3) == 0 ? maxCount - 1 : maxCount
    }

    // MARK: Comments

    /// The comment at `index` of the video at `videoIndex`.
    func comment(_ index: Int, videoIndex: Int, user: EmulatedUser) -> JSONValue {
        var random = SplitMix64(seed: self.seed, "comment", user.openID, String(videoIndex), String(index))
        let created = self.videoCreateTime(videoIndex, openID: user.openID) + (index + 1) * 600 + random.below(600)
        return [
            "comment_id": .string("7" + random.digits(18, leadingNonZero: false)),
            "video_id": .string(self.videoID(videoIndex, openID: user.openID)),
            "user_id": .string("_000" + random.hex(32)),
            "username": .string("viewer_\(random.digits(4))"),
            "text": .string(random.pick(Self.commentTexts)),
            "likes": .int(random.below(500)),
            "replies": .int(random.below(6)),
            "owner": false,
            "liked": false,
            "pinned": false,
            "status": "PUBLIC",
            "create_time": .int(created),
        ]
    }
}
