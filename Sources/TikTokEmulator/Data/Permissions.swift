/// The permission and scope vocabulary shown on the consent pages and returned by the token endpoints.
enum Permissions {
    /// Advertiser-flow permission ids (the integers of `scope` in `/oauth2/access_token/`) with their names.
    static let advertiser: [(id: Int, name: String, detail: String)] = [
        (1, "Ad account management", "View and edit ad account information and settings"),
        (2, "Ads management", "Create, edit and read campaigns, ad groups and ads"),
        (4, "Reporting", "Read performance reports for your ad accounts"),
        (5, "Audience management", "Create and manage custom audiences"),
        (15, "TikTok Creator Marketplace", "Access your TikTok Creator Marketplace account"),
    ]

    /// The permission ids granted by an advertiser consent.
    static let defaultAdvertiserScopeIDs = advertiser.map(\.id)

    /// The name of an advertiser permission id.
    static func advertiserName(_ id: Int) -> String {
        self.advertiser.first { $0.id == id }?.name ?? "Permission \(id)"
    }

    /// Descriptions of account-holder scopes; unknown scopes are shown by name.
    static let accountScopeDescriptions: [String: String] = [
        "user.info.basic": "Read your profile info (avatar, display name)",
        "user.info.username": "Read your username",
        "user.info.profile": "Read your profile details (bio, profile link, verification)",
        "user.info.stats": "Read your follower, following, likes and video counts",
        "user.account.type": "Read whether your account is a personal or business account",
        "user.insights": "Read your account insights",
        "video.list": "Read your public videos",
        "video.insights": "Read the performance of your videos",
        "video.publish": "Publish videos to your account",
        "video.upload": "Upload videos to your account as drafts",
        "comment.list": "Read comments on your videos",
        "comment.list.manage": "Reply to, hide and delete comments on your videos",
        "biz.creator.info": "Read your creator profile",
        "biz.creator.insights": "Read your creator insights",
        "tcm.order.update": "Accept and update Creator Marketplace orders",
        "tto.campaign.link": "Link your videos to Creator Marketplace campaigns",
    ]

    /// Splits a comma-separated scope string into trimmed, unique, non-empty scopes (order kept).
    static func splitScopes(_ text: String) -> [String] {
        var seen = Set<String>()
        return text.split(separator: ",").compactMap { part in
            let scope = part.trimmingWhitespace()
            guard !scope.isEmpty, seen.insert(scope).inserted else { return nil }
            return scope
        }
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces, tabs and newlines.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = self.firstIndex(where: { !isSpace($0) }),
            let last = self.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(self[first...last])
    }
}
