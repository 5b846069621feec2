/// Why an export or an import refused or failed. Its message says what was checked and what to do; it never holds a
/// token, a key, the app secret or the API key.
public struct VaultTransferError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure; new codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case fileExists, fileUnreadable, fileInvalid, fileTruncated, instancesRunning, wrongApp, targetNotEmpty
            case partialImport, missingKeys, tokensUnreadable, stale, writeFailed
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The destination of an export exists (and `force` was not given).
        public static let fileExists = Code(.fileExists)
        /// The file could not be opened or read.
        public static let fileUnreadable = Code(.fileUnreadable)
        /// The file is not a vault file of a known version, or a line is malformed.
        public static let fileInvalid = Code(.fileInvalid)
        /// The file ends before its trailer, or its checksum or counts do not match.
        public static let fileTruncated = Code(.fileTruncated)
        /// Instances are running on the vault being exported.
        public static let instancesRunning = Code(.instancesRunning)
        /// The file belongs to another TikTok app than the settings or the target database.
        public static let wrongApp = Code(.wrongApp)
        /// The import target already holds connections or events.
        public static let targetNotEmpty = Code(.targetNotEmpty)
        /// An earlier import into the target did not finish.
        public static let partialImport = Code(.partialImport)
        /// The key ring lacks key ids the file's tokens are sealed with.
        public static let missingKeys = Code(.missingKeys)
        /// Sealed tokens of the file do not open with the key ring.
        public static let tokensUnreadable = Code(.tokensUnreadable)
        /// The file may hold refresh tokens spent since the export.
        public static let stale = Code(.stale)
        /// Writing the file or the target failed.
        public static let writeFailed = Code(.writeFailed)

        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public let code: Code
    /// What happened and what to do.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
