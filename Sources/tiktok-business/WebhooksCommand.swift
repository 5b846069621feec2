import ArgumentParser
import Foundation
import Logging
import TikTokBusiness
import TikTokBusinessService
import TikTokConnections

/// `tiktok-business webhooks`: make a signing secret, see the outbox.
struct WebhooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks", abstract: "Webhook helpers: a new signing secret, the delivery outbox.",
        subcommands: [NewSecret.self, Status.self])

    struct NewSecret: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "new-secret",
            abstract: "Print a new Standard Webhooks signing secret (whsec_…) for TIKTOK_BUSINESS_WEBHOOK_SECRET.")

        func run() async throws {
            print(WebhookSecret.generate())
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Count the outbox's deliveries: pending, delivered, failed.")
        @OptionGroup var options: CommonOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let settings = try await options.settings()
            try await VaultEnvironment.with(settings: settings, logger: Logger(label: "tiktok-business")) {
                environment in
                let counts = try await CLIOutput.vault { try await environment.manager.webhookDeliveryCounts() }
                if json {
                    CLIOutput.printJSON(
                        .object(
                            Dictionary(
                                uniqueKeysWithValues: WebhookDelivery.State.allCases.map {
                                    ($0.rawValue, JSONValue.number(String(counts[$0] ?? 0)))
                                })))
                } else {
                    for state in WebhookDelivery.State.allCases {
                        print("\(state.rawValue): \(counts[state] ?? 0)")
                    }
                }
            }
        }
    }
}
