import Foundation
import Logging
import TikTokBusiness

/// Display names from TikTok: looked up after each authorization and by the liveness check, so that people see
/// "Acme Shoes (7012…)" rather than ids. A failed lookup never fails what it accompanies; the names stay as they were.
extension ConnectionManager {
    /// The names of the advertisers a token covers (`/oauth2/advertiser/get/`), or none when the lookup fails.
    func advertiserNames(accessToken: String) async -> [String: String] {
        do {
            var names: [String: String] = [:]
            for advertiser in try await client.authorizedAdvertisers(accessToken: accessToken) {
                names[advertiser.advertiserID] = advertiser.advertiserName
            }
            return names
        } catch {
            logger.notice("Could not look up advertiser names", metadata: ["tiktok.error": "\(error)"])
            return [:]
        }
    }

    /// The names of TTCM accounts (`/tto/oauth2/info/`), as many as could be looked up.
    func tcmAccountNames(_ ids: [String], accessToken: String) async -> [String: String] {
        var names: [String: String] = [:]
        for id in ids {
            do {
                names[id] = try await client.tcmAccountInfo(id: id, accessToken: accessToken).accountName
            } catch {
                logger.notice("Could not look up a TTCM account's name", metadata: ["tiktok.error": "\(error)"])
            }
        }
        return names
    }

    /// An account holder's display name and avatar (`/business/get/`), or `nil` when the lookup fails.
    func accountProfile(openID: String, accessToken: String) async -> BusinessAccount? {
        do {
            return try await client.businessAccount(
                businessID: openID, fields: ["display_name", "profile_image"], accessToken: accessToken)
        } catch {
            logger.notice("Could not look up the account's display name", metadata: ["tiktok.error": "\(error)"])
            return nil
        }
    }
}

extension Connection {
    /// Merges names looked up for `identities` (the current ones; names of identities no longer covered are dropped)
    /// and sets ``displayName`` to the first identity's name.
    mutating func applyNames(_ fresh: [String: String], keeping identities: [String]) {
        var merged: [String: String] = [:]
        for identity in identities {
            if let name = fresh[identity] ?? names[identity], !name.isEmpty { merged[identity] = name }
        }
        names = merged
        displayName = identities.lazy.compactMap { merged[$0] }.first ?? displayName
    }
}
