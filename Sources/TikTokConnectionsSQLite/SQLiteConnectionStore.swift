internal import Foundation
internal import GRDB
public import Logging
public import TikTokConnections

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Musl)
    internal import Musl
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// The embedded ``ConnectionStore``: one SQLite file in WAL mode, through a GRDB `DatabasePool`.
///
/// Readers never block the writer and the writer never blocks readers. SQLite has one writer at a time per file,
/// so every read-then-write operation (a compare-and-swap update, a refresh claim, a state consumption) runs in one
/// immediate write transaction and is atomic, even across several processes sharing the file.
///
/// Tokens are stored as ``SealedToken/text`` only; the store never sees a plaintext token. SQL arguments are always
/// bound, and never appear in logs or in the errors the store throws.
///
/// ```swift
/// let store = try SQLiteConnectionStore(path: ".tiktok-business/connections.sqlite")
/// try await store.migrate()
/// ```
public final class SQLiteConnectionStore: ConnectionStore {
    /// The path of the database file.
    public let path: String

    let dbPool: DatabasePool
    /// Every write goes through it: concurrent writes share one commit.
    let groupCommit: SQLiteGroupCommit
    let logger: Logger

    /// How long a write waits for another process's write to finish before failing.
    static let busyTimeout: TimeInterval = 5

    /// Opens (or creates) the database at `path`.
    ///
    /// A missing parent directory is created with permissions 0700 and a missing database file with 0600 (SQLite
    /// gives its `-wal` and `-shm` files the same permissions). Existing files keep theirs. Call ``migrate()``
    /// before using the store.
    ///
    /// - Parameters:
    ///   - path: The database file, e.g. `./.tiktok-business/connections.sqlite`.
    ///   - logger: Where the store logs (fixed messages; never SQL arguments or tokens).
    /// - Throws: ``ConnectionStoreError`` when the directory, the file or the database cannot be opened.
    public init(
        path: String,
        logger: Logger = Logger(label: "tiktok-business.store.sqlite")
    ) throws {
        self.path = path
        self.logger = logger
        try Self.prepareFile(atPath: path)

        var configuration = Configuration()
        configuration.label = "TikTokConnectionsSQLite"
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(Self.busyTimeout)
        // Never let SQL arguments (sealed tokens, ids) reach error descriptions or logs.
        configuration.publicStatementArguments = false
        do {
            self.dbPool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw Self.storeError("Could not open the SQLite database", error)
        }
        self.groupCommit = SQLiteGroupCommit(pool: dbPool)
        logger.debug("Opened SQLite connection store", metadata: ["tiktok.store.path": "\(path)"])
    }

    /// Applies the named, append-only migrations that are not applied yet.
    ///
    /// Safe to call more than once, and concurrently, also from several processes sharing the file.
    public func migrate() async throws {
        let migrator = Self.migrator
        let logger = self.logger
        var lastError: (any Error)?
        // Each migration runs in its own immediate transaction. Another process may apply one between the moment
        // GRDB reads the applied list and the moment it runs the migration; this run then fails, and the retry
        // finds that migration applied. Every lost race means one more migration is applied, so this ends.
        for _ in 0...migrator.migrations.count {
            do {
                let before = try await dbPool.read { db in try migrator.appliedIdentifiers(db) }
                let applied = try await Self.migrate(dbPool, with: migrator).filter { !before.contains($0) }
                if !applied.isEmpty {
                    logger.info(
                        "Applied SQLite store migrations",
                        metadata: ["tiktok.store.migrations": "\(applied.joined(separator: ","))"])
                }
                return
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                lastError = error
                let completed = try? await dbPool.read { db in try migrator.hasCompletedMigrations(db) }
                if completed == true { return }
            }
        }
        throw Self.storeError("Could not migrate the SQLite database", lastError ?? ConnectionStoreError("unknown"))
    }

    /// Runs the migrator on the writer without blocking a task thread; returns the applied migrations.
    private static func migrate(_ writer: DatabasePool, with migrator: DatabaseMigrator) async throws -> [String] {
        try await withCheckedThrowingContinuation { continuation in
            migrator.asyncMigrate(writer) { result in
                continuation.resume(with: result.flatMap { db in Result { try migrator.appliedMigrations(db) } })
            }
        }
    }

    /// Runs `SELECT 1`.
    public func ping() async throws {
        _ = try await read("ping") { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }
}

// MARK: - Database access

extension SQLiteConnectionStore {
    /// Reads in a snapshot, mapping failures to ``ConnectionStoreError``.
    func read<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await dbPool.read(body)
        } catch {
            throw Self.storeError("Could not \(operation)", error)
        }
    }

    /// Writes atomically in an immediate transaction, which concurrent writes may share (see
    /// ``SQLiteGroupCommit``): returns once that transaction committed; when `body` throws, none of its changes are
    /// kept. Maps failures to ``ConnectionStoreError``. A write that started runs to its end even if the calling task
    /// is cancelled.
    func write<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await groupCommit.write(body)
        } catch {
            throw Self.storeError("Could not \(operation)", error)
        }
    }

    /// A ``ConnectionStoreError`` for `error`, whose message and underlying error carry no SQL argument values.
    static func storeError(_ message: String, _ error: any Error) -> any Error {
        switch error {
        case is ConnectionStoreError, is CancellationError:
            return error
        case let error as DatabaseError:
            var reason = "SQLite error \(error.extendedResultCode.rawValue)"
            if let sqliteMessage = error.message { reason += ", \(sqliteMessage)" }
            // A copy without the statement arguments, which the original keeps (`expandedDescription`).
            let redacted = DatabaseError(resultCode: error.extendedResultCode, message: error.message, sql: error.sql)
            return ConnectionStoreError("\(message): \(reason)", underlying: redacted)
        default:
            // Other errors (for example GRDB's row decoding errors) may describe row values: keep only the type.
            return ConnectionStoreError("\(message): \(type(of: error))")
        }
    }
}

// MARK: - Files

extension SQLiteConnectionStore {
    /// Creates the missing parent directories (0700) and the database file (0600) if needed.
    static func prepareFile(atPath path: String) throws {
        let url = URL(fileURLWithPath: path)
        try createDirectory(url.deletingLastPathComponent())
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor >= 0 {
            close(descriptor)
        } else if errno != EEXIST {
            throw ConnectionStoreError("Could not create the SQLite database file (errno \(errno))")
        }
    }

    private static func createDirectory(_ url: URL) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw ConnectionStoreError("The SQLite database's parent path is not a directory")
            }
            return
        }
        let parent = url.deletingLastPathComponent()
        if parent.path != url.path { try createDirectory(parent) }
        if mkdir(url.path, 0o700) != 0, errno != EEXIST {
            throw ConnectionStoreError("Could not create the SQLite database directory (errno \(errno))")
        }
    }
}
