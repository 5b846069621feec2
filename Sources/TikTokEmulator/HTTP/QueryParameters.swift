import Hummingbird

/// The query parameters of an API call, with TikTok's conventions: arrays and objects arrive as JSON-encoded strings,
/// and an empty value counts as missing.
struct QueryParameters: Sendable {
    private let values: [String: String]

    /// The request's query parameters, or 40002 when the query string is malformed.
    init(_ request: Request) throws(APIError) {
        self.values = try FormEncoding.decode(request.uri.query ?? "")
    }

    init(values: [String: String]) {
        self.values = values
    }

    /// The value, or `nil` when absent or empty.
    func optional(_ name: String) -> String? {
        guard let value = self.values[name], !value.isEmpty else { return nil }
        return value
    }

    /// The value, or 40002 naming the parameter.
    func required(_ name: String) throws(APIError) -> String {
        guard let value = self.optional(name) else { throw APIError.missing(name) }
        return value
    }

    /// An integer in `range`, `defaultValue` when absent, else 40002.
    func int(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>) throws(APIError) -> Int {
        guard let text = self.optional(name) else { return defaultValue }
        guard let value = Int(text.trimmingWhitespace()), range.contains(value) else {
            throw APIError.invalid(name, "Must be an integer between \(range.lowerBound) and \(range.upperBound).")
        }
        return value
    }

    /// A boolean (`true`/`false`), `nil` when absent, else 40002.
    func bool(_ name: String) throws(APIError) -> Bool? {
        guard let text = self.optional(name) else { return nil }
        switch text.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw APIError.invalid(name, "Not a valid boolean.")
        }
    }

    /// A JSON value, `nil` when absent, else 40002 when malformed.
    func json(_ name: String) throws(APIError) -> JSONValue? {
        guard let text = self.optional(name) else { return nil }
        guard let value = JSONValue.parse(text) else {
            throw APIError.invalid(name, "Invalid JSON: array and object parameters must be JSON-encoded strings.")
        }
        return value
    }

    /// A JSON array of strings (numbers accepted as ids), `nil` when absent, else 40002.
    func stringArray(_ name: String) throws(APIError) -> [String]? {
        guard let value = try self.json(name) else { return nil }
        return try Self.strings(value, name: name)
    }

    /// A JSON object, `nil` when absent, else 40002.
    func object(_ name: String) throws(APIError) -> JSONValue? {
        guard let value = try self.json(name) else { return nil }
        guard value.objectValue != nil else { throw APIError.invalid(name, "Must be a JSON object.") }
        return value
    }

    /// The strings of a JSON array (numbers accepted), else 40002 naming `name`.
    static func strings(_ value: JSONValue, name: String) throws(APIError) -> [String] {
        guard let elements = value.arrayValue else { throw APIError.invalid(name, "Must be a JSON array.") }
        var strings: [String] = []
        strings.reserveCapacity(elements.count)
        for element in elements {
            guard let string = element.stringValue else {
                throw APIError.invalid(name, "Every element must be a string.")
            }
            strings.append(string)
        }
        return strings
    }
}
