import Foundation
import Hummingbird

/// Encoding and decoding of `application/x-www-form-urlencoded` text, used for query strings, form bodies and the
/// query parameters appended to redirect URIs.
///
/// Decoding is Hummingbird's `URLEncodedFormDecoder`: `+` is a space and `%XX` is a byte (a client that means a
/// literal plus sign must send `%2B`); a pair without `=` is ignored; a bad escape, a repeated name or a bracketed
/// name (`a[b]`) is malformed.
enum FormEncoding {
    /// Decodes `a=1&b=2` into a dictionary, or 40002 when the text is malformed.
    static func decode(_ text: String) throws(APIError) -> [String: String] {
        do {
            return try URLEncodedFormDecoder().decode([String: String].self, from: text)
        } catch let error as URLEncodedFormError where error.code == .duplicateKeys {
            throw APIError.invalid(error.value, "The parameter is repeated.")
        } catch {
            throw APIError.parameter("The query string or form is malformed (a bad escape or a bracketed name).")
        }
    }

    /// Decodes one component (a path segment, a cookie value) with Foundation: `+` becomes a space, `%XX` a byte;
    /// text with an invalid escape is kept as it is.
    static func decodeComponent(_ text: some StringProtocol) -> String {
        String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
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
}
