/// Skipping JSON values by their structure alone, for readers that want one member of a large text (the envelope
/// head of a report page) and must not pay for the rest.
///
/// A skipped container is checked only for structure: its strings end, its brackets match and nest at most
/// ``JSONParseError/maximumDepth`` deep. What lies between (numbers, commas, colons) is not validated. Scalars are
/// validated fully.
enum JSONSkip {
    enum Outcome: Equatable {
        /// The value ends just before this offset.
        case end(Int)
        /// The bytes end inside the value (or right after a number or literal, which might go on).
        case truncated
        /// The bytes cannot be a JSON value.
        case invalid
    }

    /// Skips the value that starts at `start`.
    static func value(_ bytes: UnsafeRawBufferPointer, at start: Int, depth: Int = 1) -> Outcome {
        let n = bytes.count
        guard start < n else { return .truncated }
        switch bytes[start] {
        case UInt8(ascii: "\""):
            return string(bytes, at: start)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            return container(bytes, at: start, maximumDepth: JSONParseError.maximumDepth - depth)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            do throws(JSONParseError) {
                let end = try JSONTape.scanNumber(bytes, at: start)
                return end < n ? .end(end) : .truncated
            } catch {
                return error.reason == .truncated ? .truncated : .invalid
            }
        case UInt8(ascii: "t"): return literal(bytes, at: start, "true")
        case UInt8(ascii: "f"): return literal(bytes, at: start, "false")
        case UInt8(ascii: "n"): return literal(bytes, at: start, "null")
        default: return .invalid
        }
    }

    /// Skips the string whose opening quote is at `quote`, without validating its content.
    static func string(_ bytes: UnsafeRawBufferPointer, at quote: Int) -> Outcome {
        let n = bytes.count
        var i = quote + 1
        while i < n {
            i = JSONTape.skipPlainStringBytes(bytes, from: i)
            guard i < n else { break }
            let byte = bytes[i]
            if byte == UInt8(ascii: "\"") { return .end(i + 1) }
            i += byte == UInt8(ascii: "\\") ? 2 : 1
        }
        return .truncated
    }

    private static func literal(_ bytes: UnsafeRawBufferPointer, at start: Int, _ literal: StaticString) -> Outcome {
        let length = literal.utf8CodeUnitCount
        for offset in 0..<length {
            guard start + offset < bytes.count else { return .truncated }
            guard bytes[start + offset] == literal.utf8Start[offset] else { return .invalid }
        }
        return start + length < bytes.count ? .end(start + length) : .truncated
    }

    /// Skips the array or object at `start`: strings are stepped over, brackets counted and matched.
    private static func container(_ bytes: UnsafeRawBufferPointer, at start: Int, maximumDepth: Int) -> Outcome {
        let capacity = max(1, maximumDepth)
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { open in
            let n = bytes.count
            var depth = 0
            var i = start
            while i < n {
                let byte = bytes[i]
                switch byte {
                case UInt8(ascii: "\""):
                    i += 1
                    while i < n {
                        i = JSONTape.skipPlainStringBytes(bytes, from: i)
                        guard i < n else { break }
                        let byte = bytes[i]
                        if byte == UInt8(ascii: "\"") { break }
                        i += byte == UInt8(ascii: "\\") ? 2 : 1
                    }
                    guard i < n else { return .truncated }
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    guard depth < maximumDepth, depth < open.count else { return .invalid }
                    open[depth] = byte
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    let opening = byte == UInt8(ascii: "}") ? UInt8(ascii: "{") : UInt8(ascii: "[")
                    guard depth > 0, open[depth - 1] == opening else { return .invalid }
                    depth -= 1
                    if depth == 0 { return .end(i + 1) }
                default:
                    break
                }
                i += 1
            }
            return .truncated
        }
    }
}
