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
        let timestamp = CivilDate.compactTimestamp(unixSeconds: seconds)
        let hex = String(unique, radix: 16, uppercase: true)
        return timestamp + String(repeating: "0", count: 18 - hex.count) + hex
    }
}
