import Foundation
import Logging
import TikTokConnections
import TikTokConnectionsPostgres

extension VaultEnvironment {
    /// Opens the store that `settings` name and migrates it, with no key ring and no app identity check (export and
    /// import make their own), and runs `body` with it, its kind (`sqlite` or `postgres`) and the key file these
    /// settings name (`nil` when there is none); a PostgreSQL pool runs while `body` runs.
    public static func withTransferStore<T>(
        settings: ServiceSettings, logger: Logger, _ body: (any ConnectionStore, String, String?) async throws -> T
    ) async throws -> T {
        let (store, directory, postgres) = try openStore(settings.databaseURL, settings: settings, logger: logger)
        let keyFile = KeyRingLoader.keyFilePath(settings: settings, directory: directory)
        let migrate = {
            do {
                try await store.migrate()
            } catch {
                throw SettingsError("The database could not be migrated: \(error)")
            }
        }
        guard let postgres else {
            try await migrate()
            return try await body(store, "sqlite", keyFile)
        }
        return try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
            group.addTask { await postgres.run() }
            defer { group.cancelAll() }
            try await migrate()
            return try await body(store, "postgres", keyFile)
        }
    }
}
