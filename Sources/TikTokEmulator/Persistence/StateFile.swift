import Dispatch
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a persisted state cannot be restored (reported as ``EmulatorStateFileError/Kind/corrupt``).
struct InvalidPersistedState: Error, Sendable {
    let reason: String

    init(_ reason: String) {
        self.reason = reason
    }
}

/// The emulator's state file: read once at start, then rewritten atomically (temporary file in the same folder,
/// mode 0600, renamed over the old one) a short delay after changes, so that a burst of changes costs one write (the
/// delay grows with the time a write takes, for large states).
///
/// The stores call ``changed()`` after each durable change (an atomic increment and an atomic read while a write is
/// scheduled, never any I/O or lock); a write copies the stores' state under their locks in O(1) and encodes and
/// writes it outside them, on a dispatch queue of its own so that encoding a large state and `fsync` never occupy a
/// thread of Swift's cooperative pool (which serves the requests). Writes never interleave: each one holds the writer
/// lock, and records which change it covered, so ``flush()`` writes only when something changed.
final class StateFile: Sendable {
    private struct Writer {
        /// The change count covered by the last successful write.
        var writtenChanges: UInt64 = 0
    }

    /// How long after a change the background write happens by default.
    static let defaultWriteDelay = Duration.milliseconds(250)
    /// How long after a failed background write it is tried again.
    static let retryDelay = Duration.seconds(1)
    /// A background write waits at least this many times as long as the last write took, so that writing a large
    /// state under constant change uses at most about a fifth of a core.
    static let writeTimeFactor = 4

    /// The file's path.
    let path: String
    /// How long after a change the background write happens.
    let writeDelay: Duration

    private let logger: Logger
    /// Counts durable changes.
    private let changes = Atomic<UInt64>(0)
    /// Whether a background write is scheduled and has not yet started.
    private let writeScheduled = Atomic<Bool>(false)
    /// Whether the last background write failed (so that a failure streak is logged once).
    private let failing = Atomic<Bool>(false)
    /// How long the last write took, in microseconds.
    private let lastWriteMicroseconds = Atomic<Int>(0)
    /// What to write: set once, when the emulator state exists.
    private let source = Mutex<(@Sendable () -> PersistedEmulatorState?)?>(nil)
    private let writer = Mutex(Writer())

    /// Where background writes run (off the cooperative pool: they block on encoding and `fsync`).
    private static let writeQueue = DispatchQueue(label: "tiktok-emulator.state-file", qos: .utility)

    init(path: String, writeDelay: Duration = StateFile.defaultWriteDelay, logger: Logger) {
        self.path = path
        self.writeDelay = writeDelay
        self.logger = logger
    }

    /// Sets what the file holds: `source` returns the current durable state (`nil` once there is none).
    func attach(_ source: @escaping @Sendable () -> PersistedEmulatorState?) {
        self.source.withLock { $0 = source }
    }

    /// Records a durable change and schedules a background write unless one is already scheduled.
    func changed() {
        self.changes.wrappingAdd(1, ordering: .sequentiallyConsistent)
        // The common case under load: a write is already scheduled and will cover this change.
        if self.writeScheduled.load(ordering: .sequentiallyConsistent) { return }
        let lastWrite = Duration.microseconds(self.lastWriteMicroseconds.load(ordering: .relaxed))
        self.scheduleWrite(after: max(self.writeDelay, lastWrite * Self.writeTimeFactor))
    }

    /// Writes the current state now if anything changed since the last write (waiting for a write in progress).
    /// - Throws: ``EmulatorStateFileError/Kind/writeFailed``.
    func flush() throws(EmulatorStateFileError) {
        try self.writeIfChanged(force: false)
        if self.failing.exchange(false, ordering: .sequentiallyConsistent) {
            self.logger.notice("emulator state file written again", metadata: ["tiktok.state_file": "\(self.path)"])
        }
    }

    /// Writes the current state now, changed or not (creates the file at start).
    /// - Throws: ``EmulatorStateFileError/Kind/writeFailed``.
    func writeNow() throws(EmulatorStateFileError) {
        try self.writeIfChanged(force: true)
    }

