/// Random opaque strings for codes and tokens (system randomness: these are credentials, even emulated ones).
enum TokenFactory {
    private static let alphanumerics = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// `count` random characters from `[A-Za-z0-9]`.
    static func alphanumeric(_ count: Int) -> String {
        self.random(count, alphabet: self.alphanumerics)
    }

    /// `count` random lowercase hex digits.
    static func hex(_ count: Int) -> String {
        self.random(count, alphabet: self.hexDigits)
    }

    /// An advertiser-flow access token: 40 hex digits, like TikTok's.
    static func advertiserAccessToken() -> String { self.hex(40) }
    /// An account-flow access token: `act.` and 48 characters.
    static func accountAccessToken() -> String { "act." + self.alphanumeric(48) }
    /// An account-flow refresh token: `rft.` and 48 characters.
    static func refreshToken() -> String { "rft." + self.alphanumeric(48) }
    /// An authorization code.
    static func authorizationCode() -> String { self.alphanumeric(40) }

    private static func random(_ count: Int, alphabet: [UInt8]) -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        var pool: UInt64 = 0
        var poolBits = 0
        while bytes.count < count {
            if poolBits < 8 {
                pool = generator.next()
                poolBits = 64
            }
            let candidate = Int(pool & 0xFF)
            pool >>= 8
            poolBits -= 8
            // Rejection sampling keeps every character equally likely.
            let limit = 256 - 256 % alphabet.count
            if candidate < limit {
                bytes.append(alphabet[candidate % alphabet.count])
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
