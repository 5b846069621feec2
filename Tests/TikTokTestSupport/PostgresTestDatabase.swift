public import Foundation
public import Logging
import Synchronization
import TikTokConnections
public import TikTokConnectionsPostgres

/// A fresh database per test on the PostgreSQL server named by `TIKTOK_BUSINESS_TEST_POSTGRES_URL`
/// (`scripts/test.sh` starts a throwaway server and sets it), so tests run in parallel.
///
/// Without the variable, the PostgreSQL tests are left out locally, and fail in CI (`CI` set): they are not skippable
/// there.
public struct PostgresTestDatabase: Sendable {
    /// The environment variable with the server's URL, e.g. `postgres://postgres@127.0.0.1:5432/postgres`.
    public static let urlVariable = "TIKTOK_BUSINESS_TEST_POSTGRES_URL"

    /// The server's URL, if set.
    public static var serverURL: String? {
        ProcessInfo.processInfo.environment[urlVariable].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A logger for PostgreSQL stores under test: errors only (PostgresNIO warns when a test's first query races the
    /// start of the pool's `run()`, which is harmless).
    public static let logger: Logger = {
        var logger = Logger(label: "tests.store.postgres")
        logger.logLevel = .error
        return logger
    }()

    /// Whether the tests run in CI, where PostgreSQL tests must run.
    public static var isCI: Bool {
        guard let value = ProcessInfo.processInfo.environment["CI"] else { return false }
        return !value.isEmpty && value != "0" && value.lowercased() != "false"
    }

    /// Whether the PostgreSQL tests run: a server is configured, or CI demands them (and they fail without one).
    public static var isEnabled: Bool { serverURL != nil || isCI }

    /// The database's name, `t_` and 24 hex digits.
    public let name: String
    /// The database's URL.
    public let url: String
    /// The server's URL (its maintenance database).
    public let serverURL: String

    /// Creates a new, empty database.
    public static func create() async throws -> PostgresTestDatabase {
        guard let serverURL else {
            throw ConnectionStoreError(
                "\(urlVariable) is not set: the PostgreSQL tests cannot be skipped in CI; run scripts/test.sh, "
                    + "or set it to a server's URL (scripts/postgres.sh start prints one)")
        }
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(24)
        try await PostgresConnectionStore.withStore(url: serverURL, logger: Self.logger) { admin in
            try await admin.createDatabase(named: name)
        }
        guard var components = URLComponents(string: serverURL) else {
            throw ConnectionStoreError("\(urlVariable) is not a URL")
        }
        components.path = "/" + name
        return PostgresTestDatabase(name: name, url: components.string ?? serverURL, serverURL: serverURL)
    }

    /// Drops the database.
    public func drop() async {
        try? await PostgresConnectionStore.withStore(url: serverURL, logger: Self.logger) { admin in
            try await admin.dropDatabase(named: name)
        }
    }
}

/// Stores on one test database whose pools run in background tasks until ``stopAll()``.
///
/// Unstructured tasks, because a ``StoreFactory`` hands out stores that outlive the call that made them; the
/// product itself runs the store as a `Service` or in `withStore`.
public final class PostgresTestStores: Sendable {
    private let tasks = Mutex<[Task<Void, Never>]>([])
    public let database: PostgresTestDatabase

    public init(database: PostgresTestDatabase) { self.database = database }

    /// A new store (its own pool) on the database, running; migrated when `migrate` is true.
    public func open(migrate: Bool = true, configure: (inout PostgresConnectionStore.Configuration) -> Void = { _ in })
        async throws -> PostgresConnectionStore
    {
        var configuration = try PostgresConnectionStore.Configuration(url: database.url)
        configuration.maximumConnections = 8
        // The contract's checks move time by hand (a claim "61 s later"): leases go by the caller's clock here, and
        // by the database's in the tests of that (StoreLeaseTests).
        configuration.leaseClock = .caller
        configure(&configuration)
        let store = PostgresConnectionStore(configuration: configuration, logger: PostgresTestDatabase.logger)
        let task = Task { await store.run() }
        tasks.withLock { $0.append(task) }
        if migrate { try await store.migrate() }
        return store
    }

    /// Stops every store's pool and drops the database.
    public func stopAll() async {
        let tasks = self.tasks.withLock { tasks in
            defer { tasks.removeAll() }
            return tasks
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        await database.drop()
    }
}
