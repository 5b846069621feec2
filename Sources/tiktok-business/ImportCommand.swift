import ArgumentParser
import Foundation
import Logging
import TikTokBusiness
import TikTokBusinessService
import TikTokConnections

/// `tiktok-business import FILE`: loads an exported vault into an empty database of either kind.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Load an exported vault into an empty database (SQLite or PostgreSQL).",
        discussion: """
            The target is TIKTOK_BUSINESS_DATABASE_URL; it must be empty. Before writing anything, import checks that \
            the file is whole (its end line's counts and SHA-256), that it is a vault of the app in the settings, \
            that every token opens with the key ring (TIKTOK_BUSINESS_KEYS or the key file: the exported vault's \
            keys), and that no refresh token in it can have been spent since the export (no connection was due for \
            refresh before now; --force overrides this). A crash midway leaves the database marked: every command \
            refuses it until it is emptied and the import run again. Progress goes to standard error.
            """)
    @OptionGroup var options: CommonOptions
    @Argument(help: "The file `tiktok-business export` wrote.") var file: String
    @Flag(help: "Import even if refresh tokens in the file may have been spent since the export.") var force = false
    @Flag(help: "Print a JSON summary.") var json = false

    func run() async throws {
        let settings = try await options.settings()
        let report = try await VaultEnvironment.withTransferStore(
            settings: settings, logger: Logger(label: "tiktok-business")
        ) { store, kind, keyFile in
            let cipher = try Self.keyRing(settings: settings, keyFile: keyFile)
            let vaultImport = VaultImport(
                store: store, cipher: cipher, identity: settings.identity, target: kind,
                progress: { CLIOutput.note($0) })
            return try await vaultImport.run(from: file, force: force)
        }
        if json {
            CLIOutput.printJSON(
                .object([
                    "file": .string(report.path), "connections": .number(String(report.connections)),
                    "events": .number(String(report.events)), "key_ids": .strings(report.keyIDs),
                    "exported_at": .string(report.exportedAt.formatted(.iso8601)),
                    "age_seconds": .number(String(Int(report.age))), "app_id": .string(report.app.appID),
                    "api_base_url": .string(report.app.apiBaseURL), "sandbox": .bool(report.app.sandbox),
                    "target": .string(report.target), "warnings": .strings(report.warnings),
                ]))
            return
        }
        for warning in report.warnings { CLIOutput.note(warning) }
        print(
            "Imported \(report.connections) connections and \(report.events) events of \(report.app) into the "
                + "\(report.target) database; every token opens with the key ring.")
    }

    /// The key ring the tokens need: `TIKTOK_BUSINESS_KEYS`, else the key file; never a new key.
    static func keyRing(settings: Settings, keyFile: String?) throws -> TokenCipher {
        if let keys = settings.keys {
            do {
                return try TokenCipher(keyRing: keys)
            } catch {
                throw CLIError(
                    "TIKTOK_BUSINESS_KEYS is not a valid key ring: \((error as? TokenCipherError)?.message ?? "")")
            }
        }
        if let keyFile, let ring = try KeyRingLoader.read(keyFile) { return ring }
        throw CLIError(
            "Import needs the key ring the vault's tokens are sealed with (the file names their key ids): set "
                + "TIKTOK_BUSINESS_KEYS, or TIKTOK_BUSINESS_KEY_FILE to the exported vault's key file (for a SQLite "
                + "vault, the `keys` file beside its database)\(keyFile.map { "; there is no key file at \($0)" } ?? "")."
        )
    }
}
