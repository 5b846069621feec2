import ArgumentParser
import Logging
import TikTokBusinessService
import TikTokConnections

/// `tiktok-business app show|move`: the TikTok app a database serves.
struct AppCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "app", abstract: "Show or change the TikTok app this database serves.",
        subcommands: [Show.self, Move.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the app the database serves.")
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await AppCommand.withRecordedApp(options) { settings, _, stored in
                print("Database: \(stored.map(\.description) ?? "no app recorded yet")")
                print("Settings: \(settings.identity)")
            }
        }
    }

    struct Move: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record the app of the current settings as the one this database serves.",
            discussion: """
                For a deliberate move: a new TIKTOK_APP_ID, or TIKTOK_API_BASE_URL from TikTok's sandbox host to \
                production. Stored tokens were issued to the old app: after the move every refresh, liveness check, \
                revocation and proxied call uses the new settings, and TikTok refuses tokens of another app (the \
                connections then need re-authorization). Moving into or out of sandbox mode is refused. Stop every \
                instance first; start them with the new settings after.
                """)
        @OptionGroup var options: CommonOptions
        @Flag(help: "Confirm the move.") var yes = false

        func run() async throws {
            try await AppCommand.withRecordedApp(options) { settings, environment, stored in
                guard stored != settings.identity else {
                    print("The database already serves \(settings.identity).")
                    return
                }
                print("Database: \(stored.map(\.description) ?? "no app recorded")")
                print("Move to:  \(settings.identity)")
                guard yes else {
                    throw CLIError(
                        "Nothing changed. Stored tokens were issued to the recorded app; after the move they are used "
                            + "with the new one. Run again with --yes to move.")
                }
                _ = try await AppIdentityCheck.move(store: environment.store, settings: settings)
                print("Moved: the database now serves \(settings.identity).")
            }
        }
    }
}

extension AppCommand {
    /// Opens the vault without the app identity check and runs `body` with the settings, the vault and the app the
    /// database records.
    static func withRecordedApp(
        _ options: CommonOptions, _ body: (ServiceSettings, VaultEnvironment, VaultIdentity?) async throws -> Void
    ) async throws {
        let settings = try await options.settings()
        try await VaultEnvironment.with(
            settings: settings, checks: .exceptAppIdentity, logger: Logger(label: "tiktok-business")
        ) { environment in
            try await body(settings, environment, try await AppIdentityCheck.read(environment.store))
        }
    }
}
