import Foundation

/// Which TikTok a database serves: the app and the API host it was made with, and whether it is a sandbox (the
/// built-in emulator). Never the app secret.
///
/// A database holds tokens that only this app can refresh, check or revoke; an instance configured for another app
/// (a missing environment file, a wrong `TIKTOK_APP_ID`, TikTok's sandbox host) would spend them against the wrong
/// TikTok and lose them. The service records the identity on first use and refuses to open the database with another.
public struct VaultIdentity: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The TikTok app id (`TIKTOK_APP_ID`), or the sandbox app's.
    public var appID: String
    /// The API base URL (`TIKTOK_API_BASE_URL`), normalized; for a sandbox, the built-in emulator's marker.
    public var apiBaseURL: String
    /// Whether this is a sandbox database (the built-in emulator's tokens).
    public var sandbox: Bool

    /// The API base URL recorded for sandbox databases, whatever port the emulator listens on.
    public static let sandboxAPIBaseURL = "sandbox:built-in-emulator"

    /// Creates an identity; the URL is normalized (scheme and host lower-cased, one trailing slash).
    public init(appID: String, apiBaseURL: String, sandbox: Bool) {
        self.appID = appID
        self.apiBaseURL = sandbox ? Self.sandboxAPIBaseURL : Self.normalize(apiBaseURL)
        self.sandbox = sandbox
    }

    enum CodingKeys: String, CodingKey {
        case appID = "app_id"
        case apiBaseURL = "api_base_url"
        case sandbox
    }

    /// `app_id=…, api_base_url=…` (plus `sandbox`), as shown in messages.
    public var description: String {
        "app \(appID) at \(apiBaseURL)" + (sandbox ? " (sandbox)" : "")
    }

    static func normalize(_ url: String) -> String {
        guard var components = URLComponents(string: url.trimmingCharacters(in: .whitespaces)) else { return url }
        components.scheme = components.scheme?.lowercased()
        components.host = components.host?.lowercased()
        if !components.path.hasSuffix("/") { components.path += "/" }
        return components.string ?? url
    }

    /// The identity as stored (JSON text).
    public var storedText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// Reads a stored identity.
    public init(storedText: String) throws {
        do {
            self = try JSONDecoder().decode(VaultIdentity.self, from: Data(storedText.utf8))
        } catch {
            throw ConnectionStoreError("The stored app identity is not readable.", underlying: error)
        }
    }
}

/// A running instance as it last reported itself: which key it seals new tokens with.
///
/// Instances report every few seconds (``ConnectionStore/recordInstance(_:)``); `keys rotate` reads the reports to
/// know when every running instance seals under the new key, before it re-seals the rest and drops the old key.
public struct VaultInstance: Sendable, Hashable {
    /// The instance id (`ConnectionManager.Configuration.instanceID`).
    public var id: String
    /// The id of the key this instance seals with.
    public var sealingKeyID: String
    /// The ids of every key this instance can open.
    public var keyIDs: [String]
    /// When it reported.
    public var seenAt: Date

    /// Creates a report.
    public init(id: String, sealingKeyID: String, keyIDs: [String], seenAt: Date) {
        self.id = id
        self.sealingKeyID = sealingKeyID
        self.keyIDs = keyIDs
        self.seenAt = seenAt
    }
}
