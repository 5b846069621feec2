import Foundation

/// Standard base64 for keys and sealed boxes.
enum Base64 {
    static func encode(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    static func decode(_ text: String) -> [UInt8]? {
        Data(base64Encoded: text).map { [UInt8]($0) }
    }
}

/// Random identifiers and secrets from the system CSPRNG.
public enum RandomID {
    /// `bytes` random bytes as lowercase hex.
    public static func hex(bytes: Int) -> String {
        let digits = Array("0123456789abcdef".utf8)
        let random = randomBytes(bytes)
        return String(unsafeUninitializedCapacity: bytes * 2) { buffer in
            for (index, byte) in random.enumerated() {
                buffer[2 * index] = digits[Int(byte >> 4)]
                buffer[2 * index + 1] = digits[Int(byte & 0x0F)]
            }
            return bytes * 2
        }
    }

    /// `bytes` random bytes as URL-safe base64 without padding.
    public static func urlSafe(bytes: Int) -> String {
        Data(randomBytes(bytes)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// `count` random bytes.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: count)
        var index = 0
        while index < count {
            // Eight bytes per draw of the system generator.
            var word = generator.next()
            for _ in 0..<min(8, count - index) {
                bytes[index] = UInt8(truncatingIfNeeded: word)
                word >>= 8
                index += 1
            }
        }
        return bytes
    }
}
