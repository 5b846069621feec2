import Synchronization

/// Per-app, per-second call budgets on `/open_api` (fixed one-second windows on the emulator clock).
final class RateLimiter: Sendable {
    private struct Window {
        var second: Int
        var count: Int
    }

    private let windows = Mutex<[String: Window]>([:])

    /// Counts one call for `appID`; returns `false` when the app has already used `limit` calls this second.
    func admit(appID: String, limit: Int?, now: Double) -> Bool {
        guard let limit else { return true }
        let second = Int(now.rounded(.down))
        return self.windows.withLock { windows in
            var window = windows[appID] ?? Window(second: second, count: 0)
            if window.second != second {
                window = Window(second: second, count: 0)
            }
            guard window.count < limit else {
                windows[appID] = window
                return false
            }
            window.count += 1
            windows[appID] = window
            return true
        }
    }
}
