import ArgumentParser
import Foundation
import Logging
import TikTokBusiness
import TikTokBusinessService
import TikTokConnections

/// `tiktok-business export FILE`: writes the vault to a file, for a backup or a move to another store.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write the vault to a file (tokens stay sealed; never the keys).",
        discussion: """
            Writes every connection (tokens sealed exactly as stored), the key ids they need (never the keys), the \
            event log and the app identity to FILE (JSON Lines, mode 0600, written to a temporary file and then \
            moved into place). Stop every instance first: the export refuses while instances report running, because \
            one that refreshes a connection after the export spends the refresh token in the file. Protect the file \
            like the database. Progress goes to standard error.
            """)
    @OptionGroup var options: CommonOptions
    @Argument(help: "The file to write.") var file: String
    @Flag(help: "Replace an existing file, and export even while instances run.") var force = false
    @Flag(help: "Print a JSON summary.") var json = false

    func run() async throws {
        let settings = try await options.settings()
        let report = try await VaultEnvironment.withTransferStore(
            settings: settings, logger: Logger(label: "tiktok-business")
        ) { store, kind, _ in
            try await AppIdentityCheck.verify(store: store, settings: settings)
            let identity = try await AppIdentityCheck.read(store) ?? settings.identity
            let export = VaultExport(
                store: store, identity: identity, source: kind, liveness: 2 * settings.keyReloadInterval + 5,
                progress: { CLIOutput.note($0) })
            return try await export.run(to: file, force: force)
        }
        if json {
            CLIOutput.printJSON(
                .object([
                    "file": .string(report.path), "connections": .number(String(report.connections)),
                    "events": .number(String(report.events)), "key_ids": .strings(report.keyIDs),
                    "exported_at": .string(report.exportedAt.formatted(.iso8601)),
                    "app_id": .string(report.app.appID), "api_base_url": .string(report.app.apiBaseURL),
                    "sandbox": .bool(report.app.sandbox), "bytes": .number(String(report.bytes)),
                    "sha256": .string(report.sha256),
                ]))
            return
        }
        print(
            "Exported \(report.connections) connections and \(report.events) events of \(report.app) to "
                + "\(report.path) (\(report.bytes) bytes, sha256 \(report.sha256)).")
        print(
            "Their tokens are sealed with key\(report.keyIDs.count == 1 ? "" : "s") "
                + "\(report.keyIDs.joined(separator: ", ")): import needs them. Protect the file like the database.")
    }
}
