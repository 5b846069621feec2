import Foundation
import Logging
import Testing
import TikTokBusiness
import TikTokConnections
import TikTokConnectionsSQLite
import TikTokTestSupport

/// In-process throughput of the vault itself (SQLite store, ``InstantTikTok`` in TikTok's place): refresh sweeps,
/// completed authorizations and cached `accessToken(for:)`. Off unless `TIKTOK_BUSINESS_VAULT_MEASURE` is set (to the
/// number of connections to sweep, e.g. 5000); prints what it measured. Debug builds measure relative gains only.
///
/// `TIKTOK_BUSINESS_VAULT_MEASURE_LATENCY_MS` adds a delay to each TikTok answer (default 0);
/// `TIKTOK_BUSINESS_VAULT_MEASURE_BATCH`, `…_CONCURRENCY`, `…_JITTER_MS` override ``RefreshService``'s defaults.
@Suite("Vault throughput (measurement)", .enabled(if: VaultMeasureSettings.connections != nil), .serialized)
struct VaultThroughputMeasurements {
    static var connections: Int? { VaultMeasureSettings.connections }
    static func setting(_ name: String) -> Int? { VaultMeasureSettings.setting(name) }

    static var logger: Logger {
        var logger = Logger(label: "measure")
        logger.logLevel = .error
        return logger
    }

    struct Vault {
        let directory: String
        let store: any ConnectionStore
        let manager: ConnectionManager
        let tikTok: InstantTikTok
        let cipher: TokenCipher
    }

    static func withVault(_ body: (Vault) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("measure-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // `…_STORE=postgres` measures on a fresh database of TIKTOK_BUSINESS_TEST_POSTGRES_URL instead.
        var postgres: PostgresTestStores?
        let store: any ConnectionStore
        if VaultMeasureSettings.environment["TIKTOK_BUSINESS_VAULT_MEASURE_STORE"] == "postgres" {
            let stores = PostgresTestStores(database: try await PostgresTestDatabase.create())
            postgres = stores
            store = try await stores.open()
        } else {
            store = try SQLiteConnectionStore(path: directory + "/connections.sqlite", logger: logger)
            try await store.migrate()
        }
        let tikTok = InstantTikTok(latency: .milliseconds(setting("LATENCY_MS") ?? 0))
        let cipher = try TokenCipher(keys: [.generate(id: "k1")])
        let configuration = ConnectionManager.Configuration(
            redirectURIs: ConnectionManager.Configuration.redirectURIs(publicURL: "http://127.0.0.1:8080"))
        let manager = ConnectionManager(
            client: tikTok.client(), store: store, cipher: cipher, configuration: configuration, logger: logger)
        do {
            try await body(Vault(directory: directory, store: store, manager: manager, tikTok: tikTok, cipher: cipher))
        } catch {
            await postgres?.stopAll()
            throw error
        }
        await postgres?.stopAll()
    }

    static func residentMegabytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }.map { $0 / 1024 }
    }

    /// CPU seconds (user + system) this process used so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    @Test func refreshSweep() async throws {
        let count = Self.connections ?? 0
        let defaults = RefreshService.Configuration()
        let batch = Self.setting("BATCH") ?? defaults.batchSize
        let concurrency = Self.setting("CONCURRENCY") ?? defaults.concurrency
        let jitter = Self.setting("JITTER_MS").map { Duration.milliseconds($0) } ?? defaults.jitter
        try await Self.withVault { vault in
            _ = try await vault.tikTok.seedDueAccounts(count, into: vault.store, cipher: vault.cipher, now: Date())
            let started = ContinuousClock.now
            let cpuBefore = Self.cpuSeconds()
            var refreshed = 0
            var failed = 0
            while true {
                let report = try await vault.manager.sweep(limit: batch, concurrency: concurrency, jitter: jitter)
                refreshed += report.refreshed
                failed += report.failed
                if report.claimed == 0 { break }
            }
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print(
                "MEASURE sweep: \(refreshed) of \(count) refreshed (\(failed) failed) in "
                    + "\(String(format: "%.2f", seconds)) s = \(Int(Double(refreshed) / seconds)) refreshes/s "
                    + "(batch \(batch), concurrency \(concurrency), jitter \(jitter), \(type(of: vault.store))); CPU "
                    + "\(Int((Self.cpuSeconds() - cpuBefore) / Double(max(1, refreshed)) * 1e6)) µs per refresh; RSS "
                    + "\(Self.residentMegabytes() ?? -1) MB")
            #expect(refreshed == count)
            #expect(vault.tikTok.spentTwice.isEmpty)
        }
    }

    @Test func completedAuthorizations() async throws {
        let count = max(500, (Self.connections ?? 0) / 5)
        try await Self.withVault { vault in
            var links: [AuthorizationLink] = []
            for _ in 0..<count { links.append(try await vault.manager.authorizationLink(for: .tiktokAccount)) }
            let started = ContinuousClock.now
            let cpuBefore = Self.cpuSeconds()
            try await withThrowingTaskGroup(of: Void.self) { group in
                var pending = links.enumerated()[...]
                func add() {
                    guard let (index, link) = pending.popFirst() else { return }
                    group.addTask {
                        _ = try await vault.manager.completeAuthorization(
                            kind: .tiktokAccount,
                            callback: AuthorizationCallback(
                                state: link.state, outcome: .authorized(code: "code-\(index)", scopes: [])))
                    }
                }
                for _ in 0..<64 { add() }
                while try await group.next() != nil { add() }
            }
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print(
                "MEASURE callbacks: \(count) completed authorizations in \(String(format: "%.2f", seconds)) s = "
                    + "\(Int(Double(count) / seconds))/s (64 at once); CPU "
                    + "\(Int((Self.cpuSeconds() - cpuBefore) / Double(count) * 1e6)) µs per authorization")
        }
    }

    @Test func cachedAccessTokens() async throws {
        try await Self.withVault { vault in
            let ids = try await vault.tikTok.seedDueAccounts(
                16, into: vault.store, cipher: vault.cipher, now: Date().addingTimeInterval(3_600))
            for id in ids { _ = try await vault.manager.accessToken(for: id) }
            let perTask = 500_000
            let tasks = 2
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<tasks {
                    group.addTask {
                        for index in 0..<perTask {
                            _ = try await vault.manager.accessToken(for: ids[(index + task) % ids.count])
                        }
                    }
                }
                try await group.waitForAll()
            }
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print(
                "MEASURE accessToken(for:) cached: \(perTask * tasks) calls in \(String(format: "%.2f", seconds)) s = "
                    + "\(Int(Double(perTask * tasks) / seconds))/s (\(tasks) tasks)")
        }
    }
}

/// The measurement's settings, read from the environment.
enum VaultMeasureSettings {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }
    static let connections = environment["TIKTOK_BUSINESS_VAULT_MEASURE"].flatMap { Int($0) }
    static func setting(_ name: String) -> Int? {
        environment["TIKTOK_BUSINESS_VAULT_MEASURE_" + name].flatMap { Int($0) }
    }
}
