internal import Foundation
public import Logging
internal import PostgresNIO
public import ServiceLifecycle
internal import Synchronization
public import TikTokConnections

/// The shared ``ConnectionStore`` for several service instances on one PostgreSQL database, through a PostgresNIO
/// connection pool.
///
/// Instances coordinate through the database only: refresh claims are row leases taken with
/// `FOR UPDATE SKIP LOCKED`, updates are compare-and-swaps on a version, a state is consumed by one atomic `UPDATE`,
/// and migrations run under a transaction-scoped advisory lock. Any instance may die at any moment; its leases expire.
///
/// Connections use TLS as ``Configuration/tls`` says (by default: none to a loopback host, `verify-full` to any
/// other); when they cannot be made, an operation's ``ConnectionStoreError`` says why (for example that the server's
/// certificate is not trusted).
///
/// Tokens are stored as ``SealedToken/text`` only. SQL arguments are always bound, and never appear in logs or in the
/// errors the store throws.
///
/// The store's pool works only while ``run()`` runs (it is a swift-service-lifecycle `Service`); or use
/// ``withStore(url:configure:logger:_:)``:
///
/// ```swift
/// try await PostgresConnectionStore.withStore(url: "postgres://vault@127.0.0.1:5432/vault") { store in
///     try await store.migrate()
///     let manager = ConnectionManager(store: store, ...)
/// }
/// ```
public final class PostgresConnectionStore: ConnectionStore, Service {
    /// The server and pool settings.
    public let configuration: Configuration

    let client: PostgresClient
    let logger: Logger
    /// Finds out why no connection could be had, for the error of an operation that waited in vain.
    let diagnosis = ConnectFailureDiagnosis()

    /// Creates a store; its connections open once ``run()`` runs. Call ``migrate()`` before using it.
    ///
    /// - Parameters:
    ///   - configuration: The server and pool settings.
    ///   - logger: Where the store logs (fixed messages; never SQL arguments or tokens).
    public init(
        configuration: Configuration,
        logger: Logger = Logger(label: "tiktok-business.store.postgres")
    ) {
        self.configuration = configuration
        self.logger = logger
        var client = PostgresClient.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.username,
            password: configuration.password, database: configuration.database,
            tls: configuration.tls.clientTLS)
        client.options.maximumConnections = configuration.maximumConnections
        client.options.minimumConnections = configuration.minimumConnections
        client.options.connectTimeout = configuration.connectTimeout
        client.options.connectionIdleTimeout = configuration.idleTimeout
        // Startup parameters other than user and database set server settings for the session.
        if let timeout = configuration.statementTimeout {
            client.options.additionalStartupParameters.append(("statement_timeout", Self.milliseconds(timeout)))
        }
        if let timeout = configuration.lockTimeout {
            client.options.additionalStartupParameters.append(("lock_timeout", Self.milliseconds(timeout)))
        }
        self.client = PostgresClient(configuration: client, backgroundLogger: logger)
    }

    /// Creates a store for a `postgres://user:password@host:port/database` URL with the default pool settings.
    ///
    /// - Throws: ``ConnectionStoreError`` when the URL is not one.
    public convenience init(url: String, logger: Logger = Logger(label: "tiktok-business.store.postgres")) throws {
        self.init(configuration: try Configuration(url: url), logger: logger)
    }

    /// Runs the connection pool until the task is cancelled or a graceful shutdown begins. Call it once.
    public func run() async {
        await client.run()
    }

    /// Runs `body` with a store on `url` whose pool runs meanwhile, then closes the pool (also when `body` throws).
    ///
    /// - Parameters:
    ///   - url: `postgres://user:password@host:port/database`.
    ///   - configure: Changes to the pool settings parsed from `url`.
    ///   - logger: Where the store logs.
    ///   - body: What to do with the store. It is not migrated yet.
    public static func withStore<T>(
        url: String,
        configure: (inout Configuration) -> Void = { _ in },
        logger: Logger = Logger(label: "tiktok-business.store.postgres"),
        _ body: (PostgresConnectionStore) async throws -> T
    ) async throws -> T {
        var configuration = try Configuration(url: url)
        configure(&configuration)
        let store = PostgresConnectionStore(configuration: configuration, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
            group.addTask { await store.run() }
            do {
                let result = try await body(store)
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    /// Applies the named, append-only migrations that are not applied yet, all in one transaction.
    ///
    /// The transaction first takes a transaction-scoped advisory lock, so concurrent callers (in any number of
    /// instances) apply each migration exactly once, one after the other. Applied names are recorded in
    /// `tiktok_business_migrations`.
    public func migrate() async throws {
        let applied = try await transaction("migrate the PostgreSQL database", unbounded: true) { connection, logger in
            // Another instance may hold the lock while it migrates: wait as long as it takes.
            try await connection.query("SET LOCAL lock_timeout = 0", logger: logger)
            try await connection.query("SET LOCAL statement_timeout = 0", logger: logger)
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLockKey))", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS tiktok_business_migrations (
                    name text PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                logger: logger)
            var done = Set<String>()
            for try await name in try await connection.query(
                "SELECT name FROM tiktok_business_migrations", logger: logger
            ).decode(String.self) {
                done.insert(name)
            }
            var applied: [String] = []
            for migration in Self.migrations where !done.contains(migration.name) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO tiktok_business_migrations (name) VALUES (\(migration.name))", logger: logger)
                applied.append(migration.name)
            }
            return applied
        }
        if !applied.isEmpty {
            logger.info(
                "Applied PostgreSQL store migrations",
                metadata: ["tiktok.store.migrations": "\(applied.joined(separator: ","))"])
        }
    }

    /// Runs `SELECT 1`.
    public func ping() async throws {
        _ = try await rows("ping", "SELECT 1")
    }

    /// The advisory lock key that serializes migrations (`"tiktokbm"` as an integer).
    static let migrationLockKey: Int64 = 0x7469_6B74_6F6B_626D

    /// The advisory lock key that makes event readers wait for event writers to commit (see `insertEvents`).
    static let eventsLockKey: Int64 = 0x7469_6B74_6F6B_6576

    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}

