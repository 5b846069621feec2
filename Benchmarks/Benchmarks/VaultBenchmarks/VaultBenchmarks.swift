// The vault's hot paths, in-process: sealing, states, cached tokens and the SQLite store.
//
// Run: `swift package benchmark --target VaultBenchmarks` (from Benchmarks/).
import Benchmark
import Foundation
import Synchronization
import TikTokBusiness
import TikTokConnections
import TikTokConnectionsSQLite

/// A vault over a fresh SQLite file, with no network: nothing these benchmarks call reaches TikTok.
struct Fixture: Sendable {
    let directory: String
    let store: SQLiteConnectionStore
    let cipher: TokenCipher
    let manager: ConnectionManager

    static func make() async throws -> Fixture {
        let directory = Self.root + "/\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let store = try SQLiteConnectionStore(path: directory + "/connections.sqlite")
        try await store.migrate()
        let cipher = try TokenCipher(keys: [.generate(id: "bench")])
        let client = TikTokClient(
            configuration: .init(
                appID: "app", secret: "secret", apiBaseURL: "http://127.0.0.1:9/open_api/v1.3/", rateGovernor: nil))
        let manager = ConnectionManager(
            client: client, store: store, cipher: cipher,
            configuration: .init(
                redirectURIs: ConnectionManager.Configuration.redirectURIs(publicURL: "http://127.0.0.1:8080")))
        return Fixture(directory: directory, store: store, cipher: cipher, manager: manager)
    }

    /// An active advertiser connection (its token never expires), sealed as the vault seals it.
    func record(_ index: Int) throws -> ConnectionRecord {
        let id = "conn_bench_\(index)"
        let now = Date()
        let connection = Connection(
            id: id, kind: .advertiser, advertiserIDs: ["70000000000\(index)"], scopes: ["ad.read"], createdAt: now,
            updatedAt: now)
        return ConnectionRecord(
            connection: connection,
            accessToken: try cipher.seal(
                "act.\(String(repeating: "x", count: 40)).\(index)", connectionID: id, field: .accessToken),
            refreshToken: nil, nextActionAt: now.addingTimeInterval(86_400))
    }

    /// Where every fixture's database lives, removed after each benchmark.
    static let root = NSTemporaryDirectory() + "vault-bench-\(ProcessInfo.processInfo.processIdentifier)"

    static func removeAll() { try? FileManager.default.removeItem(atPath: root) }
}

/// Numbers the connections the insert benchmark makes, across all its runs (each on the same database).
let insertedSoFar = Atomic<Int>(0)

/// Runs `body`, reporting a thrown error as the benchmark's failure (setup-result closures cannot throw).
func reporting(_ benchmark: Benchmark, _ body: () async throws -> Void) async {
    do {
        try await body()
    } catch {
        benchmark.error("failed: \(error)")
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput], maxDuration: .seconds(2))

    let cipher = try! TokenCipher(keys: [.generate(id: "bench")])
    let token = "act." + String(repeating: "a1b2c3d4", count: 5)
    let sealed = try! cipher.seal(token, connectionID: "conn_1", field: .accessToken)

    Benchmark("TokenCipher seal") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try cipher.seal(token, connectionID: "conn_1", field: .accessToken))
        }
    }
    Benchmark("TokenCipher open") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try cipher.open(sealed, connectionID: "conn_1", field: .accessToken))
        }
    }

    Benchmark("accessToken(for:), cached", configuration: .init(scalingFactor: .kilo)) {
        (benchmark: Benchmark, fixture: Fixture) in
        await reporting(benchmark) {
            for _ in benchmark.scaledIterations {
                blackHole(try await fixture.manager.accessToken(for: "conn_bench_0"))
            }
        }
    } setup: {
        let fixture = try await Fixture.make()
        try await fixture.store.insert(fixture.record(0), events: [])
        _ = try await fixture.manager.accessToken(for: "conn_bench_0")
        return fixture
    } teardown: {
        Fixture.removeAll()
    }

    Benchmark("state issue (authorization link)") { (benchmark: Benchmark, fixture: Fixture) in
        await reporting(benchmark) {
            for _ in benchmark.scaledIterations {
                blackHole(try await fixture.manager.authorizationLink(for: .tiktokAccount))
            }
        }
    } setup: {
        try await Fixture.make()
    } teardown: {
        Fixture.removeAll()
    }

    Benchmark("state verify (a denied callback: checked and consumed, no exchange)") {
        (benchmark: Benchmark, fixture: Fixture) in
        await reporting(benchmark) {
            var links: [AuthorizationLink] = []
            for _ in 0..<benchmark.scaledIterations.count {
                links.append(try await fixture.manager.authorizationLink(for: .tiktokAccount))
            }
            benchmark.startMeasurement()
            for link in links {
                let callback = AuthorizationCallback(
                    state: link.state, outcome: .denied(error: "access_denied", description: nil))
                do {
                    _ = try await fixture.manager.completeAuthorization(kind: .tiktokAccount, callback: callback)
                } catch let error as ConnectionError where error.code == .authorizationDenied {
                    blackHole(error)
                }
            }
            benchmark.stopMeasurement()
        }
    } setup: {
        try await Fixture.make()
    } teardown: {
        Fixture.removeAll()
    }

    Benchmark("SQLite record(id:)") { (benchmark: Benchmark, fixture: Fixture) in
        await reporting(benchmark) {
            for index in benchmark.scaledIterations {
                blackHole(try await fixture.store.record(id: "conn_bench_\(index % 1_000)"))
            }
        }
    } setup: {
        let fixture = try await Fixture.make()
        for index in 0..<1_000 { try await fixture.store.insert(fixture.record(index), events: []) }
        return fixture
    } teardown: {
        Fixture.removeAll()
    }

    Benchmark("SQLite insert (connection + event)") { (benchmark: Benchmark, fixture: Fixture) in
        await reporting(benchmark) {
            let records = try (0..<benchmark.scaledIterations.count).map { _ in
                try fixture.record(1_000_000 + insertedSoFar.add(1, ordering: .relaxed).newValue)
            }
            benchmark.startMeasurement()
            for record in records {
                try await fixture.store.insert(
                    record,
                    events: [
                        ConnectionEvent(
                            type: .connectionCreated, connectionID: record.id, occurredAt: Date(), data: [:])
                    ])
            }
            benchmark.stopMeasurement()
        }
    } setup: {
        try await Fixture.make()
    } teardown: {
        Fixture.removeAll()
    }

    Benchmark("SQLite update (versioned write)") { (benchmark: Benchmark, fixture: Fixture) in
        await reporting(benchmark) {
            var record = try await fixture.store.record(id: "conn_bench_0")!
            for _ in benchmark.scaledIterations {
                record.connection.lastCheckedAt = Date()
                guard try await fixture.store.update(record, events: []) else { fatalError("lost the version race") }
                record.version += 1
            }
        }
    } setup: {
        let fixture = try await Fixture.make()
        try await fixture.store.insert(fixture.record(0), events: [])
        return fixture
    } teardown: {
        Fixture.removeAll()
    }
}
