import Foundation
import GRDB
import Testing
import TikTokConnections
import TikTokConnectionsSQLite

extension StoreContractTests {
    /// What only the SQLite store promises: its files, its columns, its migrations.
    @Suite("SQLite store specifics")
    struct SQLite {
        private typealias F = StoreFixtures

        @Test("creates a private directory and file, in WAL mode")
        func filesArePrivate() async throws {
            try await withTemporaryDirectory { directory in
                let path = directory.appendingPathComponent("a/b/connections.sqlite").path
                let store = try SQLiteConnectionStore(path: path, logger: StoreFixtures.logger)
                try await store.migrate()
                try await store.insert(F.record("conn_1"), events: [])

                #expect(try permissions(directory.appendingPathComponent("a").path) == 0o700)
                #expect(try permissions(directory.appendingPathComponent("a/b").path) == 0o700)
                #expect(try permissions(path) == 0o600)
                #expect(try permissions(path + "-wal") == 0o600)
                let journalMode = try await inspect(path) { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
                #expect(journalMode == "wal")
            }
        }

        @Test("stores tokens only as SealedToken.text; no plaintext reaches the files")
        func tokensAreStoredSealed() async throws {
            try await withTemporaryDirectory { directory in
                let path = directory.appendingPathComponent("connections.sqlite").path
                let store = try SQLiteConnectionStore(path: path, logger: StoreFixtures.logger)
                try await store.migrate()
                let cipher = try TokenCipher(keys: [.generate(id: "k1")])
                let access = try cipher.seal("act.PLAINTEXT-SECRET-access", connectionID: "conn_1", field: .accessToken)
                let refresh = try cipher.seal(
                    "rft.PLAINTEXT-SECRET-refresh", connectionID: "conn_1", field: .refreshToken)
                var record = F.record("conn_1", kind: .tiktokAccount, identities: ["open-1"])
                record.accessToken = access
                record.refreshToken = refresh
                try await store.insert(record, events: [F.event(.connectionCreated, "conn_1")])

                let row = try await fetchRow(path, "SELECT access_token, refresh_token, key_id FROM connections")
                #expect(row["access_token"] == access.text.databaseValue)
                #expect(row["refresh_token"] == refresh.text.databaseValue)
                #expect(row["key_id"] == "k1".databaseValue)
                #expect(try await store.record(id: "conn_1")?.accessToken == access)
                #expect(
                    try cipher.open(access, connectionID: "conn_1", field: .accessToken)
                        == "act.PLAINTEXT-SECRET-access")

                let bytes = try [path, path + "-wal", path + "-shm"].reduce(into: Data()) { data, file in
                    if FileManager.default.fileExists(atPath: file) {
                        data += try Data(contentsOf: URL(fileURLWithPath: file))
                    }
                }
                #expect(bytes.range(of: Data(access.text.utf8)) != nil)  // We are looking in the right place...
                #expect(bytes.range(of: Data("PLAINTEXT-SECRET".utf8)) == nil)  // ...and no plaintext is there.
            }
        }

