import Foundation
import Synchronization

/// The emulator's clock: real time plus an offset that tests move forward. Every expiry (codes, tokens, refresh
/// deadlines, pending consents) is measured on it. The offset is durable: advancing calls `onChange`.
final class EmulatorClock: Sendable {
    private let _offsetMilliseconds: Atomic<Int>
    private let onChange: @Sendable () -> Void

    /// Creates a clock on real time.
    /// - Parameter onChange: called after every advance.
    init(onChange: @escaping @Sendable () -> Void = {}) {
        self._offsetMilliseconds = Atomic(0)
        self.onChange = onChange
    }

    /// Milliseconds the clock runs ahead of real time.
    var offsetMilliseconds: Int { self._offsetMilliseconds.load(ordering: .relaxed) }

    /// Sets the offset (when restoring a saved state, before the emulator serves).
    func restore(offsetMilliseconds: Int) {
        self._offsetMilliseconds.store(offsetMilliseconds, ordering: .relaxed)
    }

    /// Seconds since 1970 on the emulated clock.
    func now() -> Double {
        Date().timeIntervalSince1970 + Double(self.offsetMilliseconds) / 1000
    }

    /// Moves the clock forward.
    func advance(bySeconds seconds: Double) {
        let milliseconds = Int((seconds * 1000).rounded())
        guard milliseconds != 0 else { return }
        self._offsetMilliseconds.add(milliseconds, ordering: .relaxed)
        self.onChange()
    }
}
