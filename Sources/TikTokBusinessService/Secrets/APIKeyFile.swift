import Foundation
import TikTokConnections

/// The management API key: `TIKTOK_BUSINESS_API_KEY`, else read from `api-key` beside the SQLite database, generated
/// there (0600) only when that file does not exist.
public enum APIKeyFile {
    /// The key, and whether it was generated now (to be shown once).
    public static func load(settings: ServiceSettings, directory: String?) throws -> (key: String, generatedAt: String?)
    {
        if let key = settings.apiKey {
            guard key.count >= 16 else {
                throw SettingsError("TIKTOK_BUSINESS_API_KEY must be at least 16 characters.")
            }
            return (key, nil)
        }
        guard let directory else {
            throw SettingsError("TIKTOK_BUSINESS_API_KEY is required with a database that has no local folder.")
        }
        let path = directory + "/api-key"
        for _ in 0..<3 {
            switch try SecretFile.read(path, what: "The API key file") {
            case .text(let key):
                return (key, nil)
            case .missing:
                let key = "tbk_" + RandomID.urlSafe(bytes: 32)
                if try SecretFile.create(key + "\n", at: path) { return (key, path) }
            // Another process created it meanwhile: read that one.
            }
        }
        throw SettingsError("The API key file \(path) keeps changing; is another process rewriting it?")
    }
}
