import Foundation

/// A TikTok business account's profile and daily metrics (`/business/get/`).
public struct BusinessAccount: Sendable, Hashable, Decodable {
    /// The display name.
    public var displayName: String?
    /// The profile image URL.
    public var profileImage: String?
    /// Followers.
    public var followersCount: Int?
    /// Daily metrics, one object per day (`date`, `video_views`, `likes`, …).
    public var metrics: [JSONValue]
    /// The whole object as TikTok sent it.
    public var raw: JSONValue

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        displayName = try container.lenientString(AnyCodingKey("display_name"))
        profileImage = try container.lenientString(AnyCodingKey("profile_image"))
        followersCount = try container.lenientInt(AnyCodingKey("followers_count"))
        metrics = try container.decodeIfPresent([JSONValue].self, forKey: AnyCodingKey("metrics")) ?? []
        raw = try JSONValue(from: decoder)
    }
}

/// A video of a business account (`/business/video/list/`).
public struct BusinessVideo: Sendable, Hashable, Decodable {
    /// The video id.
    public var itemID: String
    /// Creation time (Unix seconds).
    public var createTime: Int?
    /// The caption.
    public var caption: String?
    /// Likes.
    public var likes: Int?
    /// Comments.
    public var comments: Int?
    /// Shares.
    public var shares: Int?
    /// Views.
    public var videoViews: Int?
    /// The whole object as TikTok sent it.
    public var raw: JSONValue

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        itemID = try container.lenientString(AnyCodingKey("item_id")) ?? ""
        createTime = try container.lenientInt(AnyCodingKey("create_time"))
        caption = try container.lenientString(AnyCodingKey("caption"))
        likes = try container.lenientInt(AnyCodingKey("likes"))
        comments = try container.lenientInt(AnyCodingKey("comments"))
        shares = try container.lenientInt(AnyCodingKey("shares"))
        videoViews = try container.lenientInt(AnyCodingKey("video_views"))
        raw = try JSONValue(from: decoder)
    }
}

/// A comment on a business account's video (`/business/comment/list/`).
public struct BusinessComment: Sendable, Hashable, Decodable {
    /// The comment id.
    public var commentID: String
    /// The video it is on.
    public var videoID: String?
    /// The text.
    public var text: String?
    /// Likes.
    public var likes: Int?
    /// Replies.
    public var replies: Int?
    /// Creation time (Unix seconds).
    public var createTime: Int?
    /// The whole object as TikTok sent it.
    public var raw: JSONValue

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        commentID = try container.lenientString(AnyCodingKey("comment_id")) ?? ""
        videoID = try container.lenientString(AnyCodingKey("video_id"))
        text = try container.lenientString(AnyCodingKey("text"))
        likes = try container.lenientInt(AnyCodingKey("likes"))
        replies = try container.lenientInt(AnyCodingKey("replies"))
        createTime = try container.lenientInt(AnyCodingKey("create_time"))
        raw = try JSONValue(from: decoder)
    }
}
