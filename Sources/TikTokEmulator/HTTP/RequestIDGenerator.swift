import Foundation
import Synchronization

/// Produces unique, TikTok-looking request ids: a UTC timestamp `yyyyMMddHHmmss` followed by 18 hex digits.
final class RequestIDGenerator: Sendable {
    static let shared = RequestIDGenerator()

    private let counter = Atomic<UInt64>(0)
    private let salt: UInt64

    init() {
        var generator = SystemRandomNumberGenerator()
        self.salt = generator.next()
    }

    func next() -> String {
        let sequence = self.counter.add(1, ordering: .relaxed).newValue
        // A bijective mix of the sequence number keeps ids unique within the process while looking random.
        var mixer = SplitMix64(state: self.salt &+ sequence &* 0x9E37_79B9_7F4A_7C15)
        let unique = mixer.next()
        let seconds = Int(Date().timeIntervalSince1970)
        let days = seconds / 86_400
        let secondOfDay = seconds - days * 86_400
        let date = CivilDate(dayNumber: days)
        // Written byte by byte: this runs on every API response.
        return String(unsafeUninitializedCapacity: 32) { buffer in
            func digits(_ value: Int, _ width: Int, at offset: Int) {
                var value = value
                for position in stride(from: offset + width - 1, through: offset, by: -1) {
                    buffer[position] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
            }
            digits(date.year, 4, at: 0)
            digits(date.month, 2, at: 4)
            digits(date.day, 2, at: 6)
            digits(secondOfDay / 3600, 2, at: 8)
            digits(secondOfDay / 60 % 60, 2, at: 10)
            digits(secondOfDay % 60, 2, at: 12)
            // 18 uppercase hex digits, the first two always 0 (a 64-bit value has 16).
            for position in 0..<18 {
                let shift = 4 * (17 - position)
                let nibble = shift < 64 ? Int((unique >> UInt64(shift)) & 0xF) : 0
                buffer[14 + position] = Self.hexDigits[nibble]
            }
            return 32
        }
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)
}
