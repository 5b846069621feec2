import Foundation

extension TikTokClient {
    /// The Creator Marketplace accounts a TTCM access token covers (`GET /tto/oauth2/tcm/`). Also the liveness check
    /// for TTCM account tokens.
    public func tcmAccountIDs(accessToken: String) async throws -> [String] {
        struct Payload: Decodable, Sendable {
            var ids: [String]
            enum CodingKeys: String, CodingKey { case ids = "tto_tcm_account_ids" }
            init(from decoder: any Decoder) throws {
                ids = try decoder.container(keyedBy: CodingKeys.self).lenientStrings(.ids)
            }
        }
        return try await request(
            "GET", "/tto/oauth2/tcm/",
            query: ["app_id": .string(configuration.appID), "secret": .string(configuration.secret)],
            accessToken: accessToken, as: Payload.self
        ).ids
    }

    /// One Creator Marketplace account (`GET /tto/oauth2/info/`).
    public func tcmAccountInfo(id: String, accessToken: String) async throws -> TCMAccountInfo {
        try await request(
            "GET", "/tto/oauth2/info/", query: ["tto_tcm_account_id": .string(id)], accessToken: accessToken,
            as: TCMAccountInfo.self)
    }
}
