/// An error reading or writing the emulator's state file (``TikTokEmulatorConfiguration/stateFile``).
///
/// A state file that cannot be read or parsed is never overwritten: ``TikTokEmulator/load(configuration:logger:)``
/// throws instead of starting empty.
public struct EmulatorStateFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of a state-file error; new kinds may be added.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case unreadable
            case corrupt
            case unsupportedVersion
            case writeFailed
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The file exists but could not be read (permissions, a directory, an I/O error).
        public static let unreadable = Kind(.unreadable)
        /// The file was read but is not a valid emulator state (not JSON, missing fields, inconsistent content).
        public static let corrupt = Kind(.corrupt)
        /// The file was written by a newer emulator, in a format version this one does not know.
        public static let unsupportedVersion = Kind(.unsupportedVersion)
        /// The state could not be written (the folder is missing or not writable, the disk is full).
        public static let writeFailed = Kind(.writeFailed)

        public var description: String { self.base.rawValue }
    }

    /// The kind of error.
    public let kind: Kind
    /// The state file's path.
    public let path: String
    /// What went wrong (never any token).
    public let reason: String

    init(_ kind: Kind, path: String, reason: String) {
        self.kind = kind
        self.path = path
        self.reason = reason
    }

    public var description: String {
        switch self.kind {
        case .unreadable: "Cannot read the TikTok emulator state file \(self.path): \(self.reason)"
        case .corrupt: "The TikTok emulator state file \(self.path) is not valid (left untouched): \(self.reason)"
        case .unsupportedVersion:
            "The TikTok emulator state file \(self.path) has an unsupported format (left untouched): \(self.reason)"
        default: "Cannot write the TikTok emulator state file \(self.path): \(self.reason)"
        }
    }
}