        @Test("errors never carry SQL argument values")
        func errorsAreRedacted() async throws {
            try await withTemporaryDirectory { directory in
                let store = try SQLiteConnectionStore(
                    path: directory.appendingPathComponent("c.sqlite").path, logger: StoreFixtures.logger)
                try await store.migrate()
                let secretHash = "hash-ARGUMENT-VALUE-0123456789"
                try await store.insertState(F.state(secretHash))
                let duplicate = await #expect(throws: ConnectionStoreError.self) {
                    try await store.insertState(F.state(secretHash))
                }
                #expect(duplicate.map { "\($0)".contains(secretHash) } == false)

                // A failure the store does not anticipate: the underlying GRDB error keeps no arguments either.
                let event = F.event(.connectionCreated, "conn_1", data: ["note": "ARGUMENT-VALUE"])
                try await store.appendEvents([event])
                var token = F.record("conn_1")
                token.accessToken = SealedToken(keyID: "k1", box: Array("ARGUMENT-VALUE-box".utf8))
                let failure = await #expect(throws: ConnectionStoreError.self) {
                    try await store.insert(token, events: [event])
                }
                let error = try #require(failure)
                let database = try #require(error.underlying as? DatabaseError)
                #expect(database.arguments == nil)
                for text in ["\(error)", error.message, String(reflecting: error), database.expandedDescription] {
                    #expect(!text.contains("ARGUMENT-VALUE") && !text.contains(token.accessToken!.text))
                }
                #expect(try await store.record(id: "conn_1") == nil)
            }
        }

        @Test("dates are REAL unix seconds, arrays JSON text; named migrations")
        func columnsAndMigrations() async throws {
            try await withTemporaryDirectory { directory in
                let path = directory.appendingPathComponent("c.sqlite").path
                let store = try SQLiteConnectionStore(path: path, logger: StoreFixtures.logger)
                try await store.migrate()
                try await store.insert(
                    F.fullRecord("conn_1"), events: [F.event(.tokenRefreshed, "conn_1", data: ["a": "1"])])
                _ = try await store.claim(id: "conn_1", now: F.at(0), owner: "A", leaseUntil: F.at(60))

                let row = try await fetchRow(
                    path,
                    """
                    SELECT typeof(created_at) AS type, created_at, next_action_at, advertiser_ids, scopes,
                        warnings_sent, version, lease_owner, lease_until, key_id, refresh_key_id
                    FROM connections
                    """)
                let event = try await fetchRow(path, "SELECT sequence, data, typeof(occurred_at) AS type FROM events")
                let migrations = try await inspect(path) { db in
                    try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
                }
                #expect(row["type"] == "real".databaseValue)
                #expect(row["created_at"] == (1_767_225_600.25 - 86_400).databaseValue)
                #expect(row["next_action_at"] == (1_767_225_600.25 + 82_800.375).databaseValue)
                #expect(row["advertiser_ids"] == #"["7000000000000000001","7000000000000000002"]"#.databaseValue)
                #expect(row["scopes"] == #"["user.info.basic","video.list"]"#.databaseValue)
                #expect(row["warnings_sent"] == "[30,7]".databaseValue)
                #expect(row["version"] == 1.databaseValue)
                #expect(row["lease_owner"] == "A".databaseValue)
                #expect(row["lease_until"] == 1_767_225_660.25.databaseValue)
                #expect(row["key_id"] == "k1".databaseValue && row["refresh_key_id"] == "k2".databaseValue)
                #expect(event["sequence"] == 1.databaseValue && event["data"] == #"{"a":"1"}"#.databaseValue)
                #expect(event["type"] == "real".databaseValue)
                #expect(
                    migrations == [
                        "v1-connections", "v1-authorization-states", "v1-events", "v2-webhook-outbox",
                        "v3-vault-metadata", "v4-retention", "v5-qps-budget", "v6-operations", "v7-proxy-tokens",
                    ])
            }
        }

        @Test("dates built from unix seconds round-trip exactly, below the microsecond too")
        func subMicrosecondDates() async throws {
            try await withTemporaryDirectory { directory in
                let store = try SQLiteConnectionStore(
                    path: directory.appendingPathComponent("c.sqlite").path, logger: StoreFixtures.logger)
                try await store.migrate()
                var record = F.fullRecord("conn_1")
                record.connection.createdAt = Date(timeIntervalSince1970: 1_767_225_600.123_456_7)
                record.connection.updatedAt = Date(timeIntervalSince1970: 1_767_225_600.987_654_321)
                record.connection.lastCheckedAt = Date(timeIntervalSince1970: 0.000_001)
                record.nextActionAt = Date(timeIntervalSince1970: -1.5)
                try await store.insert(record, events: [])
                #expect(try await store.record(id: "conn_1") == F.stored(record))

                // A clock reading (`Date()`) may lose its last bit (~0.2 µs) on the way through unix seconds.
                let now = Date()
                record.connection.updatedAt = now
                #expect(try await store.update(F.stored(record), events: []))
                let read = try #require(try await store.record(id: "conn_1"))
                #expect(abs(read.connection.updatedAt.timeIntervalSince(now)) < 0.000_001)
            }
        }

        @Test("several instances may run the first migration at once")
        func concurrentFirstMigration() async throws {
            try await withTemporaryDirectory { directory in
                let path = directory.appendingPathComponent("c.sqlite").path
                let stores = try (0..<4).map { _ in try SQLiteConnectionStore(path: path, logger: StoreFixtures.logger)
                }
                // Another process holds the write lock while the migrations start: they wait for it (busy timeout)
                // rather than fail, then apply each migration exactly once between them.
                let blocker = try DatabaseQueue(path: path)
                let lockHeld = AsyncStream<Void>.makeStream()
                let holder = Task {
                    try await blocker.writeWithoutTransaction { db in
                        try db.inTransaction(.immediate) {
                            lockHeld.continuation.yield()
                            usleep(200_000)
                            return .commit
                        }
                    }
                }
                for await _ in lockHeld.stream { break }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for store in stores { group.addTask { try await store.migrate() } }
                    try await group.waitForAll()
                }
                try await holder.value
                for store in stores { try await store.ping() }
                try await stores[0].insert(F.record("conn_1"), events: [])
                #expect(try await stores[3].record(id: "conn_1") != nil)
            }
        }

        @Test("an unreadable row is a ConnectionStoreError naming the column, not the value")
        func unreadableRows() async throws {
            try await withTemporaryDirectory { directory in
                let path = directory.appendingPathComponent("c.sqlite").path
                let store = try SQLiteConnectionStore(path: path, logger: StoreFixtures.logger)
                try await store.migrate()
                try await store.insert(F.record("conn_1"), events: [])
                try await inspect(path) { db in
                    try db.execute(sql: "UPDATE connections SET kind = 'SECRET-KIND', access_token = 'garbage'")
                }
                let error = await #expect(throws: ConnectionStoreError.self) { try await store.record(id: "conn_1") }
                #expect(error?.message.contains("connections.kind") == true)
                #expect(error.map { "\($0)".contains("SECRET-KIND") } == false)
            }
        }

        // MARK: Helpers

        private func withTemporaryDirectory(_ body: (URL) async throws -> Void) async throws {
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("tiktok-store-tests-\(UUID().uuidString)", isDirectory: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            try await body(directory)
        }

        /// Runs `body` on a separate connection to the database file, as an operator's `sqlite3` would.
        private func inspect<T: Sendable>(_ path: String, _ body: @escaping @Sendable (Database) throws -> T)
            async throws -> T
        {
            let queue = try DatabaseQueue(path: path)
            return try await queue.write(body)
        }

        /// The first row of `sql`, by column name.
        private func fetchRow(_ path: String, _ sql: String) async throws -> [String: DatabaseValue] {
            try await inspect(path) { db in
                guard let row = try Row.fetchOne(db, sql: sql) else { return [:] }
                return Dictionary(row.map { ($0, $1) }, uniquingKeysWith: { first, _ in first })
            }
        }

        private func permissions(_ path: String) throws -> Int {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
        }
    }
}
