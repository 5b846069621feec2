import Foundation
import TikTokConnections

/// The database belongs to one TikTok app: checks the settings against the identity the database records, and
/// records it on first use.
public enum AppIdentityCheck {
    /// Records the settings' identity in a database that has none, or throws when the database serves another.
    public static func verify(store: any ConnectionStore, settings: ServiceSettings) async throws {
        let current = settings.identity
        // A database that an import is filling (or that an import left half-filled) is not a vault yet.
        let pending: String?
        do {
            pending = try await store.pendingImport()
        } catch {
            throw SettingsError("The database could not be read: \(error)")
        }
        if let pending { throw SettingsError(VaultImport.partialImportMessage(pending)) }
        for _ in 0..<3 {
            let stored = try await read(store)
            if let stored {
                guard stored == current else { throw mismatch(stored: stored, current: current, settings: settings) }
                return
            }
            // A database from before identities were recorded: adopt it, unless sandbox mode would adopt real tokens.
            if current.sandbox, try await hasConnections(store) {
                throw SettingsError(
                    "Sandbox mode refuses this database: it holds connections and records no app, so they may be real "
                        + "TikTok tokens, which the built-in emulator would spend and lose. Sandbox mode uses "
                        + "\(ServiceSettings.defaultSandboxDatabaseURL) by default: unset TIKTOK_BUSINESS_DATABASE_URL, "
                        + "or set TIKTOK_APP_ID and TIKTOK_APP_SECRET to serve the real app.")
            }
            if try await store.recordVaultIdentity(current, replacing: nil) { return }
        }
        throw SettingsError("The database's app identity keeps changing; is another instance moving it?")
    }

    /// Replaces the recorded identity with the settings' (`tiktok-business app move`). Moves into or out of sandbox
    /// mode are refused: sandbox tokens are the emulator's and real tokens would be spent against it.
    /// - Returns: the identity it replaced (`nil` when none was recorded).
    public static func move(store: any ConnectionStore, settings: ServiceSettings) async throws -> VaultIdentity? {
        let current = settings.identity
        let stored = try await read(store)
        if let stored, stored.sandbox != current.sandbox {
            throw SettingsError(
                "A vault cannot move between sandbox mode and a real app: this database is for \(stored) and the "
                    + "settings are for \(current). Use another database.")
        }
        guard stored != current else { return stored }
        guard try await store.recordVaultIdentity(current, replacing: stored) else {
            throw SettingsError("The database's app identity changed meanwhile; run the command again.")
        }
        return stored
    }

    /// The identity recorded in the database.
    public static func read(_ store: any ConnectionStore) async throws -> VaultIdentity? {
        do {
            return try await store.vaultIdentity()
        } catch {
            throw SettingsError("The database's app identity could not be read: \(error)")
        }
    }

    private static func hasConnections(_ store: any ConnectionStore) async throws -> Bool {
        do {
            return try await store.hasConnections()
        } catch {
            throw SettingsError("The database could not be read: \(error)")
        }
    }

    static func mismatch(stored: VaultIdentity, current: VaultIdentity, settings: ServiceSettings) -> SettingsError {
        if current.sandbox {
            return SettingsError(
                "Sandbox mode refuses this database: it serves the real TikTok \(stored), and the built-in emulator "
                    + "would spend its tokens and lose them. Is TIKTOK_APP_ID unset because an environment file was "
                    + "not loaded? Sandbox mode uses \(ServiceSettings.defaultSandboxDatabaseURL) by default: unset "
                    + "TIKTOK_BUSINESS_DATABASE_URL for it.")
        }
        if stored.sandbox {
            return SettingsError(
                "This database is a sandbox database (the built-in emulator's tokens); the settings are for the real "
                    + "TikTok \(current). Point TIKTOK_BUSINESS_DATABASE_URL at the real vault (the default is "
                    + "\(ServiceSettings.defaultDatabaseURL)).")
        }
        return SettingsError(
            "This database serves TikTok \(stored), but the settings are for \(current) (TIKTOK_APP_ID, "
                + "TIKTOK_API_BASE_URL). Nothing was changed: its tokens would be refreshed against the wrong app and "
                + "lost. Fix the settings (is an environment file not loaded?), or, to move this vault to the new app "
                + "on purpose, run `tiktok-business app move` with the new settings.")
    }
}
