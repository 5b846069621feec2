import Foundation
import Logging
import TikTokConnections
import TikTokConnectionsPostgres
import TikTokConnectionsSQLite

extension VaultEnvironment {
    /// Opens the store named by a database URL: the store, the folder for generated secrets (SQLite only), and the
    /// PostgreSQL store whose pool must run (sized and timed by the `TIKTOK_BUSINESS_DATABASE_…` settings).
    static func openStore(_ url: String, settings: ServiceSettings, logger: Logger) throws -> (
        any ConnectionStore, String?, PostgresConnectionStore?
    ) {
        if url.hasPrefix("sqlite://") {
            let path = String(url.dropFirst("sqlite://".count))
            guard !path.isEmpty else { throw SettingsError("TIKTOK_BUSINESS_DATABASE_URL names no SQLite file.") }
            let directory = (path as NSString).deletingLastPathComponent
            do {
                return (
                    try SQLiteConnectionStore(path: path, logger: Logger(label: "tiktok-business.sqlite")),
                    directory.isEmpty ? "." : directory, nil
                )
            } catch {
                throw SettingsError("The SQLite database \(path) could not be opened: \(error)")
            }
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            do {
                var configuration = try PostgresConnectionStore.Configuration(url: url)
                if let maximum = settings.databaseMaximumConnections { configuration.maximumConnections = maximum }
                if let timeout = settings.databaseConnectTimeout { configuration.connectTimeout = .seconds(timeout) }
                if let timeout = settings.databaseWaitTimeout {
                    configuration.connectionWaitTimeout = .seconds(timeout)
                }
                let store = PostgresConnectionStore(
                    configuration: configuration, logger: Logger(label: "tiktok-business.postgres"))
                return (store, nil, store)
            } catch {
                throw SettingsError("TIKTOK_BUSINESS_DATABASE_URL is not a valid PostgreSQL URL: \(error)")
            }
        }
        throw SettingsError("TIKTOK_BUSINESS_DATABASE_URL must start with sqlite:// or postgres://.")
    }
}
