/// Encoding and decoding of `application/x-www-form-urlencoded` text, used for query strings, form bodies and the
/// query parameters appended to redirect URIs.
///
/// Decoding follows the form rules real servers apply to query strings: `+` is a space and `%XX` is a byte. A client
/// that means a literal plus sign must send `%2B`.
enum FormEncoding {
    /// Decodes `a=1&b=2` into a dictionary; the first occurrence of a repeated key wins.
    static func decode(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let name: Substring
            let value: Substring
            if let equals = pair.firstIndex(of: "=") {
                name = pair[..<equals]
                value = pair[pair.index(after: equals)...]
            } else {
                name = pair
                value = ""
            }
            let decodedName = self.decodeComponent(name)
            if result[decodedName] == nil {
                result[decodedName] = self.decodeComponent(value)
            }
        }
        return result
    }

    /// Decodes one component: `+` becomes a space, `%XX` a byte; invalid escapes are kept as they are.
    static func decodeComponent(_ text: some StringProtocol) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                if iterator.count >= 2, let high = self.hexValue(iterator[iterator.startIndex]),
                    let low = self.hexValue(iterator[iterator.startIndex + 1])
                {
                    bytes.append(high << 4 | low)
                    iterator = iterator.dropFirst(2)
                } else {
                    bytes.append(byte)
                }
            default:
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Encodes one component: unreserved characters stay, a space becomes `+`, everything else `%XX`.
    static func encodeComponent(_ text: some StringProtocol) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                bytes.append(byte)
            case UInt8(ascii: " "):
                bytes.append(UInt8(ascii: "+"))
            default:
                bytes.append(UInt8(ascii: "%"))
                bytes.append(self.hexDigits[Int(byte >> 4)])
                bytes.append(self.hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Encodes name/value pairs as `a=1&b=2`, skipping pairs whose value is `nil`.
    static func encode(_ items: [(String, String?)]) -> String {
        items.compactMap { name, value in
            value.map { "\(self.encodeComponent(name))=\(self.encodeComponent($0))" }
        }.joined(separator: "&")
    }

    /// Appends query items to a URI that may already carry a query (and keeps any fragment at the end).
    static func appending(_ items: [(String, String?)], to uri: String) -> String {
        let query = self.encode(items)
        guard !query.isEmpty else { return uri }
        var base = uri
        var fragment = ""
        if let hash = uri.firstIndex(of: "#") {
            base = String(uri[..<hash])
            fragment = String(uri[hash...])
        }
        let separator = base.contains("?") ? (base.hasSuffix("?") || base.hasSuffix("&") ? "" : "&") : "?"
        return base + separator + query + fragment
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
