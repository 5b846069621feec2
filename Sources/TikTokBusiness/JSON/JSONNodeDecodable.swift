import Foundation

/// A type decoded straight from a parsed JSON text (``JSONNode``), in one pass and without `Codable`'s machinery.
///
/// The SDK's models conform; ``JSONNode/decode(_:)`` uses this conformance when a type has it and falls back to
/// `JSONDecoder` on the value's bytes when it does not (a user's own `Decodable` type).
protocol JSONNodeDecodable {
    /// Decodes a value. Throws `DecodingError` when the JSON is not of the expected shape.
    init(jsonNode node: JSONNode) throws
}

extension JSONNode {
    /// Decodes the value as `T`: with its ``JSONNodeDecodable`` conformance when it has one, else with
    /// `JSONDecoder` over this value's bytes only.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if let fast = T.self as? any JSONNodeDecodable.Type, let value = try fast.init(jsonNode: self) as? T {
            return value
        }
        return try JSONDecoder().decode(T.self, from: slice)
    }

    /// Decodes an array of `T`; `null` is an empty array.
    func decodeArray<T: Decodable>(_ type: T.Type) throws -> [T] {
        if kind == .null { return [] }
        if let fast = T.self as? any JSONNodeDecodable.Type, let values = try decodeArray(fast, as: T.self) {
            return values
        }
        return try JSONDecoder().decode([T].self, from: slice)
    }

    /// `[F]` decoded, as the `[T]` it is (`nil` if `F` were not `T`).
    private func decodeArray<F: JSONNodeDecodable, T>(_ fast: F.Type, as type: T.Type) throws -> [T]? {
        guard F.self == T.self else { return nil }
        guard kind == .array else { throw mismatch([T].self, "an array") }
        var values: [F] = []
        values.reserveCapacity(count)
        try forEachElement { values.append(try F(jsonNode: $0)) }
        // Safe: F and T are the same type (checked above), so the arrays have the same layout.
        return unsafeBitCast(values, to: [T].self)
    }

    /// The value's text as `Data` (sharing the document's storage when it has one).
    var slice: Data {
        let range = textRange
        if let source = document.source {
            return source[source.startIndex + range.lowerBound..<source.startIndex + range.upperBound]
        }
        return Data(UnsafeRawBufferPointer(rebasing: document.bytes[range]))
    }

    /// The object itself, or a `DecodingError` naming `type` when the value is not an object.
    func object(for type: Any.Type) throws -> JSONNode {
        guard kind == .object else { throw mismatch(type, "an object") }
        return self
    }

    /// A type mismatch error for this value (which names what was found and where, never its text).
    func mismatch(_ type: Any.Type, _ expected: String) -> DecodingError {
        DecodingError.typeMismatch(
            type,
            .init(codingPath: [], debugDescription: "Expected \(expected), found \(kind) at byte \(entry.start)."))
    }

    // MARK: Lenient members (the rules of LenientDecoding.swift)

    /// A member as a string, or a number's or bool's text; `nil` when absent, null or a container.
    func lenientString(_ key: StaticString) -> String? { member(key)?.lenientString }

    /// A member as an integer sent as a number or a numeric string; `nil` when absent or not numeric.
    func lenientInt(_ key: StaticString) -> Int? { member(key)?.lenientInt }

    /// A member as a double sent as a number or a numeric string.
    func lenientDouble(_ key: StaticString) -> Double? { member(key)?.lenientDouble }

    /// A member that is an array of strings whose elements may be numbers; empty when absent or null; throws when it
    /// is something other than an array.
    func lenientStrings(_ key: StaticString) throws -> [String] {
        guard let value = member(key), !value.isNull else { return [] }
        guard value.kind == .array else { throw value.mismatch([String].self, "an array") }
        var strings: [String] = []
        strings.reserveCapacity(value.count)
        value.forEachElement { element in
            if let string = element.lenientString { strings.append(string) }
        }
        return strings
    }

    /// A member that is an object, its values read as strings (others dropped); empty when absent or null.
    func lenientStringMap(_ key: StaticString) throws -> [String: String] {
        guard let value = member(key), !value.isNull else { return [:] }
        guard value.kind == .object else { throw value.mismatch([String: String].self, "an object") }
        var map: [String: String] = [:]
        map.reserveCapacity(value.count)
        value.forEachMember { key, value in
            if let name = key.stringValue { map[name] = value.lenientString }
        }
        return map
    }
}
