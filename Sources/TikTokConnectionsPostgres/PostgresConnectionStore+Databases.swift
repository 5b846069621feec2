internal import PostgresNIO
internal import TikTokConnections

extension PostgresConnectionStore {
    /// Creates the database `name` on the server (for the package's tests and tools; not public API).
    ///
    /// - Throws: ``ConnectionStoreError`` when `name` is not a plain lower-case identifier or the server refuses.
    package func createDatabase(named name: String) async throws {
        try Self.checkIdentifier(name)
        // Identifiers cannot be bound; `name` was checked to be a plain identifier.
        _ = try await rows("create a database", PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
    }

    /// Drops the database `name` if it exists, closing its other sessions first (for the package's tests and tools).
    package func dropDatabase(named name: String) async throws {
        try Self.checkIdentifier(name)
        _ = try await rows(
            "drop a database", PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"))
    }

    private static func checkIdentifier(_ name: String) throws {
        let allowed = name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
        guard allowed, let first = name.utf8.first, !(first >= 0x30 && first <= 0x39), name.utf8.count <= 63 else {
            throw ConnectionStoreError("A database name must be a lower-case identifier")
        }
    }
}
