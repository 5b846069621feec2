import Foundation

/// An advertiser account an access token is authorized for (`/oauth2/advertiser/get/`).
public struct AuthorizedAdvertiser: Sendable, Hashable, Decodable {
    /// The advertiser id.
    public var advertiserID: String
    /// The advertiser's name.
    public var advertiserName: String?

    /// Creates a value.
    public init(advertiserID: String, advertiserName: String?) {
        self.advertiserID = advertiserID
        self.advertiserName = advertiserName
    }

    enum CodingKeys: String, CodingKey {
        case advertiserID = "advertiser_id"
        case advertiserName = "advertiser_name"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        advertiserID = try container.lenientString(.advertiserID) ?? ""
        advertiserName = try container.lenientString(.advertiserName)
    }
}

/// What `/oauth2/revoke_token/` returns.
public struct RevokedAdvertiserToken: Sendable, Hashable, Decodable {
    /// The app id.
    public var appID: String?
    /// The advertisers the revoked token covered.
    public var advertiserIDs: [String]

    enum CodingKeys: String, CodingKey {
        case appID = "app_id"
        case advertiserIDs = "advertiser_ids"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        appID = try container.lenientString(.appID)
        advertiserIDs = try container.lenientStrings(.advertiserIDs)
    }
}

/// What `/tt_user/token_info/get/` returns about an account holder's access token.
public struct AccountTokenInfo: Sendable, Hashable, Decodable {
    /// The app id the token belongs to.
    public var appID: String?
    /// The user's open id (`creator_id`).
    public var openID: String
    /// The scopes the token carries.
    public var scopes: [String]

    enum CodingKeys: String, CodingKey {
        case appID = "app_id"
        case creatorID = "creator_id"
        case scope
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        appID = try container.lenientString(.appID)
        openID = try container.lenientString(.creatorID) ?? ""
        if let text = try? container.decode(String.self, forKey: .scope) {
            scopes = text.split(separator: ",").map(String.init)
        } else {
            scopes = try container.lenientStrings(.scope)
        }
    }
}

/// A Creator Marketplace (TTCM) account (`/tto/oauth2/info/`).
public struct TCMAccountInfo: Sendable, Hashable, Decodable {
    /// The TTCM account id.
    public var id: String
    /// The account's name.
    public var accountName: String?
    /// The account's time zone.
    public var timezone: String?
    /// The account's country.
    public var country: String?
    /// The business verification status.
    public var businessVerificationStatus: String?
    /// The whole object as TikTok sent it.
    ///
    /// Built from the response bytes the value keeps, each time it is read, so that decoding costs nothing for it.
    /// Setting it replaces those bytes with the value set.
    public var raw: JSONValue {
        get { rawStorage.value }
        set { rawStorage = LazyJSON(newValue) }
    }
    private var rawStorage: LazyJSON

    enum CodingKeys: String, CodingKey {
        case id = "tto_tcm_account_id"
        case accountName = "account_name"
        case timezone, country
        case businessVerificationStatus = "business_verification_status"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.lenientString(.id) ?? ""
        accountName = try container.lenientString(.accountName)
        timezone = try container.lenientString(.timezone)
        country = try container.lenientString(.country)
        businessVerificationStatus = try container.lenientString(.businessVerificationStatus)
        rawStorage = LazyJSON(try JSONValue(from: decoder))
    }
}

// MARK: - Decoding straight from the response bytes

extension AuthorizedAdvertiser: JSONNodeDecodable {
    init(jsonNode node: JSONNode) throws {
        let object = try node.object(for: Self.self)
        advertiserID = object.lenientString("advertiser_id") ?? ""
        advertiserName = object.lenientString("advertiser_name")
    }
}

extension RevokedAdvertiserToken: JSONNodeDecodable {
    init(jsonNode node: JSONNode) throws {
        let object = try node.object(for: Self.self)
        appID = object.lenientString("app_id")
        advertiserIDs = try object.lenientStrings("advertiser_ids")
    }
}

extension AccountTokenInfo: JSONNodeDecodable {
    init(jsonNode node: JSONNode) throws {
        let object = try node.object(for: Self.self)
        appID = object.lenientString("app_id")
        openID = object.lenientString("creator_id") ?? ""
        if let scope = object.member("scope"), let text = scope.stringValue {
            scopes = text.split(separator: ",").map(String.init)
        } else {
            scopes = try object.lenientStrings("scope")
        }
    }
}

extension TCMAccountInfo: JSONNodeDecodable {
    private enum Field: Int, JSONFieldKey {
        case id, accountName, timezone, country, businessVerificationStatus
        static let keys = JSONKeys([
            "tto_tcm_account_id", "account_name", "timezone", "country", "business_verification_status",
        ])
    }

    init(jsonNode node: JSONNode) throws {
        let object = try node.fields(for: Self.self, keyedBy: Field.self)
        id = object.lenientString(.id) ?? ""
        accountName = object.lenientString(.accountName)
        timezone = object.lenientString(.timezone)
        country = object.lenientString(.country)
        businessVerificationStatus = object.lenientString(.businessVerificationStatus)
        rawStorage = object.object.lazyValue
    }
}
