import Foundation

/// A parsed JSON text: its bytes and their tape. Valid only while `bytes` is (decoders use it inside the
/// `withUnsafeBytes` call that produced it and never let it escape).
final class JSONDocument {
    /// The text.
    let bytes: UnsafeRawBufferPointer
    /// Its values, in document order.
    let tape: [JSONTapeEntry]
    /// The storage `bytes` points into, kept by values that materialize lazily (``LazyJSON``); `nil` when `bytes`
    /// belongs to no `Data`, in which case such values are materialized at once.
    let source: Data?

    /// Parses `bytes`, which belong to `source` when it is given (and then point to its first byte).
    init(bytes: UnsafeRawBufferPointer, source: Data?) throws(JSONParseError) {
        self.bytes = bytes
        self.tape = try JSONTape.parse(bytes)
        self.source = source
    }

    /// The top-level value.
    var root: JSONNode { JSONNode(document: self, index: 0) }
}

/// A value in a ``JSONDocument``.
struct JSONNode {
    let document: JSONDocument
    let index: Int

    @inline(__always) var entry: JSONTapeEntry { document.tape[index] }
    @inline(__always) var kind: JSONTapeEntry.Kind { entry.kind }
    var isNull: Bool { kind == .null }
    var isObject: Bool { kind == .object }

    /// The value's bytes: a string's content between its quotes, anything else whole.
    var byteRange: Range<Int> {
        let entry = self.entry
        return Int(entry.start)..<Int(entry.end)
    }

    /// The value's whole text, quotes included for a string.
    var textRange: Range<Int> {
        let entry = self.entry
        switch entry.kind {
        case .string, .escapedString: return Int(entry.start) - 1..<Int(entry.end) + 1
        default: return Int(entry.start)..<Int(entry.end)
        }
    }

    // MARK: Containers

    /// The member named `key` of an object (the last one, when the key repeats); `nil` for absent members and for
    /// values that are not objects.
    func member(_ key: StaticString) -> JSONNode? {
        key.withUTF8Buffer { member(utf8: UnsafeRawBufferPointer($0)) }
    }

    /// The member named `key` of an object.
    func member(_ key: String) -> JSONNode? {
        var key = key
        return key.withUTF8 { member(utf8: UnsafeRawBufferPointer($0)) }
    }

    private func member(utf8 key: UnsafeRawBufferPointer) -> JSONNode? {
        let tape = document.tape
        let entry = tape[index]
        guard entry.kind == .object else { return nil }
        let bytes = document.bytes
        var found: Int?
        var i = index + 1
        let end = Int(entry.next)
        while i + 1 < end {
            let keyEntry = tape[i]
            let start = Int(keyEntry.start)
            let length = Int(keyEntry.end) - start
            if keyEntry.kind == .string {
                if length == key.count, JSONNode.bytesEqual(bytes, start, key) { found = i + 1 }
            } else if length >= key.count {
                // An escaped key is at least as long as its decoded form.
                let decoded = JSONNode(document: document, index: i).stringValue ?? ""
                if decoded.utf8.elementsEqual(key) { found = i + 1 }
            }
            i = Int(tape[i + 1].next)
        }
        return found.map { JSONNode(document: document, index: $0) }
    }

    /// Whether the `key.count` bytes at `start` are `key`'s.
    @inline(__always)
    private static func bytesEqual(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ key: UnsafeRawBufferPointer)
        -> Bool
    {
        guard start >= 0, start + key.count <= bytes.count else { return false }
        // Keys are short: a loop beats a call to memcmp.
        for offset in 0..<key.count where bytes[start + offset] != key[offset] { return false }
        return true
    }

    /// Calls `body` with each member of an object, in document order.
    func forEachMember(_ body: (_ key: JSONNode, _ value: JSONNode) throws -> Void) rethrows {
        let tape = document.tape
        let entry = tape[index]
        guard entry.kind == .object else { return }
        var i = index + 1
        let end = Int(entry.next)
        while i + 1 < end {
            try body(JSONNode(document: document, index: i), JSONNode(document: document, index: i + 1))
            i = Int(tape[i + 1].next)
        }
    }

    /// Calls `body` with each element of an array, in order.
    func forEachElement(_ body: (JSONNode) throws -> Void) rethrows {
        let tape = document.tape
        let entry = tape[index]
        guard entry.kind == .array else { return }
        var i = index + 1
        let end = Int(entry.next)
        while i < end {
            try body(JSONNode(document: document, index: i))
            i = Int(tape[i].next)
        }
    }

    /// The number of elements or members of a container; 0 otherwise.
    var count: Int { Int(entry.count) }

    // MARK: Scalars

    /// A string's value; `nil` for other values.
    var stringValue: String? {
        let entry = self.entry
        switch entry.kind {
        case .string:
            return String(
                decoding: UnsafeRawBufferPointer(rebasing: document.bytes[Int(entry.start)..<Int(entry.end)]),
                as: UTF8.self)
        case .escapedString:
            return JSONNode.unescape(document.bytes, Int(entry.start)..<Int(entry.end))
        default:
            return nil
        }
    }

    /// A number's text, as sent.
    var numberText: String? {
        let entry = self.entry
        guard entry.kind == .number else { return nil }
        return String(
            decoding: UnsafeRawBufferPointer(rebasing: document.bytes[Int(entry.start)..<Int(entry.end)]),
            as: UTF8.self)
    }

