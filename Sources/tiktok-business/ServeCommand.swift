import ArgumentParser
import TikTokBusinessService

/// `tiktok-business serve`: the service, with the refresh sweeper inside; in sandbox mode the emulator too.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the service: connect pages, management API, proxy and the refresh sweeper.",
        discussion: """
            Configured by environment variables (TIKTOK_APP_ID, TIKTOK_APP_SECRET, TIKTOK_BUSINESS_DATABASE_URL, …; \
            see the README) or the same keys in a JSON file given with --config. Without TIKTOK_APP_ID it runs in \
            sandbox mode against the built-in TikTok emulator, on its own database (.tiktok-business/sandbox.sqlite).
            """)

    @OptionGroup var options: CommonOptions

    func run() async throws {
        let settings = try await options.settings()
        try await ServiceRunner.run(settings: settings, output: { Console.line($0) })
    }
}