// MARK: - Database access

extension PostgresConnectionStore {
    /// Runs one statement outside a transaction and collects its rows, mapping failures to
    /// ``ConnectionStoreError``.
    func rows(_ operation: String, _ query: PostgresQuery) async throws -> [PostgresRow] {
        try await withConnection(operation, transaction: false) { connection, logger in
            try await connection.query(query, logger: logger).collect()
        }
    }

    /// Runs `body` in one transaction on one pooled connection (committed when `body` returns, rolled back when it
    /// throws), mapping failures to ``ConnectionStoreError``.
    func transaction<T: Sendable>(
        _ operation: String,
        unbounded: Bool = false,
        _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T
    ) async throws -> T {
        try await withConnection(operation, transaction: true, unbounded: unbounded, body)
    }

    /// Runs `body` on a pooled connection, in a transaction when `transaction` is true; `unbounded` exempts it from
    /// ``Configuration/operationTimeout`` (migrations, which may rightly take long).
    ///
    /// Waiting for the connection is bounded by ``Configuration/connectionWaitTimeout``; once `body` has a connection,
    /// it runs to its end (cancelling queries halfway could hand a connection back mid-transaction) or, when the
    /// database does not answer within ``Configuration/operationTimeout``, until that connection is closed.
    func withConnection<T: Sendable>(
        _ operation: String,
        transaction: Bool,
        unbounded: Bool = false,
        _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T
    ) async throws -> T {
        let client = self.client
        let logger = self.logger
        let gate = LeaseGate()
        let operationTimeout = unbounded ? nil : configuration.operationTimeout
        let work: @Sendable () async throws -> T = {
            try await client.withConnection { connection in
                try gate.start()
                let run: @Sendable () async throws -> T = {
                    guard transaction else { return try await body(connection, logger) }
                    try await connection.query("BEGIN", logger: logger)
                    do {
                        let value = try await body(connection, logger)
                        try await connection.query("COMMIT", logger: logger)
                        return value
                    } catch {
                        _ = try? await connection.query("ROLLBACK", logger: logger)
                        throw error
                    }
                }
                guard let operationTimeout else { return try await run() }
                return try await Self.closingOnTimeout(connection, after: operationTimeout, run)
            }
        }
        do {
            guard let timeout = configuration.connectionWaitTimeout else { return try await work() }
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await work() }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    // Still waiting for a connection: give up (the waiting request is cancelled).
                    if gate.timeOut() { throw LeaseGate.TimedOut() }
                    return nil
                }
                defer { group.cancelAll() }
                while let result = try await group.next() {
                    if let result { return result }
                }
                throw CancellationError()
            }
        } catch is LeaseGate.TimedOut {
            let message = "Could not \(operation): no database connection within the wait timeout"
            // The pool retries failed connections in silence: name the reason (a refused TLS handshake, a refusing
            // pg_hba.conf) when connecting fails.
            let configuration = self.configuration
            if let reason = await diagnosis.reason({ await Self.probeConnection(configuration, logger: logger) }) {
                throw ConnectionStoreError("\(message); connecting fails: \(reason)")
            }
            throw ConnectionStoreError(message)
        } catch {
            throw Self.storeError("Could not \(operation)", error)
        }
    }

    /// Runs `operation` on `connection`; if it has not finished after `limit`, closes the connection (its queries then
    /// fail, and the pool drops it) and throws at once, without waiting for `operation` to notice.
    static func closingOnTimeout<T: Sendable>(
        _ connection: PostgresConnection, after limit: Duration, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let outcome = OperationOutcome<T>()
        let running = Task {
            do {
                outcome.finish(with: .success(try await operation()))
            } catch {
                outcome.finish(with: .failure(error))
            }
        }
        let timer = Task {
            try await Task.sleep(for: limit)
            if outcome.finish(
                with: .failure(
                    ConnectionStoreError("the database did not answer within \(limit); the connection was closed")))
            {
                try? await connection.close()
            }
        }
        defer { timer.cancel() }
        _ = running  // runs to its end (or until the closed connection fails it), like any operation with a connection
        return try await outcome.value()
    }

    /// A ``ConnectionStoreError`` for `error` whose message carries only the PostgreSQL SQLSTATE or the client's error
    /// code: never the query, its arguments or the server's detail (which may quote row values).
    static func storeError(_ message: String, _ error: any Error) -> any Error {
        switch error {
        case is ConnectionStoreError, is CancellationError:
            return error
        case let error as PostgresTransactionError:
            let inner = error.closureError ?? error.commitError ?? error.beginError ?? error.rollbackError
            guard let inner else { return ConnectionStoreError("\(message): transaction failed") }
            return storeError(message, inner)
        case let error as PSQLError:
            if let sqlState = error.serverInfo?[.sqlState] {
                return ConnectionStoreError("\(message): PostgreSQL error \(sqlState)")
            }
            return ConnectionStoreError("\(message): PostgreSQL client error \(error.code)")
        default:
            // Others (for example row decoding errors) may describe values: keep only the type.
            return ConnectionStoreError("\(message): \(type(of: error))")
        }
    }
}

