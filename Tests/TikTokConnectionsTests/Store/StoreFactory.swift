import Foundation
import Testing
import TikTokConnections
import TikTokConnectionsPostgres
import TikTokConnectionsSQLite
import TikTokTestSupport

/// A store implementation under test: how to create an empty, migrated database and stores on it.
///
/// The contract suite runs once per factory in ``all``: SQLite always, PostgreSQL (a fresh database per test) when
/// `TIKTOK_BUSINESS_TEST_POSTGRES_URL` is set or in CI (see ``PostgresTestDatabase``).
struct StoreFactory: Sendable, CustomTestStringConvertible {
    /// The implementation's name, shown in test results.
    let name: String
    /// Creates an empty, migrated database and a store on it.
    let make: @Sendable () async throws -> StoreUnderTest

    var testDescription: String { name }

    /// Every implementation the contract runs against.
    static let all: [StoreFactory] = [.sqlite] + (PostgresTestDatabase.isEnabled ? [.postgres] : [])

    /// `SQLiteConnectionStore` on a new file in a new temporary directory.
    static let sqlite = StoreFactory(name: "SQLite") {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tiktok-store-tests-\(UUID().uuidString)", isDirectory: true)
        let path = directory.appendingPathComponent("db/connections.sqlite").path
        let open: @Sendable () async throws -> any ConnectionStore = {
            let store = try SQLiteConnectionStore(path: path, logger: StoreFixtures.logger)
            try await store.migrate()
            return store
        }
        return StoreUnderTest(
            store: try await open(),
            openStore: open,
            tearDown: { try? FileManager.default.removeItem(at: directory) })
    }

    /// `PostgresConnectionStore` on a new database of the test server; each store has its own pool. Fails when no
    /// server is configured (the factory is only listed without one in CI, where that must fail).
    static let postgres = StoreFactory(name: "PostgreSQL") {
        let stores = PostgresTestStores(database: try await PostgresTestDatabase.create())
        do {
            return StoreUnderTest(
                store: try await stores.open(),
                openStore: { try await stores.open() },
                tearDown: { await stores.stopAll() })
        } catch {
            await stores.stopAll()
            throw error
        }
    }

    /// Runs `body` over a fresh database, then removes the database.
    func run(_ body: (StoreUnderTest) async throws -> Void) async throws {
        let database = try await make()
        do {
            try await body(database)
        } catch {
            await database.tearDown()
            throw error
        }
        await database.tearDown()
    }
}

/// One database made by a ``StoreFactory``.
struct StoreUnderTest: Sendable {
    /// A migrated store on the database.
    let store: any ConnectionStore
    /// Opens another store on the same database, as a second service instance would (migrated too).
    let openStore: @Sendable () async throws -> any ConnectionStore
    /// Removes the database.
    let tearDown: @Sendable () async -> Void
}
