import Foundation

/// Decoding helpers that tolerate TikTok's habit of sending ids and numbers either as strings or as JSON numbers.
extension KeyedDecodingContainer {
    /// A string, or a number rendered as its text; `nil` when absent or null.
    func lenientString(_ key: Key) throws -> String? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        if let value = try? decode(String.self, forKey: key) { return value }
        return try decode(JSONValue.self, forKey: key).stringValue
    }

    /// An array of strings whose elements may be numbers; empty when absent.
    func lenientStrings(_ key: Key) throws -> [String] {
        guard contains(key), try !decodeNil(forKey: key) else { return [] }
        let values = try decode([JSONValue].self, forKey: key)
        return values.compactMap(\.stringValue)
    }

    /// An integer that may be sent as a string; `nil` when absent or not numeric.
    func lenientInt(_ key: Key) throws -> Int? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        let value = try decode(JSONValue.self, forKey: key)
        return value.stringValue.flatMap(JSONNode.lenientInt(text:))
    }

    /// A double that may be sent as a string.
    func lenientDouble(_ key: Key) throws -> Double? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try decode(JSONValue.self, forKey: key).doubleValue
    }
}

/// A coding key made from any string.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { self.stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