    /// ``JSONValue/stringValue``'s reading: a string as is, a number's text, `true`/`false`; otherwise `nil`.
    var lenientString: String? {
        switch kind {
        case .string, .escapedString: stringValue
        case .number: numberText
        case .true: "true"
        case .false: "false"
        case .null, .array, .object: nil
        }
    }

    /// An integer sent as a number or a numeric string (truncated when it has a fraction); `nil` otherwise.
    var lenientInt: Int? {
        guard kind != .true, kind != .false, let text = lenientString else { return nil }
        return JSONNode.lenientInt(text: text)
    }

    /// An integer from a number's or a string's text, as ``JSONValue/intValue`` reads it, or its double truncated
    /// (`nil` when out of range).
    static func lenientInt(text: String) -> Int? {
        if let int = Int(text) { return int }
        guard let double = Double(text), double.isFinite else { return nil }
        return Int(exactly: double.rounded(.towardZero))
    }

    /// A double sent as a number or a numeric string.
    var lenientDouble: Double? {
        guard kind != .true, kind != .false else { return nil }
        return lenientString.flatMap(Double.init)
    }

    /// A bool, when the value is one.
    var boolValue: Bool? {
        switch kind {
        case .true: true
        case .false: false
        default: nil
        }
    }

    /// Decodes the string content in `range` (escapes included, already validated).
    static func unescape(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        // Unescaped text is never longer than escaped text: `\n` → 1 byte, `\uXXXX` → at most 3, a surrogate pair's
        // 12 → 4.
        String(unsafeUninitializedCapacity: range.count) { (out: UnsafeMutableBufferPointer<UInt8>) -> Int in
            var written = 0
            func put(_ byte: UInt8) {
                guard written < out.count else { return }
                out[written] = byte
                written += 1
            }
            var i = range.lowerBound
            let end = range.upperBound
            while i < end {
                let byte = bytes[i]
                guard byte == UInt8(ascii: "\\"), i + 1 < end else {
                    put(byte)
                    i += 1
                    continue
                }
                let escape = bytes[i + 1]
                i += 2
                switch escape {
                case UInt8(ascii: "b"): put(0x08)
                case UInt8(ascii: "f"): put(0x0C)
                case UInt8(ascii: "n"): put(0x0A)
                case UInt8(ascii: "r"): put(0x0D)
                case UInt8(ascii: "t"): put(0x09)
                case UInt8(ascii: "u"):
                    guard i + 4 <= end, let unit = try? JSONTape.hex4(bytes, at: i) else {
                        put(UInt8(ascii: "?"))
                        continue
                    }
                    i += 4
                    var value = unit
                    if (0xD800...0xDBFF).contains(unit), i + 6 <= end, bytes[i] == UInt8(ascii: "\\"),
                        bytes[i + 1] == UInt8(ascii: "u"), let low = try? JSONTape.hex4(bytes, at: i + 2),
                        (0xDC00...0xDFFF).contains(low)
                    {
                        value = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    }
                    if let encoded = UTF8.encode(Unicode.Scalar(value) ?? "\u{FFFD}") {
                        for byte in encoded { put(byte) }
                    }
                default: put(escape)
                }
            }
            return written
        }
    }

    // MARK: JSONValue

    /// The value as a ``JSONValue`` tree.
    var jsonValue: JSONValue {
        document.tape.withUnsafeBufferPointer { tape in
            JSONNode.value(at: index, tape: tape, bytes: document.bytes)
        }
    }

    private static func value(
        at index: Int, tape: UnsafeBufferPointer<JSONTapeEntry>, bytes: UnsafeRawBufferPointer
    ) -> JSONValue {
        let entry = tape[index]
        let range = Int(entry.start)..<Int(entry.end)
        switch entry.kind {
        case .null: return .null
        case .true: return .bool(true)
        case .false: return .bool(false)
        case .number: return .number(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self))
        case .string: return .string(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self))
        case .escapedString: return .string(unescape(bytes, range))
        case .array:
            var elements: [JSONValue] = []
            elements.reserveCapacity(Int(entry.count))
            var i = index + 1
            let end = Int(entry.next)
            while i < end {
                elements.append(value(at: i, tape: tape, bytes: bytes))
                i = Int(tape[i].next)
            }
            return .array(elements)
        case .object:
            var members: [String: JSONValue] = [:]
            members.reserveCapacity(Int(entry.count))
            var i = index + 1
            let end = Int(entry.next)
            while i + 1 < end {
                let key = tape[i]
                let keyRange = Int(key.start)..<Int(key.end)
                let name =
                    key.kind == .string
                    ? String(decoding: UnsafeRawBufferPointer(rebasing: bytes[keyRange]), as: UTF8.self)
                    : unescape(bytes, keyRange)
                members[name] = value(at: i + 1, tape: tape, bytes: bytes)
                i = Int(tape[i + 1].next)
            }
            return .object(members)
        }
    }

    /// The value kept for later: its bytes, when the document belongs to a `Data`, else its ``JSONValue`` now.
    var lazyValue: LazyJSON {
        guard let source = document.source else { return LazyJSON(jsonValue) }
        return LazyJSON(source: source, range: textRange)
    }
}
