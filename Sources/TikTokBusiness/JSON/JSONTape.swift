/// One value of a parsed JSON text: what it is and where its bytes are.
///
/// A tape lists a text's values in document order, each container before its contents and each object member as a key
/// entry followed by its value's entries, in the spirit of simdjson's tape. Nothing is copied out of the text: strings
/// and numbers are byte ranges, turned into Swift values only when a decoder asks for them.
struct JSONTapeEntry: Sendable {
    enum Kind: UInt8, Sendable {
        case null, `true`, `false`, number
        /// A string without backslash escapes: its bytes are its UTF-8.
        case string
        /// A string with backslash escapes, decoded when read.
        case escapedString
        case array, object
    }

    var kind: Kind
    /// Strings: the first byte after the opening quote. Other values: their first byte.
    var start: UInt32
    /// Strings: the closing quote. Other values: the byte after their last.
    var end: UInt32
    /// The index of the entry after this value and everything inside it.
    var next: UInt32
    /// Arrays: elements; objects: members; otherwise 0.
    var count: UInt32
}

/// RFC 8259 parsing into a tape of ``JSONTapeEntry``. Strict: anything RFC 8259 does not allow throws, with the byte
/// offset where it was found; nesting deeper than ``JSONParseError/maximumDepth`` throws rather than recursing.
enum JSONTape {
    /// Parses `bytes`, which must hold exactly one JSON value (and whitespace around it).
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> [JSONTapeEntry] {
        let n = bytes.count
        guard n < Int(UInt32.max) else { throw JSONParseError(.tooLarge, at: 0) }
        var tape: [JSONTapeEntry] = []
        tape.reserveCapacity(n / 10 + 4)
        // The tape indices of the containers open at this point.
        var open: [Int] = []
        open.reserveCapacity(16)
        var i = skipWhitespace(bytes, from: 0)
        parsing: while true {
            // A value starts at `i`.
            guard i < n else { throw JSONParseError(.truncated, at: i) }
            let byte = bytes[i]
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard open.count < JSONParseError.maximumDepth else { throw JSONParseError(.tooDeep, at: i) }
                let isObject = byte == UInt8(ascii: "{")
                let index = tape.count
                tape.append(
                    JSONTapeEntry(kind: isObject ? .object : .array, start: UInt32(i), end: 0, next: 0, count: 0))
                i = skipWhitespace(bytes, from: i + 1)
                guard i < n else { throw JSONParseError(.truncated, at: i) }
                if bytes[i] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    i += 1
                    tape[index].end = UInt32(i)
                    tape[index].next = UInt32(tape.count)
                } else {
                    open.append(index)
                    if isObject { i = try parseKey(bytes, at: i, into: &tape) }
                    continue parsing
                }
            case UInt8(ascii: "\""):
                i = try parseString(bytes, at: i, into: &tape)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                let end = try scanNumber(bytes, at: i)
                let index = tape.count
                tape.append(
                    JSONTapeEntry(kind: .number, start: UInt32(i), end: UInt32(end), next: UInt32(index + 1), count: 0))
                i = end
            case UInt8(ascii: "t"):
                i = try parseLiteral(bytes, at: i, "true", .true, into: &tape)
            case UInt8(ascii: "f"):
                i = try parseLiteral(bytes, at: i, "false", .false, into: &tape)
            case UInt8(ascii: "n"):
                i = try parseLiteral(bytes, at: i, "null", .null, into: &tape)
            default:
                throw JSONParseError(.unexpectedByte, at: i)
            }
            // A value ended at `i`: count it in its container, then go on to the next one or close the container
            // (which ends a value in turn).
            while true {
                i = skipWhitespace(bytes, from: i)
                guard let top = open.last else { break parsing }
                guard i < n else { throw JSONParseError(.truncated, at: i) }
                tape[top].count += 1
                let isObject = tape[top].kind == .object
                switch bytes[i] {
                case UInt8(ascii: ","):
                    i = skipWhitespace(bytes, from: i + 1)
                    if isObject { i = try parseKey(bytes, at: i, into: &tape) }
                    continue parsing
                case UInt8(ascii: "}") where isObject, UInt8(ascii: "]") where !isObject:
                    i += 1
                    tape[top].end = UInt32(i)
                    tape[top].next = UInt32(tape.count)
                    open.removeLast()
                default:
                    throw JSONParseError(.unexpectedByte, at: i)
                }
            }
        }
        guard i == n else { throw JSONParseError(.trailingBytes, at: i) }
        return tape
    }

    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    @inline(__always)
    static func skipWhitespace(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        var i = start
        while i < bytes.count, isWhitespace(bytes[i]) { i += 1 }
        return i
    }

    /// Parses `"key"`, whitespace, `:` and whitespace; returns where the member's value starts.
    private static func parseKey(
        _ bytes: UnsafeRawBufferPointer, at start: Int, into tape: inout [JSONTapeEntry]
    ) throws(JSONParseError) -> Int {
        guard start < bytes.count else { throw JSONParseError(.truncated, at: start) }
        guard bytes[start] == UInt8(ascii: "\"") else { throw JSONParseError(.unexpectedByte, at: start) }
        var i = skipWhitespace(bytes, from: try parseString(bytes, at: start, into: &tape))
        guard i < bytes.count else { throw JSONParseError(.truncated, at: i) }
        guard bytes[i] == UInt8(ascii: ":") else { throw JSONParseError(.unexpectedByte, at: i) }
        i = skipWhitespace(bytes, from: i + 1)
        return i
    }

    private static func parseString(
        _ bytes: UnsafeRawBufferPointer, at quote: Int, into tape: inout [JSONTapeEntry]
    ) throws(JSONParseError) -> Int {
        let (end, escaped) = try scanString(bytes, at: quote)
        let index = tape.count
        tape.append(
            JSONTapeEntry(
                kind: escaped ? .escapedString : .string, start: UInt32(quote + 1), end: UInt32(end),
                next: UInt32(index + 1), count: 0))
        return end + 1
    }

    private static func parseLiteral(
        _ bytes: UnsafeRawBufferPointer, at start: Int, _ literal: StaticString, _ kind: JSONTapeEntry.Kind,
        into tape: inout [JSONTapeEntry]
    ) throws(JSONParseError) -> Int {
        let length = literal.utf8CodeUnitCount
        for offset in 0..<length {
            guard start + offset < bytes.count else { throw JSONParseError(.truncated, at: start + offset) }
            guard bytes[start + offset] == literal.utf8Start[offset] else {
                throw JSONParseError(.unexpectedByte, at: start + offset)
            }
        }
        let index = tape.count
        tape.append(
            JSONTapeEntry(
                kind: kind, start: UInt32(start), end: UInt32(start + length), next: UInt32(index + 1), count: 0))
        return start + length
    }

    /// Validates the string whose opening quote is at `quote`; returns the offset of its closing quote and whether it
    /// holds escapes.
    static func scanString(_ bytes: UnsafeRawBufferPointer, at quote: Int) throws(JSONParseError) -> (
        end: Int, escaped: Bool
    ) {
        let n = bytes.count
        var i = quote + 1
        var escaped = false
        while true {
            // The common case: printable ASCII, 8 bytes at a time, then byte by byte.
            i = skipPlainStringBytes(bytes, from: i)
            while i < n {
                let byte = bytes[i]
                guard byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") else { break }
                i += 1
            }
            guard i < n else { throw JSONParseError(.truncated, at: i) }
            let byte = bytes[i]
            if byte == UInt8(ascii: "\"") { return (i, escaped) }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                i = try scanEscape(bytes, at: i)
            } else if byte < 0x20 {
                throw JSONParseError(.controlCharacter, at: i)
            } else {
                i = try scanUTF8(bytes, at: i)
            }
        }
    }

    /// The offset of the first 8-byte word, from `start`, that holds a byte a string scanner must look at (`"`, `\`, a
    /// control character or a non-ASCII byte), or of the last word that does not fit in `bytes`: all bytes before it
    /// are printable ASCII other than `"` and `\`.
    @inline(__always)
    static func skipPlainStringBytes(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quotes = ones &* UInt64(UInt8(ascii: "\""))
        let backslashes = ones &* UInt64(UInt8(ascii: "\\"))
        let spaces = ones &* 0x20
        var i = start
        while i + 8 <= bytes.count {
            let word = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let quote = word ^ quotes
            let backslash = word ^ backslashes
            // Whether any byte is zero (a quote or backslash after the xor) or below 0x20, or has its high bit set:
            // exact as to whether there is one, which is all that matters here.
            let special =
                ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((word &- spaces) & ~word) | word
            if special & highs != 0 { break }
            i += 8
        }
        return i
    }

    /// Validates the escape sequence at `backslash`; returns the offset after it (and after its low surrogate's
    /// escape, for a high surrogate).
    private static func scanEscape(_ bytes: UnsafeRawBufferPointer, at backslash: Int) throws(JSONParseError) -> Int {
        let n = bytes.count
        guard backslash + 1 < n else { throw JSONParseError(.truncated, at: n) }
        switch bytes[backslash + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return backslash + 2
        case UInt8(ascii: "u"):
            let unit = try hex4(bytes, at: backslash + 2)
            switch unit {
            case 0xD800...0xDBFF:
                let low = backslash + 6
                guard low < n else { throw JSONParseError(.truncated, at: n) }
                guard bytes[low] == UInt8(ascii: "\\") else { throw JSONParseError(.invalidUnicode, at: backslash) }
                guard low + 1 < n else { throw JSONParseError(.truncated, at: n) }
                guard bytes[low + 1] == UInt8(ascii: "u") else { throw JSONParseError(.invalidUnicode, at: backslash) }
                guard (0xDC00...0xDFFF).contains(try hex4(bytes, at: low + 2)) else {
                    throw JSONParseError(.invalidUnicode, at: backslash)
                }
                return low + 6
            case 0xDC00...0xDFFF:
                throw JSONParseError(.invalidUnicode, at: backslash)
            default:
                return backslash + 6
            }
        default:
            throw JSONParseError(.invalidEscape, at: backslash)
        }
    }

    /// The four hex digits at `start`.
    static func hex4(_ bytes: UnsafeRawBufferPointer, at start: Int) throws(JSONParseError) -> UInt32 {
        var value: UInt32 = 0
        for i in start..<start + 4 {
            guard i < bytes.count else { throw JSONParseError(.truncated, at: i) }
            guard let digit = hexDigit(bytes[i]) else { throw JSONParseError(.invalidEscape, at: i) }
            value = value << 4 | digit
        }
        return value
    }

    @inline(__always)
    static func hexDigit(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// Validates the multi-byte UTF-8 sequence whose lead byte is at `lead` (shortest form, no surrogates, at most
    /// U+10FFFF); returns the offset after it.
    private static func scanUTF8(_ bytes: UnsafeRawBufferPointer, at lead: Int) throws(JSONParseError) -> Int {
        let first = bytes[lead]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch first {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default: throw JSONParseError(.invalidUnicode, at: lead)
        }
        guard lead + length <= bytes.count else { throw JSONParseError(.truncated, at: bytes.count) }
        guard secondRange.contains(bytes[lead + 1]) else { throw JSONParseError(.invalidUnicode, at: lead) }
        for i in lead + 2..<lead + length where bytes[i] & 0xC0 != 0x80 {
            throw JSONParseError(.invalidUnicode, at: lead)
        }
        return lead + length
    }

    /// Validates the number starting at `start`; returns the offset after it.
    static func scanNumber(_ bytes: UnsafeRawBufferPointer, at start: Int) throws(JSONParseError) -> Int {
        let n = bytes.count
        var i = start
        @inline(__always) func isDigit(_ i: Int) -> Bool {
            i < n && bytes[i] >= UInt8(ascii: "0") && bytes[i] <= UInt8(ascii: "9")
        }
        if i < n, bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard i < n else { throw JSONParseError(.truncated, at: i) }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
        } else if isDigit(i) {
            while isDigit(i) { i += 1 }
        } else {
            throw JSONParseError(.invalidNumber, at: start)
        }
        if i < n, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard i < n else { throw JSONParseError(.truncated, at: i) }
            guard isDigit(i) else { throw JSONParseError(.invalidNumber, at: start) }
            while isDigit(i) { i += 1 }
        }
        if i < n, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < n, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard i < n else { throw JSONParseError(.truncated, at: i) }
            guard isDigit(i) else { throw JSONParseError(.invalidNumber, at: start) }
            while isDigit(i) { i += 1 }
        }
        return i
    }
}
