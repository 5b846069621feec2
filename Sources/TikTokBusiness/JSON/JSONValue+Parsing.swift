import Foundation

extension JSONValue {
    /// Parses a JSON text (RFC 8259, strictly: anything else throws a ``JSONParseError`` with the byte offset of the
    /// fault, never the text). Numbers keep their text, so 64-bit ids survive; nesting deeper than
    /// ``JSONParseError/maximumDepth`` throws.
    public init(parsing data: Data) throws {
        self = try data.withUnsafeBytes { bytes throws(JSONParseError) in try JSONValue(parsing: bytes) }
    }

    /// Parses a JSON text given as a string; see ``init(parsing:)-(Data)``.
    public init(parsing text: String) throws {
        var text = text
        self = try text.withUTF8 { bytes throws(JSONParseError) in
            try JSONValue(parsing: UnsafeRawBufferPointer(bytes))
        }
    }

    /// Parses the JSON text in `bytes`.
    init(parsing bytes: UnsafeRawBufferPointer) throws(JSONParseError) {
        self = try JSONDocument(bytes: bytes, source: nil).root.jsonValue
    }
}

extension JSONValue: JSONNodeDecodable {
    init(jsonNode node: JSONNode) throws {
        self = node.jsonValue
    }
}
