import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Files that hold secrets (key rings, the management API key): created with 0600 in a 0700 folder, read without
/// ever mistaking an unreadable file for a missing one.
public enum SecretFile {
    /// What reading a secret file found.
    public enum Contents: Sendable, Equatable {
        /// The file does not exist (and nothing stands in its way: its folder is readable).
        case missing
        /// The file's text, trimmed.
        case text(String)
    }

    /// Reads `path`. Only a file that does not exist is ``Contents/missing``; a file that exists but cannot be read
    /// (permissions, an I/O error, not UTF-8) or is empty throws, so that no caller ever generates a new secret over
    /// one it merely failed to read.
    /// - Parameter what: how messages name the file ("The key file").
    public static func read(_ path: String, what: String) throws -> Contents {
        var info = stat()
        if stat(path, &info) != 0 {
            let code = errno
            if code == ENOENT { return .missing }
            throw SettingsError("\(what) \(path) cannot be checked: \(String(cString: strerror(code))).")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw SettingsError("\(what) \(path) is not a regular file.")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SettingsError(
                "\(what) \(path) exists but cannot be read (\(Self.reason(error))). Fix its permissions or restore it; "
                    + "it is never replaced.")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SettingsError("\(what) \(path) is not UTF-8 text. Restore it from a backup; it is never replaced.")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw SettingsError("\(what) \(path) is empty. Restore it from a backup; it is never replaced.")
        }
        return .text(trimmed)
    }

    private static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain
        {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoPermissionError {
            return "permission denied"
        }
        return "error \(nsError.code)"
    }

    /// Writes `text` to `path` atomically, replacing the file: a crash leaves the old or the new file, never
    /// neither. Only deliberate changes (`keys rotate`) replace a secret file.
    public static func write(_ text: String, to path: String) throws {
        let temporary = try writeTemporary(text, beside: path)
        // rename(2) replaces the old file atomically.
        guard rename(temporary, path) == 0 else {
            let code = errno
            try? FileManager.default.removeItem(atPath: temporary)
            throw SettingsError("Could not replace \(path): \(String(cString: strerror(code))).")
        }
    }

    /// Creates `path` with `text` only if no file exists there; returns `false` (writing nothing) when one does
    /// (another process created it first).
    public static func create(_ text: String, at path: String) throws -> Bool {
        let temporary = try writeTemporary(text, beside: path)
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        // link(2) fails with EEXIST instead of replacing: two instances starting at once never overwrite each other.
        guard link(temporary, path) == 0 else {
            let code = errno
            if code == EEXIST { return false }
            throw SettingsError("Could not create \(path): \(String(cString: strerror(code))).")
        }
        return true
    }

    private static func writeTemporary(_ text: String, beside path: String) throws -> String {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw SettingsError("Could not create the folder \(directory) for \(path).")
            }
        }
        let temporary = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        guard
            FileManager.default.createFile(
                atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        else {
            throw SettingsError("Could not write \(path).")
        }
        return temporary
    }
}
