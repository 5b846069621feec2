import Foundation
import Synchronization

/// The emulator's clock: real time plus an offset that tests move forward. Every expiry (codes, tokens, refresh
/// deadlines, pending consents) is measured on it.
final class EmulatorClock: Sendable {
    private let offsetMilliseconds = Atomic<Int>(0)

    /// Seconds since 1970 on the emulated clock.
    func now() -> Double {
        Date().timeIntervalSince1970 + Double(self.offsetMilliseconds.load(ordering: .relaxed)) / 1000
    }

    /// Moves the clock forward.
    func advance(bySeconds seconds: Double) {
        self.offsetMilliseconds.add(Int((seconds * 1000).rounded()), ordering: .relaxed)
    }
}
