import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a file by way of a temporary file beside it (mode 0600), which ``commit(replacing:)`` moves into place.
final class VaultFileWriter: @unchecked Sendable {
    // @unchecked: used by one export at a time, from one task.
    let destination: String
    let temporary: String
    private let handle: FileHandle
    private var buffer = Data()
    private(set) var bytesWritten = 0

    init(destination: String) throws {
        self.destination = destination
        let url = URL(fileURLWithPath: destination)
        let random = (0..<8).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        temporary =
            url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(random).partial")
            .path
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw VaultTransferError(
                .writeFailed, "Could not create a file beside \(destination) (errno \(errno)); is the folder writable?")
        }
        handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    func write(_ line: Data) throws {
        buffer.append(line)
        bytesWritten += line.count
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            throw VaultTransferError(.writeFailed, "Could not write \(temporary): \(error)")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Syncs the file and moves it to the destination: atomically replacing an existing file when `replacing`,
    /// else failing if one appeared meanwhile.
    func commit(replacing: Bool) throws {
        try flush()
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            throw VaultTransferError(.writeFailed, "Could not write \(temporary): \(error)")
        }
        if replacing {
            guard rename(temporary, destination) == 0 else {
                throw VaultTransferError(.writeFailed, "Could not move the export to \(destination) (errno \(errno)).")
            }
        } else {
            // link() never replaces: a file that appeared at the destination meanwhile is kept.
            guard link(temporary, destination) == 0 else {
                let code = errno
                if code == EEXIST {
                    throw VaultTransferError(
                        .fileExists, "\(destination) appeared during the export; it was kept. Choose another file.")
                }
                throw VaultTransferError(.writeFailed, "Could not move the export to \(destination) (errno \(code)).")
            }
            unlink(temporary)
        }
    }

    /// Removes the temporary file (after a failure).
    func discard() {
        try? handle.close()
        unlink(temporary)
    }
}