    private func scheduleWrite(after delay: Duration) {
        guard
            self.writeScheduled.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent)
                .exchanged
        else { return }
        Task {
            try? await Task.sleep(for: delay)
            // Changes from now on schedule another write, which finds nothing to do if this one covered them.
            self.writeScheduled.store(false, ordering: .sequentiallyConsistent)
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                Self.writeQueue.async {
                    self.backgroundWrite()
                    continuation.resume()
                }
            }
        }
    }

    private func backgroundWrite() {
        do {
            try self.writeIfChanged(force: false)
            if self.failing.exchange(false, ordering: .sequentiallyConsistent) {
                self.logger.notice(
                    "emulator state file written again", metadata: ["tiktok.state_file": "\(self.path)"])
            }
        } catch {
            if !self.failing.exchange(true, ordering: .sequentiallyConsistent) {
                self.logger.error(
                    "cannot write the emulator state file; retrying every second",
                    metadata: ["tiktok.state_file": "\(self.path)", "tiktok.error": "\(error.reason)"]
                )
            }
            self.scheduleWrite(after: Self.retryDelay)
        }
    }

    private func writeIfChanged(force: Bool) throws(EmulatorStateFileError) {
        try self.writer.withLock { writer throws(EmulatorStateFileError) in
            // Read the count before the snapshot: a change made meanwhile is in the snapshot or counted as unwritten.
            let changes = self.changes.load(ordering: .sequentiallyConsistent)
            guard force || changes != writer.writtenChanges else { return }
            let started = ContinuousClock.now
            guard let source = self.source.withLock({ $0 }), let state = source() else { return }
            let data: Data
            do {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                data = try encoder.encode(state)
            } catch {
                throw EmulatorStateFileError(.writeFailed, path: self.path, reason: "cannot encode the state: \(error)")
            }
            try Self.replaceAtomically(self.path, with: data)
            writer.writtenChanges = changes
            let elapsed = (ContinuousClock.now - started).components
            let microseconds = elapsed.seconds * 1_000_000 + elapsed.attoseconds / 1_000_000_000_000
            self.lastWriteMicroseconds.store(Int(clamping: microseconds), ordering: .relaxed)
        }
    }

    // MARK: Reading

    /// The state saved at `path`, or `nil` when there is no file there.
    /// - Throws: ``EmulatorStateFileError`` when the file exists but cannot be read, is not a valid emulator state or
    ///   has an unknown format version.
    static func read(_ path: String) throws(EmulatorStateFileError) -> PersistedEmulatorState? {
        var status = stat()
        if stat(path, &status) != 0 {
            let error = errno
            if error == ENOENT { return nil }
            throw EmulatorStateFileError(.unreadable, path: path, reason: Self.describe(errno: error))
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw EmulatorStateFileError(.unreadable, path: path, reason: "\(error)")
        }
        return try self.decode(data, path: path)
    }

    /// Decodes a state file's content.
    static func decode(_ data: Data, path: String) throws(EmulatorStateFileError) -> PersistedEmulatorState {
        let decoder = JSONDecoder()
        let header: PersistedEmulatorState.Header
        do {
            header = try decoder.decode(PersistedEmulatorState.Header.self, from: data)
        } catch {
            throw EmulatorStateFileError(
                .corrupt, path: path,
                reason: "not an emulator state file (no JSON object with format and version): \(Self.describe(error))")
        }
        guard header.format == PersistedEmulatorState.formatName else {
            throw EmulatorStateFileError(
                .corrupt, path: path,
                reason: "format is \"\(header.format)\", not \"\(PersistedEmulatorState.formatName)\"")
        }
        guard header.version == PersistedEmulatorState.currentVersion else {
            throw EmulatorStateFileError(
                header.version > PersistedEmulatorState.currentVersion ? .unsupportedVersion : .corrupt,
                path: path,
                reason: "format version \(header.version); this emulator reads version "
                    + "\(PersistedEmulatorState.currentVersion)")
        }
        do {
            return try decoder.decode(PersistedEmulatorState.self, from: data)
        } catch {
            throw EmulatorStateFileError(.corrupt, path: path, reason: Self.describe(error))
        }
    }

    /// A decoding error's location and cause (the messages name fields and types, never values).
    private static func describe(_ error: any Error) -> String {
        let context: DecodingError.Context
        switch error as? DecodingError {
        case .typeMismatch(_, let found)?, .valueNotFound(_, let found)?, .keyNotFound(_, let found)?,
            .dataCorrupted(let found)?:
            context = found
        default:
            return "\(error)"
        }
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return path.isEmpty ? context.debugDescription : "at \(path): \(context.debugDescription)"
    }

    // MARK: Writing

    /// Writes `data` to a new 0600 file next to `path`, flushes it to disk and renames it over `path`.
    static func replaceAtomically(_ path: String, with data: Data) throws(EmulatorStateFileError) {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(TokenFactory.hex(12)).tmp").path
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw EmulatorStateFileError(
                .writeFailed, path: path, reason: "cannot create a file in \(folder): \(Self.describe(errno: errno))")
        }
        var failure: String?
        let written = data.withUnsafeBytes { buffer -> Int32 in
            var offset = 0
            while offset < buffer.count {
                let count = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += count
            }
            return 0
        }
        if written != 0 {
            failure = "cannot write: \(Self.describe(errno: written))"
        } else if fsync(descriptor) != 0 {
            failure = "cannot flush to disk: \(Self.describe(errno: errno))"
        }
        if close(descriptor) != 0, failure == nil {
            failure = "cannot close: \(Self.describe(errno: errno))"
        }
        if failure == nil, rename(temporary, path) != 0 {
            failure = "cannot rename the new file over the old one: \(Self.describe(errno: errno))"
        }
        if let failure {
            unlink(temporary)
            throw EmulatorStateFileError(.writeFailed, path: path, reason: failure)
        }
        // Make the rename durable too (best effort: not every file system supports syncing a folder).
        let folderDescriptor = open(folder, O_RDONLY | O_CLOEXEC)
        if folderDescriptor >= 0 {
            _ = fsync(folderDescriptor)
            _ = close(folderDescriptor)
        }
    }

    private static func describe(errno: Int32) -> String {
        String(cString: strerror(errno))
    }
}
