extension JSONValue {
    /// Parses JSON text. Returns `nil` when the bytes are not valid JSON.
    static func parse(_ bytes: some Collection<UInt8>) -> JSONValue? {
        var parser = JSONParser(bytes: Array(bytes))
        return parser.parseDocument()
    }

    /// Parses JSON text held in a string.
    static func parse(_ text: String) -> JSONValue? {
        parse(Array(text.utf8))
    }

    /// The compact JSON text of this value.
    var serialized: String {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        self.write(into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends the compact JSON text of this value to `output`.
    func write(into output: inout [UInt8]) {
        switch self {
        case .null:
            output.append(contentsOf: "null".utf8)
        case .bool(let value):
            output.append(contentsOf: (value ? "true" : "false").utf8)
        case .int(let value):
            output.append(contentsOf: String(value).utf8)
        case .double(let value):
            if value.isFinite {
                if value.rounded() == value && abs(value) < 1e15 {
                    output.append(contentsOf: String(Int(value)).utf8)
                    output.append(contentsOf: ".0".utf8)
                } else {
                    output.append(contentsOf: String(value).utf8)
                }
            } else {
                output.append(contentsOf: "null".utf8)
            }
        case .string(let value):
            Self.writeString(value, into: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                element.write(into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                Self.writeString(member.0, into: &output)
                output.append(UInt8(ascii: ":"))
                member.1.write(into: &output)
            }
            output.append(UInt8(ascii: "}"))
        case .encoded(let encoded):
            output.append(contentsOf: encoded.bytes)
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func writeString(_ string: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        // Most strings need no escaping: copy them in one go.
        if !string.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            output.append(contentsOf: string.utf8)
            output.append(UInt8(ascii: "\""))
            return
        }
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                output.append(contentsOf: "\\u00".utf8)
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0F)])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}

/// A small recursive-descent JSON parser (RFC 8259) that keeps object member order.
private struct JSONParser {
    let bytes: [UInt8]
    var index = 0
    var depth = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func parseDocument() -> JSONValue? {
        self.skipWhitespace()
        guard let value = self.parseValue() else { return nil }
        self.skipWhitespace()
        return self.index == self.bytes.count ? value : nil
    }

    private mutating func skipWhitespace() {
        while self.index < self.bytes.count {
            switch self.bytes[self.index] {
            case 0x20, 0x0A, 0x0D, 0x09: self.index += 1
            default: return
            }
        }
    }

    private mutating func parseValue() -> JSONValue? {
        guard self.index < self.bytes.count else { return nil }
        switch self.bytes[self.index] {
        case UInt8(ascii: "{"): return self.parseObject()
        case UInt8(ascii: "["): return self.parseArray()
        case UInt8(ascii: "\""): return self.parseString().map(JSONValue.string)
        case UInt8(ascii: "t"): return self.parseLiteral("true", .bool(true))
        case UInt8(ascii: "f"): return self.parseLiteral("false", .bool(false))
        case UInt8(ascii: "n"): return self.parseLiteral("null", .null)
        default: return self.parseNumber()
        }
    }

    private mutating func parseLiteral(_ literal: String, _ value: JSONValue) -> JSONValue? {
        let literalBytes = Array(literal.utf8)
        guard self.index + literalBytes.count <= self.bytes.count,
            Array(self.bytes[self.index..<self.index + literalBytes.count]) == literalBytes
        else { return nil }
        self.index += literalBytes.count
        return value
    }

    private mutating func parseObject() -> JSONValue? {
        self.depth += 1
        defer { self.depth -= 1 }
        guard self.depth < 128 else { return nil }
        self.index += 1
        var members: [(String, JSONValue)] = []
        self.skipWhitespace()
        if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "}") {
            self.index += 1
            return .object(members)
        }
        while true {
            self.skipWhitespace()
            guard self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "\""),
                let key = self.parseString()
            else { return nil }
            self.skipWhitespace()
            guard self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: ":") else { return nil }
            self.index += 1
            self.skipWhitespace()
            guard let value = self.parseValue() else { return nil }
            members.append((key, value))
            self.skipWhitespace()
            guard self.index < self.bytes.count else { return nil }
            if self.bytes[self.index] == UInt8(ascii: ",") {
                self.index += 1
            } else if self.bytes[self.index] == UInt8(ascii: "}") {
                self.index += 1
                return .object(members)
            } else {
                return nil
            }
        }
    }

    private mutating func parseArray() -> JSONValue? {
        self.depth += 1
        defer { self.depth -= 1 }
        guard self.depth < 128 else { return nil }
        self.index += 1
        var elements: [JSONValue] = []
        self.skipWhitespace()
        if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "]") {
            self.index += 1
            return .array(elements)
        }
        while true {
            self.skipWhitespace()
            guard let value = self.parseValue() else { return nil }
            elements.append(value)
            self.skipWhitespace()
            guard self.index < self.bytes.count else { return nil }
            if self.bytes[self.index] == UInt8(ascii: ",") {
                self.index += 1
            } else if self.bytes[self.index] == UInt8(ascii: "]") {
                self.index += 1
                return .array(elements)
            } else {
                return nil
            }
        }
    }

    private mutating func parseString() -> String? {
        self.index += 1
        var scalars: [UInt8] = []
        while self.index < self.bytes.count {
            let byte = self.bytes[self.index]
            self.index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(validating: scalars, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard self.index < self.bytes.count else { return nil }
                let escape = self.bytes[self.index]
                self.index += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): scalars.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "/"): scalars.append(UInt8(ascii: "/"))
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "u"):
                    guard var code = self.parseHex4() else { return nil }
                    if (0xD800..<0xDC00).contains(code) {
                        guard self.index + 1 < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "\\"),
                            self.bytes[self.index + 1] == UInt8(ascii: "u")
                        else { return nil }
                        self.index += 2
                        guard let low = self.parseHex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { return nil }
                    scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
                default:
                    return nil
                }
            case 0..<0x20:
                return nil
            default:
                scalars.append(byte)
            }
        }
        return nil
    }

    private mutating func parseHex4() -> UInt32? {
        guard self.index + 4 <= self.bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = self.bytes[self.index]
            self.index += 1
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: return nil
            }
            value = value << 4 | digit
        }
        return value
    }

    private mutating func parseNumber() -> JSONValue? {
        let start = self.index
        var isInteger = true
        if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "-") { self.index += 1 }
        let digitsStart = self.index
        while self.index < self.bytes.count {
            let byte = self.bytes[self.index]
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                self.index += 1
            } else if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
                || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
            {
                isInteger = false
                self.index += 1
            } else {
                break
            }
        }
        guard self.index > digitsStart else { return nil }
        let text = String(decoding: self.bytes[start..<self.index], as: UTF8.self)
        if isInteger, let value = Int(text) {
            return .int(value)
        }
        guard let value = Double(text), value.isFinite else { return nil }
        return .double(value)
    }
}
