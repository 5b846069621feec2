import ArgumentParser
import Foundation
import Logging
import TikTokConnections

/// `tiktok-business keys rotate`: re-seals every token under a new current key.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage the token encryption keys.", subcommands: [Rotate.self])

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-encrypt every token under a new key.",
            discussion: """
                With a generated key file, a new key is generated and put first, every token is re-encrypted under \
                it, and the old keys are dropped from the file. With TIKTOK_BUSINESS_KEYS, put the new key first in \
                the variable yourself and run this to re-encrypt under it; then remove the old key.
                """)
        @OptionGroup var options: CommonOptions

        func run() async throws {
            let settings = try await options.settings()
            try await VaultEnvironment.with(settings: settings, logger: Logger(label: "tiktok-business")) {
                environment in
                var environment = environment
                var newKey: TokenCipher.Key?
                if let keyFile = environment.keyFile {
                    let key = try TokenCipher.Key.generate(id: "k" + String(Int(Date().timeIntervalSince1970)))
                    let ring = try TokenCipher(keys: [key] + environment.cipher.keys.filter { $0.id != key.id })
                    // The new ring is written first: a crash mid-rotation leaves every token readable.
                    try SecretFile.write(ring.keys.map(\.exported).joined(separator: ",") + "\n", to: keyFile)
                    environment = environment.with(cipher: ring)
                    newKey = key
                }
                let current = environment.cipher.currentKeyID
                print("Re-encrypting tokens under key \(current)…")
                let count = try await CLIOutput.vault {
                    try await environment.manager.rotateKeys(batchSize: 500) { done in
                        CLIOutput.note("… \(done) connections re-encrypted")
                    }
                }
                if let keyFile = environment.keyFile, let newKey {
                    // Every token is sealed under the new key now: drop the old ones.
                    try SecretFile.write(newKey.exported + "\n", to: keyFile)
                }
                print("Re-encrypted \(count) connections under key \(current).")
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