/// Decides, once, whether an operation got its connection before its wait timeout or timed out first.
final class LeaseGate: Sendable {
    struct TimedOut: Error {}

    private enum State { case waiting, started, timedOut }
    private let state = Mutex(State.waiting)

    /// Called with the connection: throws when the wait already timed out (then `body` must not run).
    func start() throws {
        try state.withLock { state in
            guard state == .waiting else { throw TimedOut() }
            state = .started
        }
    }

    /// Called at the deadline: whether the operation timed out (it had no connection yet).
    func timeOut() -> Bool {
        state.withLock { state in
            guard state == .waiting else { return false }
            state = .timedOut
            return true
        }
    }
}

/// The first result of an operation raced against its deadline, handed to one waiter.
final class OperationOutcome<T: Sendable>: Sendable {
    private enum State {
        case waiting(CheckedContinuation<T, any Error>?)
        case finished(Result<T, any Error>)
    }
    private let state = Mutex(State.waiting(nil))

    /// Records `result` unless one was recorded already; returns whether this one counted.
    @discardableResult
    func finish(with result: Result<T, any Error>) -> Bool {
        let continuation: CheckedContinuation<T, any Error>?? = state.withLock { state in
            guard case .waiting(let waiter) = state else { return .none }
            state = .finished(result)
            return .some(waiter)
        }
        guard case .some(let waiter) = continuation else { return false }
        waiter?.resume(with: result)
        return true
    }

    /// Waits for the recorded result.
    func value() async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let ready: Result<T, any Error>? = state.withLock { state in
                switch state {
                case .finished(let result): return result
                case .waiting: state = .waiting(continuation); return nil
                }
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}
