import ArgumentParser
import Foundation
import Logging
import TikTokBusiness
import TikTokBusinessService
import TikTokConnections

/// `tiktok-business proxy-tokens create|list|revoke`: connection-scoped tokens for the drop-in endpoint.
struct ProxyTokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy-tokens",
        abstract: "Issue, list and revoke proxy tokens: what an existing TikTok client sends as its Access-Token.",
        discussion: """
            Point the client at this service (host http(s)://SERVICE, paths /open_api/v1.3/…) and give it a proxy \
            token instead of an access token: the service swaps it for the connection's real token on the way out. \
            The token is printed once and stored only as a hash.
            """,
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a proxy token for a connection (printed once).")
        @OptionGroup var options: CommonOptions
        @Argument(help: "The connection id.") var connection: String
        @Option(
            name: .customLong("expires-in"), help: "Seconds until it stops working (60 to 31622400); default never.")
        var expiresIn: Double?
        @Option(
            name: .customLong("allow"),
            help:
                "A TikTok API path it may call, e.g. /report/integrated/get/ or /report/* (repeat for several); default every path."
        ) var allowedPaths: [String] = []
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await VaultEnvironment.with(
                settings: try await options.settings(), logger: Logger(label: "tiktok-business")
            ) { environment in
                let (token, secret) = try await CLIOutput.vault {
                    try await environment.manager.createProxyToken(
                        connectionID: connection, expiresIn: expiresIn,
                        allowedPaths: allowedPaths.isEmpty ? nil : allowedPaths, actor: "cli")
                }
                if json {
                    CLIOutput.printJSON([
                        "id": .string(token.id), "connection_id": .string(token.connectionID), "token": .string(secret),
                        "expires_at": token.expiresAt.map { .string($0.formatted(.iso8601)) } ?? .null,
                    ])
                    return
                }
                print("Issued \(token.id) for \(token.connectionID). The token, shown only this once:")
                print("    \(secret)")
                print("Send it as Access-Token to this service's /open_api/v1.3/… paths.")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List a connection's proxy tokens (never their secrets).")
        @OptionGroup var options: CommonOptions
        @Argument(help: "The connection id.") var connection: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await VaultEnvironment.with(
                settings: try await options.settings(), logger: Logger(label: "tiktok-business")
            ) { environment in
                let tokens = try await CLIOutput.vault {
                    try await environment.manager.proxyTokens(connectionID: connection)
                }
                func date(_ value: Date?) -> String { value?.formatted(.iso8601) ?? "-" }
                if json {
                    CLIOutput.printJSON(
                        .array(
                            tokens.map { token in
                                .object([
                                    "id": .string(token.id), "connection_id": .string(token.connectionID),
                                    "allowed_paths": token.allowedPaths.map { .strings($0) } ?? .null,
                                    "created_at": .string(date(token.createdAt)),
                                    "expires_at": token.expiresAt.map { .string(date($0)) } ?? .null,
                                    "revoked_at": token.revokedAt.map { .string(date($0)) } ?? .null,
                                ])
                            }))
                    return
                }
                guard !tokens.isEmpty else {
                    print("No proxy tokens for \(connection).")
                    return
                }
                print(
                    CLIOutput.table(
                        ["ID", "ALLOWED PATHS", "CREATED", "EXPIRES", "REVOKED"],
                        tokens.map {
                            [
                                $0.id, $0.allowedPaths?.joined(separator: " ") ?? "every path", date($0.createdAt),
                                $0.expiresAt.map(date) ?? "never", date($0.revokedAt),
                            ]
                        }))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a proxy token.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "The proxy token's id (ptk_…).") var id: String

        func run() async throws {
            try await VaultEnvironment.with(
                settings: try await options.settings(), logger: Logger(label: "tiktok-business")
            ) { environment in
                let token = try await CLIOutput.vault {
                    try await environment.manager.revokeProxyToken(id: id, actor: "cli")
                }
                print("Revoked \(token.id). Running instances refuse it within 2 seconds.")
            }
        }
    }
}
