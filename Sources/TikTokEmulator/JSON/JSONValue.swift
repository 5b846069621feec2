/// A JSON value with ordered object members.
///
/// Request bodies are decoded into it and responses are built from it, so the emulator controls the exact key order
/// and number formatting on the wire. An ``EncodedJSON`` value (``encoded(_:)``) is written as its cached text and
/// otherwise behaves as the value it holds.
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])
    /// A value encoded once, written as its cached text (see ``EncodedJSON``).
    indirect case encoded(EncodedJSON)

    /// The value itself, or the value an ``encoded(_:)`` holds.
    var resolved: JSONValue {
        guard case .encoded(let encoded) = self else { return self }
        return encoded.value
    }

    static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs.resolved, rhs.resolved) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.double(let a), .double(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    /// The member named `key` of an object, or `nil`.
    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self.resolved else { return nil }
        return members.first { $0.0 == key }?.1
    }

    /// A string, or an integer rendered as a string (TikTok ids arrive either way).
    var stringValue: String? {
        switch self.resolved {
        case .string(let value): value
        case .int(let value): String(value)
        default: nil
        }
    }

    /// An integer, or a string or integral double holding one.
    var intValue: Int? {
        switch self.resolved {
        case .int(let value): value
        case .double(let value): value.rounded() == value && abs(value) < 1e15 ? Int(value) : nil
        case .string(let value): Int(value)
        default: nil
        }
    }

    /// A number as a double.
    var doubleValue: Double? {
        switch self.resolved {
        case .int(let value): Double(value)
        case .double(let value): value
        default: nil
        }
    }

    /// A boolean, also accepting the strings "true"/"false".
    var boolValue: Bool? {
        switch self.resolved {
        case .bool(let value): value
        case .string("true"): true
        case .string("false"): false
        default: nil
        }
    }

    /// The elements of an array, or `nil`.
    var arrayValue: [JSONValue]? {
        guard case .array(let elements) = self.resolved else { return nil }
        return elements
    }

    /// The members of an object, or `nil`.
    var objectValue: [(String, JSONValue)]? {
        guard case .object(let members) = self.resolved else { return nil }
        return members
    }

    /// Keeps only the members whose key is in `keys` (objects only).
    func selecting(_ keys: Set<String>?) -> JSONValue {
        guard let keys, case .object(let members) = self.resolved else { return self }
        return .object(members.filter { keys.contains($0.0) })
    }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(elements)
    }
}

extension JSONValue: ExpressibleByArrayLiteral {
    init(arrayLiteral elements: JSONValue...) {
        self = .array(elements)
    }
}

extension JSONValue: ExpressibleByStringLiteral {
    init(stringLiteral value: String) {
        self = .string(value)
    }
}

extension JSONValue: ExpressibleByIntegerLiteral {
    init(integerLiteral value: Int) {
        self = .int(value)
    }
}

extension JSONValue: ExpressibleByBooleanLiteral {
    init(booleanLiteral value: Bool) {
        self = .bool(value)
    }
}

extension JSONValue: ExpressibleByFloatLiteral {
    init(floatLiteral value: Double) {
        self = .double(value)
    }
}

extension JSONValue {
    /// An array of strings.
    static func strings(_ values: some Sequence<String>) -> JSONValue {
        .array(values.map(JSONValue.string))
    }
}
