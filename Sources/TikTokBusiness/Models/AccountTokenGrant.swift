import Foundation

/// What `/tt_user/oauth2/token/` and `/tt_user/oauth2/refresh_token/` return: a TikTok account holder's (or
/// creator's) access token, typically valid 24 hours, and a refresh token, typically valid one year from the original
/// grant.
///
/// Lifetimes are TikTok's `expires_in` and `refresh_token_expires_in`, turned into dates at receipt with the client's
/// clock. Nothing here hard-codes a lifetime.
public struct AccountTokenGrant: Sendable, Hashable, CustomStringConvertible {
    /// The access token. Never log it.
    public var accessToken: String
    /// The token type, `Bearer`.
    public var tokenType: String?
    /// The granted scopes (TikTok sends them as one comma-separated string).
    public var scopes: [String]
    /// Seconds the access token was valid for when issued.
    public var expiresIn: Int
    /// When the access token expires.
    public var accessTokenExpiresAt: Date
    /// The refresh token. Persist whatever comes back: TikTok may rotate it. Never log it.
    public var refreshToken: String
    /// Seconds the refresh token was valid for when this response was issued.
    public var refreshTokenExpiresIn: Int
    /// When the refresh token expires: after that the user must authorize again.
    public var refreshTokenExpiresAt: Date
    /// The user's open id; later calls send it as `business_id`.
    public var openID: String

    /// Creates a grant.
    public init(
        accessToken: String, tokenType: String? = "Bearer", scopes: [String], expiresIn: Int,
        accessTokenExpiresAt: Date, refreshToken: String, refreshTokenExpiresIn: Int, refreshTokenExpiresAt: Date,
        openID: String
    ) {
        self.accessToken = accessToken
        self.tokenType = tokenType
        self.scopes = scopes
        self.expiresIn = expiresIn
        self.accessTokenExpiresAt = accessTokenExpiresAt
        self.refreshToken = refreshToken
        self.refreshTokenExpiresIn = refreshTokenExpiresIn
        self.refreshTokenExpiresAt = refreshTokenExpiresAt
        self.openID = openID
    }

    /// Describes the grant without its tokens.
    public var description: String {
        "AccountTokenGrant(openID: \(openID), scopes: \(scopes), accessTokenExpiresAt: \(accessTokenExpiresAt), "
            + "refreshTokenExpiresAt: \(refreshTokenExpiresAt), tokens: <redacted>)"
    }
}

/// The wire form of an account token response, before its lifetimes are anchored to a clock.
struct AccountTokenPayload: Decodable, Sendable {
    var accessToken: String
    var tokenType: String?
    var scope: String
    var expiresIn: Int
    var refreshToken: String
    var refreshTokenExpiresIn: Int
    var openID: String

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case tokenType = "token_type"
        case scope
        case expiresIn = "expires_in"
        case refreshToken = "refresh_token"
        case refreshTokenExpiresIn = "refresh_token_expires_in"
        case openID = "open_id"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func required(_ key: CodingKeys) throws -> String {
            guard let value = try container.lenientString(key), !value.isEmpty else {
                throw DecodingError.keyNotFound(
                    key, .init(codingPath: decoder.codingPath, debugDescription: "missing \(key.stringValue)"))
            }
            return value
        }
        accessToken = try required(.accessToken)
        refreshToken = try required(.refreshToken)
        openID = try required(.openID)
        tokenType = try container.lenientString(.tokenType)
        // `scope` is a comma string; tolerate an array too.
        if let text = try? container.decode(String.self, forKey: .scope) {
            scope = text
        } else {
            scope = try container.lenientStrings(.scope).joined(separator: ",")
        }
        guard let expires = try container.lenientInt(.expiresIn),
            let refreshExpires = try container.lenientInt(.refreshTokenExpiresIn)
        else {
            throw DecodingError.keyNotFound(
                CodingKeys.expiresIn, .init(codingPath: decoder.codingPath, debugDescription: "missing lifetimes"))
        }
        expiresIn = expires
        refreshTokenExpiresIn = refreshExpires
    }

    func grant(receivedAt now: Date) -> AccountTokenGrant {
        AccountTokenGrant(
            accessToken: accessToken, tokenType: tokenType,
            scopes: scope.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty },
            expiresIn: expiresIn, accessTokenExpiresAt: now.addingTimeInterval(TimeInterval(expiresIn)),
            refreshToken: refreshToken, refreshTokenExpiresIn: refreshTokenExpiresIn,
            refreshTokenExpiresAt: now.addingTimeInterval(TimeInterval(refreshTokenExpiresIn)), openID: openID)
    }
}

extension AccountTokenPayload: JSONNodeDecodable {
    init(jsonNode node: JSONNode) throws {
        let object = try node.object(for: Self.self)
        func required(_ key: CodingKeys, _ name: StaticString) throws -> String {
            guard let value = object.lenientString(name), !value.isEmpty else {
                throw DecodingError.keyNotFound(
                    key, .init(codingPath: [], debugDescription: "missing \(key.stringValue)"))
            }
            return value
        }
        accessToken = try required(.accessToken, "access_token")
        refreshToken = try required(.refreshToken, "refresh_token")
        openID = try required(.openID, "open_id")
        tokenType = object.lenientString("token_type")
        // `scope` is a comma string; tolerate an array too.
        if let text = object.member("scope")?.stringValue {
            scope = text
        } else {
            scope = try object.lenientStrings("scope").joined(separator: ",")
        }
        guard let expires = object.lenientInt("expires_in"),
            let refreshExpires = object.lenientInt("refresh_token_expires_in")
        else {
            throw DecodingError.keyNotFound(
                CodingKeys.expiresIn, .init(codingPath: [], debugDescription: "missing lifetimes"))
        }
        expiresIn = expires
        refreshTokenExpiresIn = refreshExpires
    }
}
