import ArgumentParser

/// `tiktok-business`: the command-line entry point.
@main
struct TikTokBusinessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tiktok-business",
        abstract: "Authorize, keep, renew and use TikTok Business API connections.",
        discussion: """
            Run a local TikTok Business API emulator with `tiktok-business emulator --auto-consent` to try \
            everything without a TikTok app or network.
            """,
        subcommands: [
            ServeCommand.self, EmulatorCommand.self, LinkCommand.self, ConnectionsCommand.self, CallCommand.self,
            KeysCommand.self, APIKeysCommand.self, ProxyTokensCommand.self, AppCommand.self, WebhooksCommand.self,
            MigrateCommand.self,
            ExportCommand.self,
            ImportCommand.self,
        ]
    )
}
