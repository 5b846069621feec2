import ArgumentParser
import Foundation
import Logging
import TikTokBusiness
import TikTokBusinessService
import TikTokConnections

/// `tiktok-business keys rotate`: re-seals every token under a new current key, safe while instances run.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage the token encryption keys.", subcommands: [Rotate.self])

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-encrypt every token under a new key (safe while instances run).",
            discussion: """
                With a key file: a new key is put first in the file, running instances adopt it (they re-read the \
                file every TIKTOK_BUSINESS_KEY_RELOAD_SECONDS and on SIGHUP; the command waits for them), every \
                token is re-encrypted under it, and an old key is dropped from the file only when no token and no \
                running instance uses it. With TIKTOK_BUSINESS_KEYS: put the new key first in the variable of every \
                instance and restart them, run this, then remove only the keys it reports unused, and restart.
                """)
        @OptionGroup var options: CommonOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let settings = try await options.settings()
            try await VaultEnvironment.with(settings: settings, logger: Logger(label: "tiktok-business")) {
                environment in
                let report = try await CLIOutput.vault {
                    try await KeyRotation(environment: environment, output: { CLIOutput.note($0) }).run()
                }
                if json {
                    CLIOutput.printJSON(
                        .object([
                            "current_key_id": .string(report.currentKeyID),
                            "resealed": .number(String(report.resealed)),
                            "retired_key_ids": .strings(report.retiredKeyIDs),
                            "kept_keys": .array(
                                report.keptKeys.map { .object(["id": .string($0.id), "reason": .string($0.reason)]) }),
                        ]))
                    return
                }
                print("Re-encrypted \(report.resealed) connections under key \(report.currentKeyID).")
                let fromFile = environment.keyFile != nil
                for id in report.retiredKeyIDs {
                    print(
                        fromFile
                            ? "Dropped key \(id) from the key file: no token uses it."
                            : "Key \(id) is no longer used by any token: remove it from TIKTOK_BUSINESS_KEYS and restart."
                    )
                }
                for (id, reason) in report.keptKeys {
                    print("Kept key \(id): \(reason). Run `keys rotate` again later to retire it.")
                }
            }
        }
    }
}

/// `tiktok-business migrate`: applies the database migrations.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply the database's migrations (serve also does this at start).")
    @OptionGroup var options: CommonOptions

    func run() async throws {
        let settings = try await options.settings()
        try await VaultEnvironment.with(settings: settings, logger: Logger(label: "tiktok-business")) { _ in }
        print(
            "The database at \(settings.databaseURL.split(separator: "@").last.map(String.init) ?? "") is up to date.")
    }
}
