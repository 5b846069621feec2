internal import GRDB
internal import Synchronization

/// Group commit for the store's writes: writes that arrive while the writer is busy (most often waiting for the
/// previous commit's fsync) run together in the next transaction, each in a savepoint of its own, and share its
/// commit (one fsync instead of one per write).
///
/// What each write sees and guarantees is unchanged:
/// - **Atomic and isolated.** The writes of a batch run one after another on SQLite's single writer connection, in
///   arrival order, so each one sees everything before it, exactly as if it had its own transaction; its savepoint
///   makes it all or nothing.
/// - **Durable before it returns.** A caller resumes only after the shared `COMMIT` returned (with
///   `synchronous=FULL`, after the fsync), never earlier.
/// - **A failure is its own.** A write that throws rolls back to its savepoint and fails alone; the others commit.
///   When the batch's transaction itself fails (it cannot begin or commit, or an error aborted it), nothing of it
///   was committed, and every write of the batch runs again in a transaction of its own, so that the fault fails only
///   the writes it affects.
///
/// Writes are never cancelled once submitted: a caller that could return before its write ran (or while it runs)
/// would not know whether it committed.
final class SQLiteGroupCommit: Sendable {
    /// One submitted write.
    private struct Job: Sendable {
        /// Runs the write in the current transaction; returns what resumes its caller once the transaction commits.
        let run: @Sendable (Database) throws -> @Sendable () -> Void
        /// Resumes the caller with an error.
        let fail: @Sendable (any Error) -> Void
    }

    /// The most writes one transaction carries: a longer transaction holds SQLite's write lock longer, which other
    /// processes sharing the file wait for.
    static let maximumBatch = 256

    private let pool: DatabasePool
    private let pending = Mutex<[Job]>([])

    init(pool: DatabasePool) {
        self.pool = pool
    }

    /// Runs `body` in a write transaction shared with the writes submitted meanwhile; returns its result once that
    /// transaction committed. If `body` throws, none of its changes are kept and its error is rethrown.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(
                run: { db in
                    let value = try body(db)
                    return { continuation.resume(returning: value) }
                },
                fail: { continuation.resume(throwing: $0) })
            pending.withLock { $0.append(job) }
            // One drain per write: every write is taken by its own drain at the latest, so none waits for a
            // submission that never comes. Drains that find nothing left return at once.
            pool.asyncWriteWithoutTransaction { db in self.drain(db) }
        }
    }

    /// Runs the writes pending now (up to ``maximumBatch``) in one transaction. Runs on the writer's queue.
    private func drain(_ db: Database) {
        let jobs: [Job] = pending.withLock { pending in
            let count = min(pending.count, Self.maximumBatch)
            defer { pending.removeFirst(count) }
            return Array(pending.prefix(count))
        }
        guard jobs.count > 1 else {
            if let job = jobs.first { runAlone(job, db) }
            return
        }
        var committed: [@Sendable () -> Void] = []
        var failed: [(job: Job, error: any Error)] = []
        do {
            try db.inTransaction {
                for job in jobs {
                    var completion: (@Sendable () -> Void)?
                    do {
                        try db.inSavepoint {
                            completion = try job.run(db)
                            return .commit
                        }
                        if let completion { committed.append(completion) }
                    } catch {
                        // An error that ended the whole transaction took the writes before it along.
                        guard db.isInsideTransaction else { throw error }
                        failed.append((job, error))
                    }
                }
                return .commit
            }
        } catch {
            // Nothing of the batch was committed: each write runs again alone.
            for job in jobs { runAlone(job, db) }
            return
        }
        for completion in committed { completion() }
        for (job, error) in failed { job.fail(error) }
    }

    /// Runs one write in a transaction of its own and resumes its caller.
    private func runAlone(_ job: Job, _ db: Database) {
        var completion: (@Sendable () -> Void)?
        do {
            try db.inTransaction {
                completion = try job.run(db)
                return .commit
            }
        } catch {
            job.fail(error)
            return
        }
        completion?()
    }
}
