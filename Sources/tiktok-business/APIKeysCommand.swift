import ArgumentParser
import Foundation
import Logging
import TikTokBusiness
import TikTokBusinessService
import TikTokConnections

/// `tiktok-business api-keys create|list|revoke`: named management API keys with a scope.
struct APIKeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api-keys",
        abstract: "Create, list and revoke named API keys (scopes: read, tokens, admin).",
        discussion: """
            read: list and show connections, events and the audit trail. tokens: read, plus access tokens and the \
            proxy. admin: everything, including links, refresh, revoke, API keys and the admin page. The key is \
            printed once and stored only as a hash; the audit trail names the key that made each call.
            """,
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key and print it (once).")
        @OptionGroup var options: CommonOptions
        @Option(help: "A name for people, e.g. reporting-proxy.") var name: String
        @Option(help: "read, tokens or admin.") var scope: String
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard APIKey.Scope(rawValue: scope) != nil else {
                throw ValidationError("--scope must be read, tokens or admin.")
            }
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, trimmed.count <= 100 else {
                throw ValidationError("--name must be 1 to 100 characters.")
            }
        }

        func run() async throws {
            try await VaultEnvironment.with(
                settings: try await options.settings(), logger: Logger(label: "tiktok-business")
            ) { environment in
                let (key, secret) = try await CLIOutput.vault {
                    try await environment.manager.createAPIKey(
                        name: name, scope: APIKey.Scope(rawValue: scope)!, actor: "cli")
                }
                if json {
                    CLIOutput.printJSON([
                        "id": .string(key.id), "name": .string(key.name), "scope": .string(key.scope.rawValue),
                        "key": .string(secret),
                    ])
                    return
                }
                print("Created \(key.id) (\(key.name), scope \(key.scope.rawValue)). The key, shown only this once:")
                print("    \(secret)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (never their secrets).")
        @OptionGroup var options: CommonOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await VaultEnvironment.with(
                settings: try await options.settings(), logger: Logger(label: "tiktok-business")
            ) { environment in
                let keys = try await CLIOutput.vault { try await environment.manager.apiKeys() }
                if json {
                    CLIOutput.printJSON(
                        .array(
                            keys.map { key in
                                .object([
                                    "id": .string(key.id), "name": .string(key.name),
                                    "scope": .string(key.scope.rawValue),
                                    "created_at": .string(key.createdAt.formatted(.iso8601)),
                                    "revoked_at": key.revokedAt.map { .string($0.formatted(.iso8601)) } ?? .null,
                                ])
                            }))
                    return
                }
                guard !keys.isEmpty else {
                    print("No named API keys. (TIKTOK_BUSINESS_API_KEY is the primary key, with every scope.)")
                    return
                }
                print(
                    CLIOutput.table(
                        ["ID", "NAME", "SCOPE", "CREATED", "REVOKED"],
                        keys.map {
                            [
                                $0.id, $0.name, $0.scope.rawValue, $0.createdAt.formatted(.iso8601),
                                $0.revokedAt?.formatted(.iso8601) ?? "-",
                            ]
                        }))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key: it is refused from then on.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "The key's id (key_…).") var id: String

        func run() async throws {
            try await VaultEnvironment.with(
                settings: try await options.settings(), logger: Logger(label: "tiktok-business")
            ) { environment in
                let key = try await CLIOutput.vault { try await environment.manager.revokeAPIKey(id: id, actor: "cli") }
                print("Revoked \(key.id) (\(key.name)). Running instances refuse it within 5 seconds.")
            }
        }
    }
}
