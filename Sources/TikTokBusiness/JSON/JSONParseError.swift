/// Why a JSON text could not be read, and where.
///
/// The description names the byte offset and the reason, never the text itself: response bodies may hold tokens.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong with the text.
    public struct Reason: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case truncated = "the text ends inside a value"
            case unexpectedByte = "unexpected byte"
            case trailingBytes = "bytes after the value"
            case invalidNumber = "invalid number"
            case invalidEscape = "invalid escape sequence"
            case invalidUnicode = "invalid UTF-8 or unpaired surrogate"
            case controlCharacter = "unescaped control character in a string"
            case tooDeep = "nested too deeply"
            case tooLarge = "text too large"
        }

        private let base: Base

        /// The text ends before the value does (an unclosed string, array or object, or no value at all).
        public static let truncated = Reason(base: .truncated)
        /// A byte that cannot appear where it does.
        public static let unexpectedByte = Reason(base: .unexpectedByte)
        /// Something other than whitespace follows the value.
        public static let trailingBytes = Reason(base: .trailingBytes)
        /// A number that is not RFC 8259's grammar (`01`, `1.`, `-`, `.5`, …).
        public static let invalidNumber = Reason(base: .invalidNumber)
        /// A backslash escape that RFC 8259 does not define, or a `\u` without four hex digits.
        public static let invalidEscape = Reason(base: .invalidEscape)
        /// Bytes that are not UTF-8, or a `\u` surrogate without its pair.
        public static let invalidUnicode = Reason(base: .invalidUnicode)
        /// A control character (below U+0020) inside a string, unescaped.
        public static let controlCharacter = Reason(base: .controlCharacter)
        /// Arrays and objects nested deeper than ``JSONParseError/maximumDepth``.
        public static let tooDeep = Reason(base: .tooDeep)
        /// A text of 4 GiB or more.
        public static let tooLarge = Reason(base: .tooLarge)

        /// A short description of the reason.
        public var description: String { base.rawValue }
    }

    /// How deeply arrays and objects may nest.
    public static let maximumDepth = 512

    /// What was wrong.
    public var reason: Reason
    /// The byte offset at which it was found.
    public var offset: Int

    /// Creates an error.
    public init(_ reason: Reason, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    /// `JSON parse error at byte N: reason` (never the text itself).
    public var description: String { "JSON parse error at byte \(offset): \(reason)" }
}
