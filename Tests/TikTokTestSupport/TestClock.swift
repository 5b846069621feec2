public import Foundation
import Synchronization

/// The one clock of the tests: real time plus an offset the test moves (in step with the emulator's, which moves by
/// its control API), or, with a fixed start, time that stands still until the test moves it.
public final class TestClock: Sendable {
    private let start: Date?
    private let offset = Mutex<TimeInterval>(0)

    /// A clock that runs with real time (`start` `nil`), or stands at `start` until ``advance(_:)`` moves it.
    public init(fixedAt start: Date? = nil) {
        self.start = start
    }

    /// The current time of the clock.
    public func now() -> Date { (start ?? Date()).addingTimeInterval(offset.withLock { $0 }) }

    /// Moves the clock forward by `seconds`.
    public func advance(_ seconds: TimeInterval) { offset.withLock { $0 += seconds } }
}
