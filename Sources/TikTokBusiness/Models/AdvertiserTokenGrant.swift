import Foundation

/// What `/oauth2/access_token/` returns: a Marketing API (or TTCM account) access token, which does not expire.
public struct AdvertiserTokenGrant: Sendable, Hashable, CustomStringConvertible {
    /// The access token. Never log it.
    public var accessToken: String
    /// The advertiser accounts the token covers (empty when requested with `return_advertiser_ids: false`).
    public var advertiserIDs: [String]
    /// The granted permission ids.
    public var scope: [Int]

    /// Creates a grant.
    public init(accessToken: String, advertiserIDs: [String], scope: [Int]) {
        self.accessToken = accessToken
        self.advertiserIDs = advertiserIDs
        self.scope = scope
    }

    /// Describes the grant without its token.
    public var description: String {
        "AdvertiserTokenGrant(advertiserIDs: \(advertiserIDs), scope: \(scope), accessToken: <redacted>)"
    }
}

extension AdvertiserTokenGrant: Decodable {
    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case advertiserIDs = "advertiser_ids"
        case scope
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard let token = try container.lenientString(.accessToken), !token.isEmpty else {
            throw DecodingError.keyNotFound(
                CodingKeys.accessToken, .init(codingPath: decoder.codingPath, debugDescription: "no access_token"))
        }
        accessToken = token
        advertiserIDs = try container.lenientStrings(.advertiserIDs)
        scope = try container.lenientStrings(.scope).compactMap { Int($0) }
    }
}

extension AdvertiserTokenGrant: JSONNodeDecodable {
    init(jsonNode node: JSONNode) throws {
        let object = try node.object(for: Self.self)
        guard let token = object.lenientString("access_token"), !token.isEmpty else {
            throw DecodingError.keyNotFound(
                CodingKeys.accessToken, .init(codingPath: [], debugDescription: "no access_token"))
        }
        accessToken = token
        advertiserIDs = try object.lenientStrings("advertiser_ids")
        scope = try object.lenientStrings("scope").compactMap { Int($0) }
    }
}
