import ArgumentParser
import Foundation
import Logging
import TikTokBusiness
import TikTokBusinessService
import TikTokConnections

/// `tiktok-business link <kind>`: prints a shareable authorization URL.
struct LinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "link", abstract: "Print a shareable authorization URL to send to an advertiser or account holder."
    )

    @OptionGroup var options: CommonOptions

    @Argument(help: "advertiser, tiktok_account, tcm_account or creator.")
    var kind: String

    @Option(name: .customLong("end-user"), help: "Your id for the end user, recorded on the connection.")
    var endUser: String?

    @Option(help: "Re-authorize this connection in place.")
    var reconnect: String?

    @Flag(help: "Show TikTok's consent screen even to a user who already approved.")
    var forceConsent = false

    @Option(help: "Seconds the link stays valid (default 7 days).")
    var expiresIn: Int?

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        guard ConnectionKind(rawValue: kind) != nil else {
            throw ValidationError(
                "kind must be one of \(ConnectionKind.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        if let expiresIn, !(60...7_776_000).contains(expiresIn) {
            throw ValidationError("--expires-in must be from 60 to 7776000 seconds.")
        }
    }

    func run() async throws {
        try await VaultEnvironment.with(
            settings: try await options.settings(), logger: Logger(label: "tiktok-business")
        ) { environment in
            let link = try await CLIOutput.vault {
                try await environment.manager.authorizationLink(
                    for: ConnectionKind(rawValue: kind)!,
                    options: .init(
                        endUserID: endUser, reconnectConnectionID: reconnect, forceConsent: forceConsent,
                        expiresIn: expiresIn.map(Double.init)))
            }
            if json {
                CLIOutput.printJSON([
                    "url": .string(link.url), "expires_at": .string(link.expiresAt.formatted(.iso8601)),
                ])
            } else {
                print(link.url)
                CLIOutput.note("Valid until \(link.expiresAt.formatted(.iso8601)); works once.")
            }
        }
    }
}
