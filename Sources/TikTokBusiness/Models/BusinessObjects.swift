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
    ///
    /// Built from the response bytes the value keeps, each time it is read, so that decoding costs nothing for it.
    /// Setting it replaces those bytes with the value set.
    public var raw: JSONValue {
        get { rawStorage.value }
        set { rawStorage = LazyJSON(newValue) }
    }
    private var rawStorage: LazyJSON

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        displayName = try container.lenientString(AnyCodingKey("display_name"))
        profileImage = try container.lenientString(AnyCodingKey("profile_image"))
        followersCount = try container.lenientInt(AnyCodingKey("followers_count"))
        metrics = try container.decodeIfPresent([JSONValue].self, forKey: AnyCodingKey("metrics")) ?? []
        rawStorage = LazyJSON(try JSONValue(from: decoder))
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
    ///
    /// Built from the response bytes the value keeps, each time it is read, so that decoding costs nothing for it.
    /// Setting it replaces those bytes with the value set.
    public var raw: JSONValue {
        get { rawStorage.value }
        set { rawStorage = LazyJSON(newValue) }
    }
    private var rawStorage: LazyJSON

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        itemID = try container.lenientString(AnyCodingKey("item_id")) ?? ""
        createTime = try container.lenientInt(AnyCodingKey("create_time"))
        caption = try container.lenientString(AnyCodingKey("caption"))
        likes = try container.lenientInt(AnyCodingKey("likes"))
        comments = try container.lenientInt(AnyCodingKey("comments"))
        shares = try container.lenientInt(AnyCodingKey("shares"))
        videoViews = try container.lenientInt(AnyCodingKey("video_views"))
        rawStorage = LazyJSON(try JSONValue(from: decoder))
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
    ///
    /// Built from the response bytes the value keeps, each time it is read, so that decoding costs nothing for it.
    /// Setting it replaces those bytes with the value set.
    public var raw: JSONValue {
        get { rawStorage.value }
        set { rawStorage = LazyJSON(newValue) }
    }
    private var rawStorage: LazyJSON

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        commentID = try container.lenientString(AnyCodingKey("comment_id")) ?? ""
        videoID = try container.lenientString(AnyCodingKey("video_id"))
        text = try container.lenientString(AnyCodingKey("text"))
        likes = try container.lenientInt(AnyCodingKey("likes"))
        replies = try container.lenientInt(AnyCodingKey("replies"))
        createTime = try container.lenientInt(AnyCodingKey("create_time"))
        rawStorage = LazyJSON(try JSONValue(from: decoder))
    }
}

// MARK: - Decoding straight from the response bytes

extension BusinessAccount: JSONNodeDecodable {
    init(jsonNode node: JSONNode) throws {
        let object = try node.object(for: Self.self)
        displayName = object.lenientString("display_name")
        profileImage = object.lenientString("profile_image")
        followersCount = object.lenientInt("followers_count")
        metrics = try object.member("metrics")?.decodeArray(JSONValue.self) ?? []
        rawStorage = object.lazyValue
    }
}

extension BusinessVideo: JSONNodeDecodable {
    private enum Field: Int, JSONFieldKey {
        case itemID, createTime, caption, likes, comments, shares, videoViews
        static let keys = JSONKeys(["item_id", "create_time", "caption", "likes", "comments", "shares", "video_views"])
    }

    init(jsonNode node: JSONNode) throws {
        let object = try node.fields(for: Self.self, keyedBy: Field.self)
        itemID = object.lenientString(.itemID) ?? ""
        createTime = object.lenientInt(.createTime)
        caption = object.lenientString(.caption)
        likes = object.lenientInt(.likes)
        comments = object.lenientInt(.comments)
        shares = object.lenientInt(.shares)
        videoViews = object.lenientInt(.videoViews)
        rawStorage = object.object.lazyValue
    }
}

extension BusinessComment: JSONNodeDecodable {
    private enum Field: Int, JSONFieldKey {
        case commentID, videoID, text, likes, replies, createTime
        static let keys = JSONKeys(["comment_id", "video_id", "text", "likes", "replies", "create_time"])
    }

    init(jsonNode node: JSONNode) throws {
        let object = try node.fields(for: Self.self, keyedBy: Field.self)
        commentID = object.lenientString(.commentID) ?? ""
        videoID = object.lenientString(.videoID)
        text = object.lenientString(.text)
        likes = object.lenientInt(.likes)
        replies = object.lenientInt(.replies)
        createTime = object.lenientInt(.createTime)
        rawStorage = object.object.lazyValue
    }
}
