public import Foundation
import TikTokConnections
public import TikTokConnectionsPostgres

/// A PostgreSQL cluster of its own (scripts/postgres.sh), for tests that stop and start the server.
public struct PostgresCluster: Sendable {
    /// The cluster's data directory.
    public let directory: String
    /// The URL of its `postgres` database.
    public let url: String

    /// scripts/postgres.sh.
    public static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/postgres.sh").path

    /// Starts a cluster; `environment` goes to scripts/postgres.sh (for example `PG_SSL_DIR` for a TLS-only one).
    public static func start(environment: [String: String] = [:]) async throws -> PostgresCluster {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pg-\(UUID().uuidString)").path
        let url = try await run(["start", directory], environment: environment)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return PostgresCluster(directory: directory, url: url)
    }

    /// Migrates `store` on this fresh cluster. Its first connections may take longer than a test's short connect
    /// budget on a loaded machine: that is set-up, not what a test is about, so it is retried for up to 15 s.
    public func migrate(_ store: PostgresConnectionStore) async throws {
        for attempt in 1...30 {
            do {
                return try await store.migrate()
            } catch is ConnectionStoreError where attempt < 30 {
                try await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    public func pause() async throws { try await Self.run(["pause", directory]) }
    public func resume() async throws { try await Self.run(["resume", directory]) }
    public func stop() async { _ = try? await Self.run(["stop", directory]) }

    /// Runs scripts/postgres.sh with `arguments`; its output.
    @discardableResult
    public static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> String {
        // The script's output and exit status go to files, polled: Foundation's Process may never see the exit of a
        // script whose child (the server) lives on, and a pipe would stay open with it.
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("pg-run-\(UUID().uuidString)").path
        defer {
            try? FileManager.default.removeItem(atPath: base + ".out")
            try? FileManager.default.removeItem(atPath: base + ".status")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", #""$0" "$@" > "$OUT" 2>/dev/null; echo $? > "$STATUS""#, script] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }.merging(
            ["OUT": base + ".out", "STATUS": base + ".status"]) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(120)
        var status: String?
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOfFile: base + ".status", encoding: .utf8), text.hasSuffix("\n") {
                status = text.trimmingCharacters(in: .whitespacesAndNewlines)
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        guard status == "0" else {
            throw ConnectionStoreError(
                "scripts/postgres.sh \(arguments[0]) failed (\(status ?? "no exit within 120 s"))")
        }
        return (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? ""
    }
}
