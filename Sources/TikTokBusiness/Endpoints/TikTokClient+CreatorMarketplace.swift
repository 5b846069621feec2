import Foundation

extension TikTokClient {
    /// The Creator Marketplace accounts a TTCM access token covers (`GET /tto/oauth2/tcm/`). Also the liveness check
    /// for TTCM account tokens.
    public func tcmAccountIDs(accessToken: String) async throws -> [String] {
        let response = try await send(
            "GET", "/tto/oauth2/tcm/",
            query: ["app_id": .string(configuration.appID), "secret": .string(configuration.secret)], body: nil,
            accessToken: accessToken, retry: .idempotent
        ) { data in
            try data.object(for: [String].self).lenientStrings("tto_tcm_account_ids")
        }
        guard let ids = response.data else {
            throw TikTokError(
                category: .invalidResponse, message: "The response has no data.", requestID: response.head.requestID,
                endpoint: "/tto/oauth2/tcm/")
        }
        return ids
    }

    /// One Creator Marketplace account (`GET /tto/oauth2/info/`).
    public func tcmAccountInfo(id: String, accessToken: String) async throws -> TCMAccountInfo {
        try await request(
            "GET", "/tto/oauth2/info/", query: ["tto_tcm_account_id": .string(id)], accessToken: accessToken,
            as: TCMAccountInfo.self)
    }
}
