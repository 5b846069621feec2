import ArgumentParser
import Foundation
import Logging
import TikTokBusiness
import TikTokBusinessService
import TikTokConnections

/// `tiktok-business connections list|show|refresh|revoke`.
struct ConnectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connections", abstract: "List, show, refresh and revoke connections.",
        subcommands: [List.self, Show.self, Refresh.self, Revoke.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List connections.")
        @OptionGroup var options: CommonOptions
        @Option(help: "Only this kind.") var kind: String?
        @Option(help: "Only this status: active, reauthorization_required or revoked.") var status: String?
        @Option(name: .customLong("end-user"), help: "Only this end user.") var endUser: String?
        @Option(help: "Only connections whose name, id, identities or end user contain this text.") var search: String?
        @Flag(
            name: .customLong("needs-attention"),
            help:
                "Only connections that need a person: re-authorization required, degraded, or a refresh token lapsing within 30 days."
        ) var needsAttention = false
        @Flag(help: "Only degraded connections (refreshes failing transiently for over an hour).") var degraded = false
        @Option(help: "At most this many (default 100).") var limit = 100
        @Option(help: "Start after this connection id.") var cursor: String?
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            if let kind, ConnectionKind(rawValue: kind) == nil { throw ValidationError("Unknown kind \(kind).") }
            if let status, ConnectionStatus(rawValue: status) == nil {
                throw ValidationError("Unknown status \(status).")
            }
            guard (1...1000).contains(limit) else { throw ValidationError("--limit must be from 1 to 1000.") }
        }

        func run() async throws {
            try await VaultEnvironment.with(
                settings: try await options.settings(), logger: Logger(label: "tiktok-business")
            ) { environment in
                let manager = environment.manager
                var filter = ConnectionFilter(
                    kind: kind.flatMap(ConnectionKind.init(rawValue:)),
                    status: status.flatMap(ConnectionStatus.init(rawValue:)),
                    endUserID: endUser, search: search)
                if needsAttention { filter = manager.needsAttentionFilter(filter) }
                if degraded { filter = manager.degradedFilter(filter) }
                let connections = try await CLIOutput.vault {
                    try await environment.manager.connections(filter, after: cursor, limit: limit)
                }
                if json {
                    CLIOutput.printJSON(.array(connections.map(CLIOutput.json)))
                    return
                }
                if connections.isEmpty {
                    print("No connections.")
                    return
                }
                print(
                    CLIOutput.table(
                        ["ID", "KIND", "STATUS", "NAME", "WHO", "END USER", "ACCESS EXPIRES"],
                        connections.map { connection in
                            [
                                connection.id, connection.kind.rawValue,
                                manager.health(of: connection) == .degraded
                                    ? "\(connection.status.rawValue) (degraded)" : connection.status.rawValue,
                                connection.displayName ?? "-",
                                CLIOutput.who(connection),
                                connection.endUserID ?? "-",
                                connection.accessTokenExpiresAt.map { $0.formatted(.iso8601) } ?? "never",
                            ]
                        }))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one connection and its recent events.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "The connection id.") var id: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await VaultEnvironment.with(
                settings: try await options.settings(), logger: Logger(label: "tiktok-business")
            ) { environment in
                let connection = try await CLIOutput.vault { try await environment.manager.connection(id: id) }
                let events = try await CLIOutput.vault {
                    try await environment.manager.events(connectionID: id, limit: 1000)
                }
                if json {
                    CLIOutput.printJSON([
                        "connection": CLIOutput.json(connection),
                        "events": .array(events.suffix(20).map(CLIOutput.json)),
                    ])
                    return
                }
                CLIOutput.printDetails(connection)
                print("\nRecent events:")
                for event in events.suffix(20) {
                    print(
                        "  \(event.occurredAt.formatted(.iso8601))  \(event.type.rawValue)  \(event.data.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))"
                    )
                }
            }
        }
    }

    struct Refresh: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Refresh an account or creator connection now, or all due connections with --due.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "The connection id.") var id: String?
        @Flag(help: "Work off every connection that is due now, with progress.") var due = false

        func validate() throws {
            guard (id == nil) != (!due) else { throw ValidationError("Give a connection id, or --due.") }
        }

        func run() async throws {
            try await VaultEnvironment.with(
                settings: try await options.settings(), logger: Logger(label: "tiktok-business")
            ) { environment in
                if let id {
                    let connection = try await CLIOutput.vault { try await environment.manager.refresh(id: id) }
                    print(
                        "Refreshed \(connection.id); the access token now expires \(connection.accessTokenExpiresAt?.formatted(.iso8601) ?? "never")."
                    )
                    return
                }
                var total = SweepReport()
                while true {
                    let report = try await CLIOutput.vault {
                        try await environment.manager.sweep(limit: 200, concurrency: 16)
                    }
                    if report.claimed == 0 { break }
                    total.claimed += report.claimed
                    total.refreshed += report.refreshed
                    total.checked += report.checked
                    total.failed += report.failed
                    total.reauthorizationRequired += report.reauthorizationRequired
                    CLIOutput.note(
                        "… \(total.claimed) done: \(total.refreshed) refreshed, \(total.checked) checked, \(total.failed) failed, \(total.reauthorizationRequired) need re-authorization"
                    )
                }
                print(
                    "Done: \(total.refreshed) refreshed, \(total.checked) checked, \(total.failed) failed (retried later), \(total.reauthorizationRequired) need re-authorization."
                )
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a connection at TikTok and erase its tokens.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "The connection id.") var id: String

        func run() async throws {
            try await VaultEnvironment.with(
                settings: try await options.settings(), logger: Logger(label: "tiktok-business")
            ) { environment in
                let connection = try await CLIOutput.vault { try await environment.manager.revoke(id: id) }
                print("Revoked \(connection.id).")
            }
        }
    }
}
