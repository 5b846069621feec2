import Crypto
import Foundation

/// Reads a ``VaultFile`` line by line in bounded memory, checking its structure as it goes: a header of a known
/// version first, then connections, then events, then the trailer, whose counts and SHA-256 must match what was read.
/// A file cut short (no trailer), altered (checksum) or of an unknown version is refused.
struct VaultFileReader {
    /// What one pass over the file calls, in file order.
    struct Visitor {
        var header: (VaultFile.Header) async throws -> Void = { _ in }
        var connection: (VaultFile.ConnectionLine) async throws -> Void = { _ in }
        var event: (VaultFile.EventLine) async throws -> Void = { _ in }
    }

    let path: String
    static let chunkSize = 1 << 20

    /// Reads the whole file once, calling `visitor`; returns the header and the trailer once both are checked.
    func scan(_ visitor: Visitor) async throws -> (VaultFile.Header, VaultFile.Trailer) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw VaultTransferError(.fileUnreadable, "The vault file \(path) could not be opened for reading.")
        }
        defer { try? handle.close() }
        let decoder = JSONDecoder()
        var hasher = SHA256()
        var buffer = Data()
        var lineNumber = 0
        var header: VaultFile.Header?
        var trailer: VaultFile.Trailer?
        var connections = 0
        var events = 0
        var inEvents = false
        var atEnd = false

        func readLine() throws -> Data? {
            while true {
                if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = buffer[buffer.startIndex..<newline]
                    buffer = buffer[(newline + 1)...]
                    return Data(line)
                }
                if atEnd {
                    guard !buffer.isEmpty else { return nil }
                    // A last line without its newline: the file was cut short (the writer ends every line).
                    throw VaultTransferError(
                        .fileTruncated,
                        "The vault file \(path) ends in the middle of line \(lineNumber + 1): it is truncated. Use a "
                            + "complete copy, or export again.")
                }
                let chunk: Data?
                do {
                    chunk = try handle.read(upToCount: Self.chunkSize)
                } catch {
                    throw VaultTransferError(.fileUnreadable, "The vault file \(path) could not be read: \(error)")
                }
                if let chunk, !chunk.isEmpty {
                    buffer = Data(buffer) + chunk
                } else {
                    atEnd = true
                }
            }
        }

        while let bytes = try readLine() {
            lineNumber += 1
            guard trailer == nil else {
                throw VaultTransferError(
                    .fileInvalid, "The vault file \(path) has data after its end line (line \(lineNumber)).")
            }
            let line: VaultFile.Line
            do {
                line = try decoder.decode(VaultFile.Line.self, from: bytes)
            } catch {
                if lineNumber == 1 {
                    throw VaultTransferError(
                        .fileInvalid, "\(path) is not a tiktok-business vault file (its first line is not a header).")
                }
                throw VaultTransferError(.fileInvalid, "Line \(lineNumber) of the vault file \(path) is malformed.")
            }
            if case .end = line {
            } else {
                hasher.update(data: bytes)
                hasher.update(data: Data([UInt8(ascii: "\n")]))
            }
            switch line {
            case .header(let value):
                guard lineNumber == 1 else {
                    throw VaultTransferError(.fileInvalid, "Line \(lineNumber) of \(path) is a second header.")
                }
                guard value.format == VaultFile.format else {
                    throw VaultTransferError(.fileInvalid, "\(path) is not a tiktok-business vault file.")
                }
                guard value.version == VaultFile.version else {
                    throw VaultTransferError(
                        .fileInvalid,
                        "\(path) is a vault file of version \(value.version); this tiktok-business reads version "
                            + "\(VaultFile.version). Use the tiktok-business release that wrote it, or a newer one.")
                }
                header = value
                try await visitor.header(value)
            case .connection(let value):
                guard header != nil else { throw Self.noHeader(path) }
                guard !inEvents else {
                    throw VaultTransferError(.fileInvalid, "Line \(lineNumber) of \(path): a connection after events.")
                }
                connections += 1
                try await visitor.connection(value)
            case .event(let value):
                guard header != nil else { throw Self.noHeader(path) }
                inEvents = true
                events += 1
                try await visitor.event(value)
            case .end(let value):
                guard header != nil else { throw Self.noHeader(path) }
                trailer = value
            }
        }
        guard let header else {
            throw VaultTransferError(.fileInvalid, "\(path) is empty: it is not a tiktok-business vault file.")
        }
        guard let trailer else {
            throw VaultTransferError(
                .fileTruncated,
                "The vault file \(path) has no end line after \(connections) connections and \(events) events: it is "
                    + "truncated (an export that did not finish, or an incomplete copy). Nothing was imported. Use a "
                    + "complete copy, or export again.")
        }
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        guard digest == trailer.sha256 else {
            throw VaultTransferError(
                .fileTruncated,
                "The vault file \(path) does not match its checksum: it was altered or damaged. Use a complete copy, "
                    + "or export again.")
        }
        guard trailer.connections == connections, trailer.events == events else {
            throw VaultTransferError(
                .fileTruncated,
                "The vault file \(path) says it holds \(trailer.connections) connections and \(trailer.events) "
                    + "events, but \(connections) and \(events) were read.")
        }
        return (header, trailer)
    }

    private static func noHeader(_ path: String) -> VaultTransferError {
        VaultTransferError(.fileInvalid, "\(path) does not start with a vault file header.")
    }
}
